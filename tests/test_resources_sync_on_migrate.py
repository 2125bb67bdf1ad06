"""Resources & help are filled by `migrate` on a new install, and kept in step with the guide."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.state import ProjectState
from django.test.utils import CaptureQueriesContext

from partnerhub.core.models import AuditEvent
from partnerhub.resources.models import Resource, guide_ext_id, guide_languages
from partnerhub.resources.services import (
    CURATED_FILE,
    guide_dir,
    resources_sync_after_migrate,
    resources_sync_guide,
)

REPO = Path(__file__).resolve().parent.parent


def guide_files_ids(root: Path) -> list[str]:
    """The resource ids of the guide's files: English pages, then each translation's."""
    ids = [guide_ext_id(p.stem) for p in root.glob("*.md")]
    for language in guide_languages()[1:]:
        ids += [guide_ext_id(p.stem, language) for p in (root / language).glob("*.md")]
    return sorted(ids)


GUIDE_IDS = guide_files_ids(guide_dir())
CURATED_IDS = sorted(
    json.loads(line)["id"] for line in CURATED_FILE.read_text().splitlines() if line.strip()
)


def guide_ids() -> list[str]:
    return sorted(
        Resource.objects.filter(ext_id__startswith="guide-").values_list("ext_id", flat=True)
    )


def curated_ids() -> list[str]:
    return sorted(
        Resource.objects.exclude(ext_id__startswith="guide-").values_list("ext_id", flat=True)
    )


@pytest.mark.django_db
def test_a_new_database_after_migrate_holds_the_guide_quick_links_and_featured_resources():
    # given the test database, which pytest creates with `migrate` (nothing else ran)
    # then every guide page and every curated link is indexed
    assert guide_ids() == GUIDE_IDS
    assert curated_ids() == CURATED_IDS
    # and the page's quick links and featured resources are there, from the guide and the links
    assert Resource.objects.filter(ext_id="guide-getting-started", quick_link=True).exists()
    assert Resource.objects.filter(ext_id="guide-getting-started", featured=True).exists()
    assert Resource.objects.exclude(ext_id__startswith="guide-").filter(quick_link=True).exists()
    assert Resource.objects.exclude(ext_id__startswith="guide-").filter(featured=True).exists()
    # and the install step wrote no audit row (nobody did it; tests count audit rows)
    assert not AuditEvent.objects.filter(action__startswith="resources.").exists()


@pytest.mark.django_db
def test_a_new_install_shows_the_guide_under_resources_and_help(client, full_admin):
    # given a new install; when a partner's administrator opens Resources & help
    client.force_login(full_admin)
    response = client.get("/resources/")
    # then the quick links and the featured resources are filled, the guide among them
    quick = [r.ext_id for r in response.context["quick_links"]]
    featured = [r.ext_id for r in response.context["featured"]]
    assert "guide-getting-started" in quick and "guide-getting-started" in featured
    assert any(not i.startswith("guide-") for i in quick)
    assert any(not i.startswith("guide-") for i in featured)
    assert "Getting started" in response.content.decode()


@pytest.mark.django_db
def test_migrating_again_with_an_unchanged_guide_writes_nothing():
    # given an indexed guide; when the post-migrate sync runs again
    with CaptureQueriesContext(connection) as queries:
        resources_sync_after_migrate(using="default", verbosity=0)
    # then it only read: no insert, update or delete, and nothing doubled
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert guide_ids() == GUIDE_IDS
    assert curated_ids() == CURATED_IDS


@pytest.mark.django_db
def test_a_changed_guide_page_is_reindexed_without_a_duplicate_and_keeps_operator_flags(
    settings, tmp_path
):
    # given a copy of the guide, indexed, and an operator who un-featured one of its pages
    guide = tmp_path / "guide"
    shutil.copytree(guide_dir(), guide)
    settings.PARTNERHUB_GUIDE_DIR = str(guide)
    resources_sync_after_migrate(using="default", verbosity=0)
    Resource.objects.filter(ext_id="guide-tags").update(featured=True)
    before = Resource.objects.count()
    # when the page's text changes and the next deploy migrates
    page = guide / "tags.md"
    page.write_text(
        "# Custom tags, revised\n\nTags group customers, now in colours.\n\n## Rules\n\nNew body.\n"
    )
    resources_sync_after_migrate(using="default", verbosity=0)
    # then the same resource carries the new text, once, with the operator's flag kept
    tags = Resource.objects.get(ext_id="guide-tags")
    assert (tags.title, tags.summary) == (
        "Custom tags, revised",
        "Tags group customers, now in colours.",
    )
    assert "New body." in tags.body
    assert tags.featured is True
    assert Resource.objects.count() == before


@pytest.mark.django_db
def test_the_sync_reports_only_what_changed():
    # given the indexed guide; when a page's stored text drifts from its file
    Resource.objects.filter(ext_id="guide-trials").update(body="stale")
    # then a sync rewrites that page only
    counts = resources_sync_guide(record_audit=False)
    assert counts == {"created": 0, "updated": 1, "removed": 0}
    assert Resource.objects.get(ext_id="guide-trials").body != "stale"


@pytest.mark.django_db
def test_migrating_the_resources_app_back_to_zero_does_not_sync():
    # given an empty index; when post_migrate reports a state without the resources tables
    Resource.objects.all().delete()
    resources_sync_after_migrate(using="default", apps=ProjectState().apps, verbosity=0)
    # then nothing was indexed (the tables of such a state do not exist)
    assert not Resource.objects.exists()


@pytest.mark.django_db
def test_a_broken_guide_page_warns_and_does_not_stop_the_migration_or_the_curated_links(
    settings, tmp_path, caplog
):
    # given an empty index and a guide with a page missing its title line
    Resource.objects.all().delete()
    guide = tmp_path / "guide"
    guide.mkdir()
    (guide / "broken.md").write_text("no title line\n")
    settings.PARTNERHUB_GUIDE_DIR = str(guide)
    # when the post-migrate sync runs
    with caplog.at_level(logging.WARNING, logger="partnerhub.resources.services"):
        resources_sync_after_migrate(using="default", verbosity=0)
    # then it warns naming the page, raises nothing, and the curated links are indexed
    assert "broken.md" in caplog.text
    assert guide_ids() == []
    assert curated_ids() == CURATED_IDS


def test_partnerhub_migrate_on_a_new_sqlite_file_fills_resources_and_help(tmp_path):
    # given a new data directory (so a new SQLite file) and no other database configured
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PARTNERHUB_TESTING"}}
    env["PARTNERHUB_DATA_DIR"] = str(tmp_path)
    partnerhub = str(Path(sys.executable).parent / "partnerhub")

    def migrate() -> None:
        done = subprocess.run(
            [partnerhub, "migrate", "--verbosity", "0"],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr

    def rows() -> list[str]:
        with sqlite3.connect(tmp_path / "partnerhub.sqlite3") as db:
            return sorted(r[0] for r in db.execute("SELECT ext_id FROM resources_resource"))

    # when `partnerhub migrate` runs, twice (a second deploy)
    migrate()
    first = rows()
    migrate()
    # then the guide pages and the curated links are there, once each
    assert first == sorted(GUIDE_IDS + CURATED_IDS)
    assert rows() == first
