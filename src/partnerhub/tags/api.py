"""REST API of tags (docs/reference/api.md#tags): the partner's tags; a customer's tags replaced."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router

from partnerhub.accounts.policy import Action, can, get_customer, require
from partnerhub.core.paging import page_slice
from partnerhub.tags.schemas import CustomerTagsIn, CustomerTagsOut, TagPageOut
from partnerhub.tags.selectors import tag_list
from partnerhub.tags.services import customer_set_tags

router = Router(tags=["tags"])


@router.get("/tags", response=TagPageOut)
def list_tags(
    request: HttpRequest, q: str = "", page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """The caller's partner's tags with how many customers carry each."""
    user: Any = request.user
    if not can(user, Action.VIEW_CUSTOMERS):
        raise PermissionDenied
    result = page_slice(tag_list(user=user, q=q.strip()), page, page_size)
    return {
        "count": result["count"],
        "items": [
            {"id": t.pk, "name": t.name, "customers": t.customer_count} for t in result["items"]
        ],
    }


@router.put("/customers/{customer_id}/tags", response=CustomerTagsOut)
def put_customer_tags(
    request: HttpRequest, customer_id: str, payload: CustomerTagsIn
) -> dict[str, Any]:
    """Replace the customer's tags (of the caller's partner) with the given names."""
    user: Any = request.user
    customer = get_customer(user, customer_id)
    require(user, Action.TAG)
    tags = customer_set_tags(actor=user, customer=customer, names=payload.tags)
    return {"id": customer.ext_id, "tags": tags}
