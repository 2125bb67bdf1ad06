"""Recording changes in the audit trail (rules.md, Auditing)."""

from __future__ import annotations

from typing import Any

from partnerhub.core.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    obj_type: str,
    obj_id: str,
    customer: Any = None,
    partner: Any = None,
    before: Any = None,
    after: Any = None,
    on_behalf: bool = False,
) -> AuditEvent:
    """Write one audit row; call inside the transaction of the change it records."""
    if partner is None:
        partner = getattr(customer, "partner", None) or getattr(actor, "partner", None)
    return AuditEvent.objects.create(
        partner=partner,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        customer=customer,
        on_behalf=on_behalf,
        before=before,
        after=after,
    )
