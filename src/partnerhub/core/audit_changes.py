"""The before/after values of an audit entry as a person reads them: one line per changed field,
"Tags: gold, emea → gold", with field names and values in words (roles, states and products by
their labels, numbers grouped as the language groups them), never JSON.

It reads entries that have already passed `core.audit_selectors.audit_entries` (the redaction of
another partner's values), so it can only show what the reader may see. The value labels come
from the apps that record the entries (item states, helpdesk case fields): like the audit
selectors, this module sits above the domain models it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Choices
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from partnerhub.core.choices import Product, Role
from partnerhub.helpdesk.models import Area, CaseStatus, Severity
from partnerhub.subscriptions.models import ItemState

# Field names in words, for the keys the services record (core.audit_selectors.AUDIT_FIELDS);
# an unknown key is shown as its words ("foo_bar" → "Foo bar").
FIELD_LABELS: dict[str, Any] = {
    "id": _("Id"),
    "name": _("Name"),
    "email": _("E-mail"),
    "role": _("Role"),
    "active": _("Active"),
    "tags": _("Tags"),
    "tag_deleted": _("Tag deleted"),
    "customers": _("Customers"),
    "state": _("State"),
    "start": _("Start"),
    "end": _("End"),
    "auto_renew": _("Auto-renew"),
    "lines": _("Licenses"),
    "days": _("Length (days)"),
    "order_id": _("Order"),
    "converted_to": _("Converted to"),
    "assignments_moved": _("Assignments moved"),
    "organization_name": _("Organization name"),
    "admin_email": _("Administrator e-mail"),
    "country": _("Country"),
    "created": _("Created"),
    "updated": _("Updated"),
    "removed": _("Removed"),
    "managers": _("Managers"),
    "partner_admins": _("Partner administrators"),
    "item": _("Subscription or trial"),
    "product": _("Product"),
    "licenses": _("Licenses"),
    "assigned": _("Assigned"),
    "users": _("Users"),
    "overage": _("Overage"),
    "query": _("Query"),
    "number": _("Case"),
    "area": _("Area"),
    "severity": _("Severity"),
    "subject": _("Subject"),
    "status": _("Status"),
    "customer": _("Customer"),
    "assignee": _("Assigned to"),
    "comment": _("Comment"),
    "attachments": _("Attachments"),
    "terms_accepted_at": _("Terms accepted"),
    "terms_accepted_by": _("Terms accepted by"),
    "org_setup_at": _("Organization set up"),
    "as_of": _("As of"),
    "counts": _("Counts"),
}
_ORDER = {key: i for i, key in enumerate(FIELD_LABELS)}
# Coded values shown by their labels, per key.
VALUE_LABELS: dict[str, type[Choices]] = {
    "role": Role,
    "state": ItemState,
    "product": Product,
    "status": CaseStatus,
    "area": Area,
    "severity": Severity,
}
# Keys that say nothing the page does not show already (the customer has its own column, the
# action says whether it is a trial).
HIDDEN_KEYS = frozenset({"customer_id", "is_trial"})
ARROW = "→"


@dataclass(frozen=True)
class Change:
    """One field of an audit entry: its name and its value before and after, in words."""

    field: str
    before: str | None  # None: the entry records no value before (something new)
    after: str | None  # None: nothing after (something removed)

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.field}: {self.after}"
        if self.after is None:
            return f"{self.field}: {self.before} {ARROW} —"
        return f"{self.field}: {self.before} {ARROW} {self.after}"


def field_label(key: str) -> str:
    """A before/after key in words."""
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ").capitalize()


def value_text(key: str, value: Any) -> str:
    """One recorded value in words: labels for coded values, grouped numbers, lists joined."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    choices = VALUE_LABELS.get(key)
    if choices is not None and isinstance(value, str | int) and value in choices.values:
        return str(choices(value).label)
    if isinstance(value, int | float):
        return number_format(value, force_grouping=True)
    if key == "lines":
        return _lines_text(value)
    if isinstance(value, list | tuple):
        return ", ".join(value_text(key, v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(
            f"{field_label(str(k))}: {value_text(str(k), v)}" for k, v in value.items()
        )
    return str(value)


def _lines_text(lines: Any) -> str:
    """License lines ({"calling": 100} or [{"product": …, "licenses": …}]) as
    "Webex Calling: 100"."""
    if isinstance(lines, Mapping):
        pairs = list(lines.items())
    elif isinstance(lines, list | tuple):
        pairs = [
            (line.get("product"), line.get("licenses"))
            for line in lines
            if isinstance(line, Mapping)
        ]
    else:
        return str(lines)
    return ", ".join(
        f"{value_text('product', product)}: {value_text('licenses', n)}" for product, n in pairs
    )


def audit_changes(entry: Any) -> list[Change]:
    """The changed fields of an entry (anything with `before` and `after`), in the order of
    FIELD_LABELS (PostgreSQL's jsonb keeps no key order), unknown fields last by name.

    A field whose value is the same before and after is left out; an entry that records only
    after (something new) or only before (something removed) lists its values as they were."""
    before, after = entry.before, entry.after
    if before is not None and not isinstance(before, Mapping):
        before = {"value": before}
    if after is not None and not isinstance(after, Mapping):
        after = {"value": after}
    keys = sorted({*(before or {}), *(after or {})}, key=lambda k: (_ORDER.get(k, len(_ORDER)), k))
    changes = []
    for key in keys:
        if key in HIDDEN_KEYS:
            continue
        in_before = before is not None and key in before
        in_after = after is not None and key in after
        if in_before and in_after and before[key] == after[key]:
            continue
        changes.append(
            Change(
                field=field_label(key),
                before=value_text(key, before[key]) if in_before else None,
                after=value_text(key, after[key]) if in_after else None,
            )
        )
    return changes


def changes_text(entry: Any) -> str:
    """The changes of an entry on one line ("Tags: gold → gold, emea; Role: …"), for exports."""
    return "; ".join(str(c) for c in audit_changes(entry))
