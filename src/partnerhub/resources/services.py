"""Writes of Resources & help: indexing the user guide, curated links, and clicks."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.utils.translation import gettext as _

from partnerhub.accounts.models import User
from partnerhub.core.audit import audit_record
from partnerhub.core.choices import Product
from partnerhub.resources.models import (
    GUIDE_DEFAULT_LANGUAGE,
    GUIDE_PREFIX,
    Resource,
    ResourceClick,
    ResourceType,
    guide_ext_id,
    guide_languages,
    guide_url,
)

logger = logging.getLogger(__name__)
CURATED_FILE = Path(__file__).resolve().parent / "data" / "resources.jsonl"
# Guide pages about one product carry it, so the product filter finds them.
GUIDE_PRODUCTS: dict[str, list[str]] = {
    "calling-analytics": [Product.CALLING],
    "subscriptions-analytics": [Product.MEETINGS, Product.CALLING],
    "resources-and-helpdesk": [Product.CALLING, Product.CONTACT_CENTER],
}
# Flags a fresh index starts with; afterwards the operator's edits in the admin stand.
GUIDE_INITIAL_FLAGS: dict[str, dict[str, bool]] = {
    "getting-started": {"featured": True, "quick_link": True},
    "statuses": {"quick_link": True},
    "filters": {"quick_link": True},
    "subscriptions-analytics": {"featured": True},
    "calling-analytics": {"featured": True},
}
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"\*\*|__|`|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")
_RESOURCE_FIELDS = {
    "kind", "id", "title", "url", "type", "products", "summary", "language", "featured",
    "quick_link",
}  # fmt: skip


@dataclass(frozen=True)
class GuidePage:
    """One Markdown page of the user guide: `# Title`, a blank line, a one-sentence summary."""

    slug: str
    title: str
    summary: str
    body: str


def guide_dir() -> Path:
    """Where the guide's Markdown pages live (`PARTNERHUB_GUIDE_DIR`, else docs/guide).

    English pages lie in it; each translation in a subdirectory named by its language
    (docs/guide/pl/), one file per English page, under the same file name.
    """
    configured = getattr(settings, "PARTNERHUB_GUIDE_DIR", None)
    return Path(configured) if configured else Path(settings.REPO_ROOT) / "docs" / "guide"


def plain_text(markdown_line: str) -> str:
    """A Markdown line as plain text: links keep their words, emphasis and code marks go."""
    text = _MD_LINK.sub(r"\1", markdown_line)
    return _MD_MARKS.sub("", text).strip()


def guide_page_parse(path: Path) -> GuidePage:
    """Read one guide page; a page without its `# Title` first line is refused, naming it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("# "):
        raise ValidationError(
            _("%(file)s: the first line must be the page title, as “# Title”.")
            % {"file": path.name}
        )
    summary = plain_text(lines[2]) if len(lines) > 2 else ""
    return GuidePage(
        slug=path.stem,
        title=lines[0][2:].strip(),
        summary=summary,
        body="\n".join(lines[3:]).strip(),
    )


def guide_pages(directory: Path | None = None) -> list[GuidePage]:
    """Every page of the guide, by file name."""
    root = directory or guide_dir()
    if not root.is_dir():
        raise ValidationError(_("The guide directory %(dir)s does not exist.") % {"dir": root})
    return [guide_page_parse(p) for p in sorted(root.glob("*.md"))]


def guide_pages_by_language(directory: Path | None = None) -> dict[str, list[GuidePage]]:
    """The guide's pages in each language it is written in: English from the guide directory,
    each translation from its language's subdirectory (a language without one has none yet)."""
    root = directory or guide_dir()
    pages = {GUIDE_DEFAULT_LANGUAGE: guide_pages(root)}
    for language in guide_languages():
        if language != GUIDE_DEFAULT_LANGUAGE and (root / language).is_dir():
            pages[language] = guide_pages(root / language)
    return pages


def _resources_upsert(
    rows: dict[str, dict[str, Any]], flags: dict[str, dict[str, bool]]
) -> tuple[int, int]:
    """Create the missing resources and rewrite the changed ones; answers (created, updated).

    An unchanged row is not written, so a sync that finds nothing new costs one read. `flags`
    (featured, quick link) are set only on creation: afterwards the operator's edits stand.
    """
    existing = {r.ext_id: r for r in Resource.objects.filter(ext_id__in=list(rows))}
    new = [
        Resource(ext_id=ext_id, **fields, **flags.get(ext_id, {}))
        for ext_id, fields in rows.items()
        if ext_id not in existing
    ]
    changed: list[Resource] = []
    for ext_id, resource in existing.items():
        fields = rows[ext_id]
        if any(getattr(resource, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(resource, name, value)
            changed.append(resource)
    # Web nodes migrating at the same time may both create a page: the first one stands.
    Resource.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        Resource.objects.bulk_update(changed, fields=sorted({f for r in rows.values() for f in r}))
    return len(new), len(changed)


def resources_sync_guide(
    *, directory: Path | None = None, record_audit: bool = True
) -> dict[str, int]:
    """Index the guide's pages, in every language, as `article` resources linking to their
    in-app page.

    Idempotent: only new or changed pages are written and removed pages leave the index.
    `record_audit=False` is for the sync that `migrate` runs (an install step, like a migration).
    A translated page shares its English twin's products and initial flags.
    """
    rows = {
        guide_ext_id(page.slug, language): {
            "title": page.title,
            "summary": page.summary,
            "body": page.body,
            "url": guide_url(page.slug, language),
            "type": ResourceType.ARTICLE,
            "products": [str(p) for p in GUIDE_PRODUCTS.get(page.slug, [])],
            "language": language,
        }
        for language, pages in guide_pages_by_language(directory).items()
        for page in pages
    }
    flags = {
        guide_ext_id(slug, language): f
        for slug, f in GUIDE_INITIAL_FLAGS.items()
        for language in guide_languages()
    }
    with transaction.atomic():
        created, updated = _resources_upsert(rows, flags)
        # A page removed from the guide leaves the index too.
        removed, _details = (
            Resource.objects.filter(ext_id__startswith=GUIDE_PREFIX)
            .exclude(ext_id__in=list(rows))
            .delete()
        )
        counts = {"created": created, "updated": updated, "removed": removed}
        if record_audit:
            audit_record(
                actor=None, action="resources.sync_guide", obj_type="resource", obj_id="guide",
                after=counts,
            )  # fmt: skip
    return counts


def _curated_line(number: int, data: Any) -> tuple[dict[str, Any], list[str]]:
    """Validate one `resource` line; answers the fields and the errors naming line and field."""
    errors: list[str] = []

    def bad(field: str, reason: str) -> None:
        errors.append(f"line {number}: {field}: {reason}")

    if not isinstance(data, dict):
        bad("kind", "expected a JSON object")
        return {}, errors
    if data.get("kind") != "resource":
        bad("kind", "expected 'resource'")
    for field in sorted(set(data) - _RESOURCE_FIELDS):
        bad(field, "unknown field")
    for field in ("id", "title", "url", "type"):
        if not isinstance(data.get(field), str) or not data[field].strip():
            bad(field, "required text")
    if data.get("type") not in ResourceType.values:
        bad("type", f"one of {', '.join(ResourceType.values)}")
    products = data.get("products", [])
    if not isinstance(products, list) or any(p not in Product.values for p in products):
        bad("products", f"a list of {', '.join(Product.values)}")
    for field in ("featured", "quick_link"):
        if not isinstance(data.get(field, False), bool):
            bad(field, "true or false")
    fields = {
        "title": data.get("title", ""),
        "url": data.get("url", ""),
        "type": data.get("type", ""),
        "products": products,
        "summary": data.get("summary", "") or "",
        "language": data.get("language", "en") or "en",
        "featured": data.get("featured", False),
        "quick_link": data.get("quick_link", False),
    }
    return fields, errors


def resources_load_curated(
    *, path: Path | None = None, record_audit: bool = True
) -> dict[str, int]:
    """Upsert the curated `resource` lines (docs/reference/dataset.md); a bad line refuses the file.

    Idempotent: only new or changed lines are written; `record_audit` as for the guide.
    """
    source = path or CURATED_FILE
    rows: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: not JSON ({exc.msg})")
            continue
        fields, line_errors = _curated_line(number, data)
        errors.extend(line_errors)
        if not line_errors:
            rows[data["id"]] = fields
    if errors:
        raise ValidationError(errors[:100])
    flags = {
        ext_id: {"featured": fields.pop("featured"), "quick_link": fields.pop("quick_link")}
        for ext_id, fields in rows.items()
    }
    with transaction.atomic():
        created, updated = _resources_upsert(rows, flags)
        counts = {"created": created, "updated": updated}
        if record_audit:
            audit_record(
                actor=None, action="resources.load_curated", obj_type="resource",
                obj_id=source.name, after=counts,
            )  # fmt: skip
    return counts


def resources_sync_after_migrate(
    *, using: str = DEFAULT_DB_ALIAS, apps: Apps | None = None, verbosity: int = 1, **_kwargs: Any
) -> None:
    """`post_migrate` of the resources app: index the guide and the curated links (quietly).

    A new install thus opens Resources & help filled, and a deploy re-indexes changed guide
    pages. Skipped while the resources tables are absent or behind the code (migrating back),
    and on a database Resource is not written to. A broken guide page or curated file warns and
    does not fail the migration: the indexed resources are a copy of files in the repository.
    """
    if not _resources_tables_current(using, apps):
        return
    syncs: dict[str, Callable[..., dict[str, int]]] = {
        "guide": resources_sync_guide,
        "curated links": resources_load_curated,
    }
    for name, sync in syncs.items():
        try:
            counts = sync(record_audit=False)
        except (ValidationError, OSError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            logger.warning("Resources & help: %s not indexed: %s", name, "; ".join(messages))
            continue
        if verbosity >= 2:
            print(f"  Resources & help, {name}: {counts}")


def _resources_tables_current(using: str, apps: Apps | None) -> bool:
    """Whether `using` holds the resources table with every column the Resource model reads."""
    if router.db_for_write(Resource) != using:
        return False
    try:
        state = (apps or global_apps).get_model("resources", "Resource")
    except LookupError:  # migrated back to zero
        return False
    columns = {f.column for f in state._meta.concrete_fields}
    if not {f.column for f in Resource._meta.concrete_fields} <= columns:
        return False
    return Resource._meta.db_table in connections[using].introspection.table_names()


def resource_click_record(*, user: User, resource: Resource) -> ResourceClick | None:
    """Count one opening of a resource for the person's partner (what quick links follow)."""
    if user.partner_id is None:
        return None
    return ResourceClick.objects.create(resource=resource, partner_id=user.partner_id, user=user)
