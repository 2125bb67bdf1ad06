"""Recording changes in the audit trail (docs/reference/rules.md#auditing)."""

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
    """Write one audit row; call inside the transaction of the change it records.

    `partner` is the partner whose trail the row belongs to and whose private values (tag names,
    its people's e-mails, its object ids) `before` / `after` carry: pass the actor's partner when
    they are the actor's partner's (tags, helpdesk cases), else it is the customer's partner. Other
    partners that see the row (on their customer) read it redacted; declare what each new key
    carries in `core.audit_selectors.AUDIT_FIELDS`, or it is hidden from them (fail closed).
    """
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
