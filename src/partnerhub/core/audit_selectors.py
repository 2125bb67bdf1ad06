"""Reads of the audit trail, scoped to what the person may see (rules.md, Auditing)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.policy import ALL_CUSTOMER_ROLES, customer_scope, is_partner_admin
from partnerhub.core.models import AuditEvent

# Readable names of the actions the apps record; unknown codes are shown as they are.
ACTION_LABELS: dict[str, Any] = {
    "tag.assign": _("Tag added"),
    "tag.remove": _("Tag removed"),
    "tag.set": _("Tags replaced"),
    "tag.rename": _("Tag renamed"),
    "tag.delete": _("Tag deleted"),
    "customer.admin.add": _("Partner administrator assigned"),
    "customer.admin.remove": _("Partner administrator removed"),
    "user.role": _("Role changed"),
    "user.invite": _("Person invited"),
    "saved_filter.save": _("Filter saved"),
    "saved_filter.delete": _("Filter deleted"),
}


def audit_scope(user: Any) -> QuerySet[AuditEvent]:
    """Events the person may see: their partner's trail (all-customer roles) and the trail of every
    customer in their scope."""
    if not is_partner_admin(user):
        return AuditEvent.objects.none()
    visible = Q(customer__in=customer_scope(user)) & (
        Q(partner_id=user.partner_id)
        | Q(actor__partner_id=user.partner_id)
        | Q(customer__partner_id=user.partner_id)
    )
    if user.role in ALL_CUSTOMER_ROLES:
        visible |= Q(partner_id=user.partner_id)
    return (
        AuditEvent.objects.filter(visible)
        .select_related("actor", "customer")
        .order_by("-at", "-id")
    )


def customer_audit(*, user: Any, customer: Any) -> QuerySet[AuditEvent]:
    """The audit trail of one customer (already known to be in scope)."""
    visible = (
        Q(partner_id=user.partner_id)
        | Q(actor__partner_id=user.partner_id)
        | Q(customer__partner_id=user.partner_id)
    )
    return (
        AuditEvent.objects.filter(customer=customer)
        .filter(visible)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def describe(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Attach a readable action label and before/after text to each event of a page."""
    out = []
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action)  # type: ignore[attr-defined]
        event.before_text = _text(event.before)  # type: ignore[attr-defined]
        event.after_text = _text(event.after)  # type: ignore[attr-defined]
        out.append(event)
    return out
