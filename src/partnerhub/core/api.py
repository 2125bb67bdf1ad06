"""REST API of the audit trail (docs/reference/api.md#audit-trail)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema

from partnerhub.accounts.policy import Action, can, get_customer
from partnerhub.core.audit_selectors import audit_entries, audit_scope
from partnerhub.core.paging import page_slice

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor: str | None
    action: str
    object_type: str
    object_id: str
    customer_id: str | None
    on_behalf: bool
    before: Any = None
    after: Any = None


class AuditPageOut(Schema):
    count: int
    items: list[AuditEventOut]


@router.get("/audit", response=AuditPageOut)
def list_audit(
    request: HttpRequest, customer_id: str = "", page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """The caller's partner's audit trail, newest first; `customer_id` narrows it to a customer.
    Another partner's entries on the caller's customers show that partner's tags as a neutral
    label and its people as "a person of <partner>"; its other values and object ids are left
    out."""
    user: Any = request.user
    if not can(user, Action.VIEW_CUSTOMERS):
        raise PermissionDenied
    events = audit_scope(user)
    if customer_id:
        events = events.filter(customer=get_customer(user, customer_id))
    result = page_slice(events, page, page_size)
    # Entries other partners recorded on the caller's customers come redacted (issue 13).
    entries = audit_entries(viewer=user, events=result["items"])
    return {
        "count": result["count"],
        "items": [
            {
                "id": e.id,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "customer_id": e.customer_id,
                "on_behalf": e.on_behalf,
                "before": e.before,
                "after": e.after,
            }
            for e in entries
        ],
    }
