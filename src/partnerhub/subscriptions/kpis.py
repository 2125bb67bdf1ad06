"""The first-row KPIs of the subscriptions analytics as rules on license lines
(docs/reference/metrics.md): the same customers are counted by the analytics page and found by
the customer list's `kpi:` filter.

`Windows` holds the conditions as of D (recently added, expiring, renewing, the cohort, over the
limit, low assignment) on rows with start/end/is_trial/auto_renew/assigned/total/product fields:
the analytics' per-request figures table, or license lines annotated alike (`counted_lines`).
They are rules, not scope: the caller passes the customers to count among (the policy's
`partner_customer_scope`), so nothing here depends on who asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Cast, RowNumber
from django.db.models.lookups import LessThan

from partnerhub.core.choices import Product
from partnerhub.subscriptions.models import ItemLine
from partnerhub.subscriptions.selectors import assigned_subquery, in_force_q

# The keys of the first KPI row (shared with the customer list's `kpi:` filter token).
KPI_KEYS: tuple[str, ...] = (
    "total_customers",
    "expiring_soon",
    "renewing_soon",
    "low_assignment",
    "over_limit",
)
# The products the analytics count (lines of other products have no usage to compare).
PRODUCTS = (Product.MEETINGS.value, Product.CALLING.value)
WINDOW_DAYS = 90  # "next 90 days" / "last 90 days"
COHORT_MIN_DAYS = 30  # low assignment compares items added at least 30 days ago


@dataclass(frozen=True)
class Windows:
    """The conditions of docs/reference/metrics.md as of D, on rows with start/end/is_trial/
    assigned/product fields (LineFigures, or ItemLine annotated by `counted_lines`)."""

    as_of: dt.date

    @property
    def recent(self) -> Q:
        """0 <= days_since_added <= 90 (in force already means start <= D)."""
        return Q(start__gte=self.as_of - dt.timedelta(days=WINDOW_DAYS))

    @property
    def ending(self) -> Q:
        """0 <= days_to_end <= 90 (in force already means end >= D)."""
        return Q(end__lte=self.as_of + dt.timedelta(days=WINDOW_DAYS))

    @property
    def expiring(self) -> Q:
        return self.ending & (Q(is_trial=True) | Q(auto_renew=False))

    @property
    def renewing(self) -> Q:
        return self.ending & Q(is_trial=False, auto_renew=True)

    @property
    def cohort(self) -> Q:
        """days_since_added >= 30 and total > 0."""
        return Q(start__lte=self.as_of - dt.timedelta(days=COHORT_MIN_DAYS), total__gt=0)

    @property
    def over(self) -> Q:
        return Q(assigned__gt=F("total"))

    def low(self, medians: Mapping[str, tuple[int, int, int, int]], product: str) -> Q:
        """ratio < factor·M for `product`, compared exactly in integers (no float rounding).

        With M = (a1/t1 + a2/t2)/2 and factor = n/d: a/t < factor·M
        ⇔ 2·d·a·t1·t2 < n·t·(a1·t2 + a2·t1).
        """
        if product not in medians:
            return Q(pk__in=[])
        a1, t1, a2, t2 = medians[product]
        factor = Fraction(str(settings.LOW_ASSIGNMENT_FACTOR))
        left = F("assigned") * Value(2 * factor.denominator * t1 * t2)
        right = F("total") * Value(factor.numerator * (a1 * t2 + a2 * t1))
        return Q(product=product) & self.cohort & Q(LessThan(left, right))

    def low_any(self, medians: Mapping[str, tuple[int, int, int, int]]) -> Q:
        q = Q(pk__in=[])
        for product in PRODUCTS:
            q |= self.low(medians, product)
        return q


def cohort_medians(lines: QuerySet[Any], as_of: dt.date) -> dict[str, tuple[int, int, int, int]]:
    """Per product, the two middle (assigned, total) of the cohort ordered by ratio (one query).

    For an odd count both are the middle item; M is the mean of their two ratios.
    """
    ratio = ExpressionWrapper(Cast("assigned", FloatField()) / F("total"), FloatField())
    ranked = (
        lines.filter(Windows(as_of).cohort)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("product")], order_by=[ratio.asc()]),
            size=Window(Count("product"), partition_by=[F("product")]),
        )
        .filter(Q(rank=(F("size") + 1) / 2) | Q(rank=(F("size") + 2) / 2))
        .order_by()
        .values_list("product", "rank", "assigned", "total")
    )
    middles: dict[str, list[tuple[int, int, int]]] = {}
    for product, rank, assigned, total in ranked:
        middles.setdefault(product, []).append((rank, assigned, total))
    medians = {}
    for product, rows in middles.items():
        rows.sort()
        (_, a1, t1), (_, a2, t2) = rows[0], rows[-1]
        medians[product] = (a1, t1, a2, t2)
    return medians


def counted_lines(customers: QuerySet[Any], as_of: dt.date) -> QuerySet[ItemLine]:
    """Meetings/calling lines with licenses on items in force on D, of `customers`,
    annotated with the same names as LineFigures (so `Windows` conditions apply to both)."""
    return (
        ItemLine.objects.filter(
            in_force_q(as_of, "item__"),
            product__in=PRODUCTS,
            licenses__gt=0,
            item__customer__in=customers,
        )
        .annotate(
            total=F("licenses"),
            start=F("item__start"),
            end=F("item__end"),
            is_trial=F("item__is_trial"),
            auto_renew=F("item__auto_renew"),
            customer_id=F("item__customer_id"),
            assigned=assigned_subquery(as_of),
        )
        .order_by()
    )


def customers_counted_by(kpi: str, *, customers: QuerySet[Any], as_of: dt.date) -> QuerySet[Any]:
    """Ids of the `customers` a first-row KPI counts (`total_customers`, `expiring_soon`,
    `renewing_soon`, `low_assignment`, `over_limit`), as a lazy queryset for `id__in=`."""
    if kpi not in KPI_KEYS:
        raise ValueError(f"kpi must be one of {KPI_KEYS}")
    lines = counted_lines(customers, as_of)
    windows = Windows(as_of)
    conditions = {
        "total_customers": lambda: Q(),
        "expiring_soon": lambda: windows.expiring,
        "renewing_soon": lambda: windows.renewing,
        "low_assignment": lambda: windows.low_any(cohort_medians(lines, as_of)),
        "over_limit": lambda: windows.over,
    }
    return lines.filter(conditions[kpi]()).values_list("item__customer_id", flat=True).distinct()
