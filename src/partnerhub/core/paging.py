"""One paginator for the web pages and the API: `?page=N&page_size=M` (default 1 and 50).

- A page (`paginate`, `page_at`) shows the nearest page that exists: an unreadable or too small
  number is the first, one past the end the last; `page_size` is kept within 1 … MAX_PAGE_SIZE.
- The API (`page_slice`) refuses a page below 1 or a size outside 1 … MAX_PAGE_SIZE with
  `PageError` (answered 422 naming the field) and answers a page past the end with its count and
  no items (docs/reference/api.md#paging).

Both count one of two ways: COUNT(*), then the page's slice; or, with `one_query`, one query whose
rows carry the total (`COUNT(*) OVER ()`), for a list whose filter is the expensive part (the
customer list's statuses and tags would otherwise run twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest
from django.utils.translation import gettext as _

MAX_PAGE_SIZE = 500
MAX_OFFSET = 2**63 - 1  # the largest OFFSET / LIMIT PostgreSQL and SQLite accept (a bigint)

Objects = QuerySet[Any] | Sequence[Any]


class PageError(ValueError):
    """A page number or size the API refuses; `field` names which (`page` or `page_size`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def page_check(page: int, page_size: int) -> None:
    """Refuse (PageError) a page below 1 or a size outside 1 … MAX_PAGE_SIZE: the API's rule."""
    if page < 1:
        raise PageError("page", _("page must be 1 or more"))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise PageError("page_size", _("page_size must be 1 to %(max)s") % {"max": MAX_PAGE_SIZE})


def _total(objects: Objects) -> int:
    return objects.count() if isinstance(objects, QuerySet) else len(objects)


def _last_page(count: int, size: int) -> int:
    return max(1, -(-count // size))


def _window_rows(qs: QuerySet[Any], number: int, size: int) -> tuple[list[Any], int]:
    """Page `number` and the total in one query; a page past the end asks COUNT(*) too."""
    offset = (number - 1) * size
    if offset + size > MAX_OFFSET:  # past any table's end; the database would overflow
        return [], qs.count()
    rows = list(qs.annotate(total_rows=Window(Count("pk")))[offset : offset + size])
    if rows:
        return rows, int(rows[0].total_rows)
    if number == 1:
        return [], 0
    return [], qs.count()


def page_rows(
    objects: Objects, *, number: int, size: int, one_query: bool = False
) -> tuple[list[Any], int]:
    """The rows of page `number` (1-based) and the total number of rows; none past the end."""
    if one_query and isinstance(objects, QuerySet):
        return _window_rows(objects, number, size)
    count = _total(objects)
    offset = (number - 1) * size
    if offset >= count:  # past the end: a huge page would overflow the database's OFFSET
        return [], count
    return list(objects[offset : offset + size]), count


def page_slice(
    objects: Objects, page: int, page_size: int, *, one_query: bool = False
) -> dict[str, Any]:
    """The API's page: `{"count": total, "items": [...]}`; PageError on a bad page or size."""
    page_check(page, page_size)
    items, count = page_rows(objects, number=page, size=page_size, one_query=one_query)
    return {"count": count, "items": items}


def _int(raw: Any, default: int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def page_at(objects: Objects, number: Any, size: int, *, one_query: bool = False) -> Page:
    """A Django Page of `objects` nearest page `number` (any value: as `?page=` gives it)."""
    number = max(1, _int(number, 1))
    if one_query and isinstance(objects, QuerySet):
        rows, count = _window_rows(objects, number, size)
        if not rows and count:
            number = _last_page(count, size)
            rows, count = _window_rows(objects, number, size)
        page_objects: Any = rows
    else:
        count = _total(objects)
        number = min(number, _last_page(count, size))
        offset = (number - 1) * size
        # Read when the page is shown, as Django's own pages are.
        page_objects = objects[offset : offset + size] if count else []
    paginator = Paginator(objects, size)
    paginator.__dict__["count"] = count  # cached_property: the total counted above
    return Page(page_objects, number, paginator)


def paginate(
    request: HttpRequest, objects: Objects, per_page: int = 50, *, one_query: bool = False
) -> Page:
    """The page `?page=` of `objects`, `?page_size=` (else `per_page`) rows long."""
    size = max(1, min(MAX_PAGE_SIZE, _int(request.GET.get("page_size"), per_page)))
    return page_at(objects, request.GET.get("page"), size, one_query=one_query)
