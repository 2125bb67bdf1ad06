"""Reads about items: "in force", assigned and used (docs/reference/rules.md#items-licenses-usage).

These are building blocks (Q objects and correlated subqueries) that the customer statuses and
the analytics compose into set-based queries; none of them loops over rows in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from partnerhub.activity.models import UsageDay
from partnerhub.core.choices import Product
from partnerhub.subscriptions.models import Assignment, Item, ItemLine


def in_force_q(day: dt.date, prefix: str = "") -> Q:
    """Q for items in force on `day`: start <= day <= end, and an active/suspended subscription
    or an active trial. `prefix` points at the item from another model (e.g. "item__")."""
    return running_q(day, prefix) & in_force_state_q(prefix)


def running_q(day: dt.date, prefix: str = "") -> Q:
    """The dates of in_force_q: the item's term covers `day`."""
    return Q(**{f"{prefix}start__lte": day, f"{prefix}end__gte": day})


def in_force_state_q(prefix: str = "") -> Q:
    """The states of in_force_q: an active or suspended subscription, an active trial."""
    p = prefix
    return Q(**{f"{p}is_trial": False, f"{p}state__in": ["active", "suspended"]}) | Q(
        **{f"{p}is_trial": True, f"{p}state": "active"}
    )


def scheduled_q(day: dt.date, prefix: str = "") -> Q:
    """Q for scheduled items: an active subscription or trial whose term starts after `day`
    (docs/reference/rules.md#customer-statuses: it keeps its customer from being expired)."""
    return Q(**{f"{prefix}start__gt": day, f"{prefix}state": "active"})


def active_assignment_q(day: dt.date, prefix: str = "") -> Q:
    """Q for assignments active on `day`: from <= day and (to is null or day < to)."""
    p = prefix
    return Q(**{f"{p}from_date__lte": day}) & (
        Q(**{f"{p}to_date__isnull": True}) | Q(**{f"{p}to_date__gt": day})
    )


def assigned_subquery(
    day: dt.date, product_ref: str = "product", item_ref: str = "item_id"
) -> Coalesce:
    """Correlated count of active assignments on `day` for the outer row's item and product."""
    sub = (
        Assignment.objects.filter(active_assignment_q(day))
        .filter(item_id=OuterRef(item_ref), product=OuterRef(product_ref))
        .order_by()
        .values("item_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def used_subquery(
    day: dt.date, days: int, product_ref: str = "product", item_ref: str = "item_id"
) -> Coalesce:
    """Correlated used7/used90: active assignments on `day` whose user used the product on any of
    the `days` days ending on `day`."""
    usage = UsageDay.objects.filter(
        user_id=OuterRef("user_id"),
        product=OuterRef("product"),
        day__gte=day - dt.timedelta(days=days - 1),
        day__lte=day,
    )
    sub = (
        Assignment.objects.filter(active_assignment_q(day))
        .filter(item_id=OuterRef(item_ref), product=OuterRef(product_ref))
        .filter(Exists(usage))
        .order_by()
        .values("item_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def items_in_force(day: dt.date) -> QuerySet[Item]:
    """Items in force on `day`."""
    return Item.objects.filter(in_force_q(day))


def item_lines(item: Item, day: dt.date) -> list[dict[str, Any]]:
    """The item's lines with assigned, available and overage on `day` (one query)."""
    rows = (
        ItemLine.objects.filter(item=item)
        .annotate(assigned=assigned_subquery(day))
        .order_by()
        .values("product", "licenses", "assigned")
    )
    order = {p: i for i, p in enumerate(Product.values)}
    return [
        {
            **row,
            "label": Product(row["product"]).label,
            "available": max(0, row["licenses"] - row["assigned"]),
            "overage": max(0, row["assigned"] - row["licenses"]),
        }
        for row in sorted(rows, key=lambda r: order[r["product"]])
    ]
