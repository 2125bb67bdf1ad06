"""`?page=N&page_size=M` paging, answering `{"count", "items"}` (docs/reference/api.md#paging)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from ninja import Schema

from partnerhub.api.api import InputError

MAX_PAGE_SIZE = 500


class PageParams(Schema):
    page: int = 1
    page_size: int = 50


def page_slice(objects: QuerySet[Any] | list[Any], page: int, page_size: int) -> dict[str, Any]:
    """Count and slice; a bad page or page_size is a 422 naming the field."""
    if page < 1:
        raise InputError([{"loc": ["query", "page"], "msg": "page must be 1 or more"}])
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(
            [{"loc": ["query", "page_size"], "msg": f"page_size must be 1 to {MAX_PAGE_SIZE}"}]
        )
    count = objects.count() if isinstance(objects, QuerySet) else len(objects)
    start = (page - 1) * page_size
    if start >= count:  # past the end; a huge page would overflow the database's OFFSET
        return {"count": count, "items": []}
    return {"count": count, "items": list(objects[start : start + page_size])}
