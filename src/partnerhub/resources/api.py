"""`/resources`, `/resources/quick-links`, `/resources/featured` (docs/reference/api.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Query, Router, Schema

from partnerhub.accounts.policy import Action, can
from partnerhub.api.errors import InputError
from partnerhub.core.choices import Product
from partnerhub.core.paging import page_slice
from partnerhub.resources.models import ResourceType, guide_language
from partnerhub.resources.schemas import ResourcePageOut
from partnerhub.resources.selectors import (
    corrected_terms,
    resource_featured,
    resource_quick_links,
    resource_search,
    search_terms,
)

router = Router(tags=["resources"])


class ResourceFilters(Schema):
    q: str = ""
    type: str = ""
    product: str = ""
    language: str = ""
    page: int = 1
    page_size: int = 50


def _require_resources(request: HttpRequest) -> None:
    if not can(request.user, Action.VIEW_CUSTOMERS):
        raise PermissionDenied


@router.get("/resources", response=ResourcePageOut)
def list_resources(request: HttpRequest, filters: Query[ResourceFilters]) -> dict[str, Any]:
    """All resources: `q` ranks by relevance (title matches first); filters narrow. Without
    `language`, the guide's pages are the caller's language's, as on the page."""
    _require_resources(request)
    errors = []
    if filters.type and filters.type not in ResourceType.values:
        errors.append({"loc": ["query", "type"], "msg": f"one of {', '.join(ResourceType.values)}"})
    if filters.product and filters.product not in Product.values:
        errors.append({"loc": ["query", "product"], "msg": f"one of {', '.join(Product.values)}"})
    if len(filters.language) > 8:
        errors.append({"loc": ["query", "language"], "msg": "a language code such as en, pl, de"})
    if errors:
        raise InputError(errors)
    reader = guide_language(get_language())
    chosen = {
        "type": filters.type,
        "product": filters.product,
        "language": filters.language,
        "reader_language": reader,
    }
    results = resource_search(q=filters.q, **chosen)
    answer = page_slice(results, filters.page, filters.page_size)
    if filters.q and answer["count"] == 0:
        # Nothing found: the closest known words ("licnese" → "license"), as the page does.
        better = corrected_terms(search_terms(filters.q), filters.language or reader)
        if better:
            results = resource_search(q=" ".join(better), **chosen)
            answer = page_slice(results, filters.page, filters.page_size)
    return answer


@router.get("/resources/quick-links", response=ResourcePageOut)
def quick_links(request: HttpRequest) -> dict[str, Any]:
    """What the caller's partner opens most, then the curated quick links."""
    _require_resources(request)
    items = resource_quick_links(
        partner_id=request.user.partner_id,  # type: ignore[union-attr]
        reader_language=guide_language(get_language()),
    )
    return {"count": len(items), "items": items}


@router.get("/resources/featured", response=ResourcePageOut)
def featured(request: HttpRequest) -> dict[str, Any]:
    """The curated featured resources."""
    _require_resources(request)
    items = list(resource_featured(reader_language=guide_language(get_language())))
    return {"count": len(items), "items": items}
