"""One query for a page and its total: `COUNT(*) OVER ()` instead of a second COUNT query.

The customer filter (statuses, tags) is the expensive part of the list; counting separately
would run it twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Count, QuerySet, Window

MAX_PAGE_SIZE = 500
MAX_OFFSET = 2**63 - 1  # the largest OFFSET / LIMIT PostgreSQL and SQLite accept (a bigint)


@contextmanager
def short_queries() -> Iterator[None]:
    """Run the enclosed reads without PostgreSQL's JIT compiler.

    The correlated status subqueries make the planner's cost estimates high enough to trigger JIT,
    whose compilation (80–120 ms measured) costs more than the whole page query; JIT stays on for
    everything else (the analytics' large aggregates gain from it). A no-op on SQLite.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def fetch_page(qs: QuerySet[Any], *, number: int, size: int) -> tuple[list[Any], int]:
    """The rows of page `number` (1-based) and the total number of rows."""
    offset = (number - 1) * size
    if offset + size > MAX_OFFSET:  # past any table's end; the database would overflow
        return [], qs.count()
    rows = list(qs.annotate(total_rows=Window(Count("pk")))[offset : offset + size])
    if rows:
        return rows, int(rows[0].total_rows)
    if number == 1:
        return [], 0
    return [], qs.count()


def _int(raw: Any, default: int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def page_from_request(qs: QuerySet[Any], params: Any, per_page: int = 50) -> Page:
    """A Django Page for `?page=` / `?page_size=` (an out-of-range page shows the last one)."""
    size = max(1, min(MAX_PAGE_SIZE, _int(params.get("page_size"), per_page)))
    number = max(1, _int(params.get("page"), 1))
    rows, count = fetch_page(qs, number=number, size=size)
    if not rows and count:
        number = max(1, -(-count // size))
        rows, count = fetch_page(qs, number=number, size=size)
    paginator = Paginator(qs, size)
    paginator.__dict__["count"] = count  # cached_property: the window count is the total
    return Page(rows, number, paginator)
