"""Subscriptions analytics (docs/reference/metrics.md): KPI row, trend and the five sections.

`subscriptions_analytics` answers everything for one person, product and as-of date in a
constant number of queries, from the stored snapshot — which it only reads: the page and the
API first call `services.snapshot_for_page()`, which builds the days the page reads on the
first request for an as-of date (a few no-op statements afterwards). `figures.figures()`
copies the person's lines of D from it into a temporary table; the cohort medians (one window
query), every KPI (one aggregate query) and each table (one query) then read it with the ORM,
and `figures.trend()` sums the twelve trend points of the snapshot.

The conditions of the sections and KPIs (`Windows`, `cohort_medians`) are rules on license
lines in `subscriptions.kpis`, which the customer list's `kpi:` filter applies too;
`kpi_customer_ids` answers a first-row KPI for one person as a lazy queryset of customer ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OrderBy,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Greatest, Lower

from partnerhub.accounts.policy import partner_customer_scope
from partnerhub.analytics.figures import PRODUCTS, figures, trend
from partnerhub.analytics.models import LineFigures
from partnerhub.core.sql import without_jit
from partnerhub.subscriptions.kpis import (
    KPI_KEYS,
    Windows,
    cohort_medians,
    customers_counted_by,
)

SECTION_KEYS = ("recently_added", "expiring", "renewing", "low_assignment", "over_limit")

# The row keys of each table, in the order of docs/reference/metrics.md.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "recently_added": (
        "customer_id", "customer", "item_id", "is_trial", "days_since_added", "total", "used",
        "assigned", "available", "weekly_assignment_change", "weekly_usage_change",
    ),
    "expiring": (
        "customer_id", "customer", "item_id", "is_trial", "days_to_expiry", "total", "used",
        "assigned", "available", "usage_3_months",
    ),
    "renewing": (
        "customer_id", "customer", "item_id", "is_trial", "days_to_renewal", "total", "used",
        "assigned", "available", "usage_3_months",
    ),
    "low_assignment": (
        "customer_id", "customer", "item_id", "is_trial", "months_since_added", "assigned",
        "assigned_pct", "total", "used", "available", "weekly_assignment_change",
    ),
    "over_limit": (
        "customer_id", "customer", "item_id", "is_trial", "months_remaining", "auto_renew",
        "total", "assigned", "assigned_pct", "used", "used_pct",
    ),
}  # fmt: skip


# --- Small helpers ---------------------------------------------------------------------------


def pct(part: int | None, whole: int | None) -> Decimal | None:
    """100·part/whole, one decimal, half to even; None if whole is 0 (docs/reference/metrics.md)."""
    if not whole:
        return None
    return (Decimal(100 * (part or 0)) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)


def _ratio2(part: int, whole: int) -> Decimal | None:
    """part/whole with two decimals, half to even; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


# --- 2. Sections and KPIs (on LineFigures; the conditions: subscriptions.kpis) ---------------


def _available() -> Case:
    return Case(When(total__gt=F("assigned"), then=F("total") - F("assigned")), default=0)


def _overage() -> Case:
    return Case(When(assigned__gt=F("total"), then=F("assigned") - F("total")), default=0)


def _kpis(
    lines: QuerySet[LineFigures], product: str, windows: Windows, medians: Mapping[str, Any]
) -> dict[str, Any]:
    """Every KPI of the page in one aggregate query."""
    low = windows.low(medians, product)
    sections = _section_filters(product, windows, medians)
    distinct_customers: dict[str, Q] = {
        # First KPI row: both products.
        "expiring_soon": windows.expiring,
        "renewing_soon": windows.renewing,
        "low_assignment": windows.low_any(medians),
        "over_limit": windows.over,
    } | {f"{key}__customers": q for key, q in sections.items()}
    aggregates: dict[str, Any] = {"total_customers": Count("customer_id", distinct=True)}
    for name, q in distinct_customers.items():
        aggregates[name] = Count("customer_id", distinct=True, filter=q)
    for key, q in sections.items():
        aggregates[f"{key}__rows"] = Count("line_id", filter=q)
        aggregates[f"{key}__total"] = Sum("total", filter=q, default=0)
        aggregates[f"{key}__assigned"] = Sum("assigned", filter=q, default=0)
        aggregates[f"{key}__used"] = Sum("used", filter=q, default=0)
    aggregates["low_assignment__available"] = Sum(_available(), filter=low, default=0)
    aggregates["over_limit__overage"] = Sum(_overage(), filter=sections["over_limit"], default=0)
    return lines.aggregate(**aggregates)


def _section_filters(product: str, windows: Windows, medians: Mapping[str, Any]) -> dict[str, Q]:
    """The rows of each section: the toggled product's lines meeting its condition."""
    p = Q(product=product)
    return {
        "recently_added": p & windows.recent,
        "expiring": p & windows.expiring,
        "renewing": p & windows.renewing,
        "low_assignment": windows.low(medians, product),
        "over_limit": p & windows.over,
    }


def _section_kpis(agg: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The KPI cards of the five sections (docs/reference/api.md keys) from the aggregate query."""
    over_customers = agg["over_limit__customers"]
    return {
        "recently_added": {
            "new_customers": agg["recently_added__customers"],
            "total_licenses": agg["recently_added__total"],
        },
        "expiring": {
            "expiring_customers": agg["expiring__customers"],
            "assignment_pct": pct(agg["expiring__assigned"], agg["expiring__total"]),
            "usage_pct": pct(agg["expiring__used"], agg["expiring__total"]),
        },
        "renewing": {
            "renewing_customers": agg["renewing__customers"],
            "assignment_pct": pct(agg["renewing__assigned"], agg["renewing__total"]),
            "usage_pct": pct(agg["renewing__used"], agg["renewing__total"]),
        },
        "low_assignment": {
            "low_customers": agg["low_assignment__customers"],
            "assignment_pct": pct(agg["low_assignment__assigned"], agg["low_assignment__total"]),
            "usage_after_assignment_pct": pct(
                agg["low_assignment__used"], agg["low_assignment__total"]
            ),
            "unassigned": agg["low_assignment__available"],
        },
        "over_limit": {
            "over_customers": over_customers,
            "overage": agg["over_limit__overage"],
            "average_overage": _ratio2(agg["over_limit__overage"], over_customers),
        },
    }


# Sorting: a table column → the fields that order it (then customer name, then item id).
SORT_FIELDS: dict[str, tuple[str, ...]] = {
    "customer": ("customer_sort", "customer_name"),
    "customer_id": ("customer_ext_id",),
    "item_id": ("item_ext_id",),
    "is_trial": ("is_trial",),
    "days_since_added": ("-start",),
    "days_to_expiry": ("end",),
    "days_to_renewal": ("end",),
    "months_since_added": ("months_since_added",),
    "months_remaining": ("months_remaining",),
    "auto_renew": ("auto_renew",),
    "total": ("total",),
    "used": ("used",),
    "assigned": ("assigned",),
    "available": ("available",),
    "assigned_pct": ("assigned_ratio",),
    "used_pct": ("used_ratio",),
    "weekly_assignment_change": ("weekly_assignment_change",),
    "weekly_usage_change": ("weekly_usage_change",),
    "usage_3_months": ("used_90",),
}
DEFAULT_SORT = "customer"


def _ordering(sort: str) -> list[OrderBy]:
    """ORDER BY for `key` or `-key`, ties by customer name then item id."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    order = []
    for name in SORT_FIELDS.get(key, SORT_FIELDS[DEFAULT_SORT]):
        flip = name.startswith("-") != descending
        order.append(F(name.lstrip("-")).desc() if flip else F(name.lstrip("-")).asc())
    return [*order, F("customer_sort").asc(), F("customer_name").asc(), F("item_ext_id").asc()]


def _table_rows(lines: QuerySet[LineFigures], as_of: dt.date) -> QuerySet[LineFigures]:
    """Lines with every computed column a table shows or sorts by."""
    months_since_added = Greatest(
        (Value(as_of.year) - F("start__year")) * 12
        + (Value(as_of.month) - F("start__month"))
        - Case(When(start__day__gt=as_of.day, then=1), default=0),
        Value(0),
    )
    months_remaining = Greatest(
        (F("end__year") - Value(as_of.year)) * 12
        + (F("end__month") - Value(as_of.month))
        - Case(When(end__day__lt=as_of.day, then=1), default=0),
        Value(0),
    )
    return lines.annotate(
        customer_sort=Lower("customer_name"),
        available=_available(),
        weekly_assignment_change=F("assigned") - F("assigned_before"),
        weekly_usage_change=F("used") - F("used_before"),
        months_since_added=ExpressionWrapper(months_since_added, IntegerField()),
        months_remaining=ExpressionWrapper(months_remaining, IntegerField()),
        assigned_ratio=ExpressionWrapper(Cast("assigned", FloatField()) / F("total"), FloatField()),
        used_ratio=ExpressionWrapper(Cast("used", FloatField()) / F("total"), FloatField()),
    )


_ROW_FIELDS = (
    "customer_ext_id", "customer_name", "item_ext_id", "is_trial", "start", "end", "auto_renew",
    "total", "assigned", "used", "used_90", "available", "weekly_assignment_change",
    "weekly_usage_change", "months_since_added", "months_remaining",
)  # fmt: skip


def _row(section: str, values: Mapping[str, Any], as_of: dt.date) -> dict[str, Any]:
    """A table row with the keys of docs/reference/metrics.md (days and percentages computed)."""
    total, assigned, used = values["total"], values["assigned"], values["used"]
    row = {
        "customer_id": values["customer_ext_id"],
        "customer": values["customer_name"],
        "item_id": values["item_ext_id"],
        "is_trial": values["is_trial"],
        "days_since_added": (as_of - values["start"]).days,
        "days_to_expiry": (values["end"] - as_of).days,
        "days_to_renewal": (values["end"] - as_of).days,
        "months_since_added": values["months_since_added"],
        "months_remaining": values["months_remaining"],
        "auto_renew": values["auto_renew"],
        "total": total,
        "used": used,
        "assigned": assigned,
        "available": values["available"],
        "weekly_assignment_change": values["weekly_assignment_change"],
        "weekly_usage_change": values["weekly_usage_change"],
        "usage_3_months": values["used_90"],
        "assigned_pct": pct(assigned, total),
        "used_pct": pct(used, total),
    }
    return {key: row[key] for key in ROW_KEYS[section]}


@dataclass(frozen=True)
class TableRequest:
    """Which rows of a section's table to fetch: sorted by `sort`, page `page` of `per_page`
    rows (every row when `per_page` is None). A page past the end shows the last one."""

    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int | None = None


# --- The whole answer ------------------------------------------------------------------------


def subscriptions_analytics(
    *,
    user: Any,
    product: str,
    as_of: dt.date,
    tables: Mapping[str, TableRequest] | None = None,
    with_trend: bool = True,
) -> dict[str, Any]:
    """The subscriptions analytics of the person's scope as of D, a product (docs/reference/api.md),
    from the stored snapshot of D (services.snapshot_for_page() makes sure it is complete).

    `tables` says which rows of which sections to fetch (default: every row of every section,
    as the API answers); each section also carries `count`, its number of rows.
    """
    if product not in PRODUCTS:
        raise ValueError(f"product must be one of {PRODUCTS}")
    if tables is None:
        tables = {key: TableRequest() for key in SECTION_KEYS}
    windows = Windows(as_of)
    answer: dict[str, Any] = {"as_of": as_of, "product": product}
    with without_jit(), figures(user, product, as_of) as computed:
        lines = computed.lines
        medians = cohort_medians(lines, as_of)
        agg = _kpis(lines, product, windows, medians)
        answer["kpis"] = {key: agg[key] for key in KPI_KEYS}
        filters = _section_filters(product, windows, medians)
        section_kpis = _section_kpis(agg)
        for key in SECTION_KEYS:
            section: dict[str, Any] = {"kpis": section_kpis[key], "count": agg[f"{key}__rows"]}
            request = tables.get(key)
            if request is not None:
                rows = _table_rows(lines.filter(filters[key]), as_of).order_by(
                    *_ordering(request.sort)
                )
                values = rows.values(*_ROW_FIELDS)
                if request.per_page is not None:
                    pages = max(1, -(-section["count"] // request.per_page))
                    section["page"] = min(max(1, request.page), pages)
                    start = (section["page"] - 1) * request.per_page
                    values = values[start : start + request.per_page]
                section["rows"] = [_row(key, v, as_of) for v in values]
            answer[key] = section
        if with_trend:
            answer["trend"] = trend(computed)
    return answer


# --- The first KPI row as customer ids (for the customer list) --------------------------------


def kpi_customer_ids(user: Any, kpi: str, as_of: dt.date) -> QuerySet[Any]:
    """Ids of the customers of the person's own partner a first-row KPI counts, as a lazy
    queryset for `id__in=` (the rules: `subscriptions.kpis`)."""
    return customers_counted_by(kpi, customers=partner_customer_scope(user), as_of=as_of)
