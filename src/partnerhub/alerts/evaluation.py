"""What each rule kind finds: one set-based query per kind (docs/reference/events.md).

`findings(kind, ...)` answers every (customer, item or None, figures) for which the kind's
condition holds among the customers a rule looks at, computed by the database; Python only
shapes the rows. None means the figures the kind reads do not exist yet (no calling refresh):
the alerts of that kind are then left as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    DateField,
    F,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from partnerhub.alerts.models import RuleKind
from partnerhub.calling.models import CustomerWeek, Refresh, RefreshStatus
from partnerhub.calling.selectors import pct
from partnerhub.customers.models import Customer, CustomerAdminLogin
from partnerhub.customers.statuses import Status, no_recent_activity_days, status_condition
from partnerhub.subscriptions.kpis import Windows, cohort_medians, counted_lines
from partnerhub.subscriptions.models import Item, ItemLine, Order
from partnerhub.subscriptions.selectors import assigned_subquery, in_force_q

# Calls a week needs before its share of poor calls / abandoned queue calls counts.
MIN_CALLS = 50
MIN_QUEUE_CALLS = 20


@dataclass(frozen=True)
class Finding:
    """A subject whose condition holds: the customer, the item (or None), and the figures."""

    customer_id: int
    item_id: int | None
    detail: dict[str, Any] = field(compare=False, hash=False)

    @property
    def key(self) -> tuple[int, int | None]:
        return (self.customer_id, self.item_id)


@dataclass(frozen=True)
class Context:
    """What a kind's query needs: the customers the rule looks at, the partner's customers (the
    low-assignment median is the partner's), the as-of date and the rule's threshold."""

    customers: QuerySet[Customer]
    partner_customers: QuerySet[Customer]
    as_of: dt.date
    threshold: int | None


def _iso(day: dt.date | dt.datetime | None) -> str | None:
    return day.isoformat() if day is not None else None


def _ending_items(ctx: Context, *, trial: bool) -> list[Finding]:
    """In-force trials (or subscriptions without auto-renew) ending within N days."""
    last = ctx.as_of + dt.timedelta(days=ctx.threshold or 0)
    items = Item.objects.filter(customer__in=ctx.customers, is_trial=trial).filter(
        in_force_q(ctx.as_of), end__lte=last
    )
    if not trial:
        items = items.filter(auto_renew=False)
    rows = items.order_by().values_list("customer_id", "pk", "ext_id", "end")
    return [
        Finding(
            customer_id,
            pk,
            {"item_id": ext_id, "end": _iso(end), "days_left": (end - ctx.as_of).days},
        )
        for customer_id, pk, ext_id, end in rows
    ]


def trial_expiring(ctx: Context) -> list[Finding]:
    return _ending_items(ctx, trial=True)


def subscription_expiring(ctx: Context) -> list[Finding]:
    return _ending_items(ctx, trial=False)


def license_overage(ctx: Context) -> list[Finding]:
    """The `license_overage` status: a line of an in-force item with more active assignments
    than licenses (as customers/statuses.py counts them), the lines as figures. One query over
    the lines, each counting its active assignments through the (item, product) index."""
    rows = (
        ItemLine.objects.filter(in_force_q(ctx.as_of, "item__"), item__customer__in=ctx.customers)
        .annotate(assigned=assigned_subquery(ctx.as_of))
        .filter(assigned__gt=F("licenses"))
        .order_by("item__customer_id", "item__ext_id", "product")
        .values_list("item__customer_id", "item__ext_id", "product", "licenses", "assigned")
    )
    lines: dict[int, list[dict[str, Any]]] = {}
    for customer_id, item_ext_id, product, licenses, assigned in rows:
        lines.setdefault(customer_id, []).append(
            {"item_id": item_ext_id, "product": product, "licenses": licenses, "assigned": assigned}
        )
    return [
        Finding(
            customer_id,
            None,
            {"lines": found, "over": sum(x["assigned"] - x["licenses"] for x in found)},
        )
        for customer_id, found in lines.items()
    ]


def suspended(ctx: Context) -> list[Finding]:
    """The `suspended` status: a suspended subscription whose term has not ended."""
    rows = (
        Item.objects.filter(
            customer__in=ctx.customers, is_trial=False, state="suspended", end__gte=ctx.as_of
        )
        .order_by("customer_id", "ext_id")
        .values_list("customer_id", "ext_id", "end")
    )
    items: dict[int, list[dict[str, Any]]] = {}
    for customer_id, ext_id, end in rows:
        items.setdefault(customer_id, []).append({"item_id": ext_id, "end": _iso(end)})
    return [Finding(customer_id, None, {"items": found}) for customer_id, found in items.items()]


def no_recent_activity(ctx: Context) -> list[Finding]:
    """The `no_recent_activity` status, with the last sign-in ever (or none)."""
    last = CustomerAdminLogin.objects.filter(customer_id=OuterRef("pk")).order_by("-at")
    rows = (
        ctx.customers.filter(status_condition(ctx.as_of, Status.NO_RECENT_ACTIVITY))
        .annotate(last_sign_in=Subquery(last.values("at")[:1]))
        .order_by()
        .values_list("pk", "last_sign_in")
    )
    days = no_recent_activity_days()
    return [
        Finding(pk, None, {"days": days, "last_sign_in": _iso(last_sign_in)})
        for pk, last_sign_in in rows
    ]


def setup_pending(ctx: Context) -> list[Finding]:
    """Subscriptions `provisioning` for at least N days: since the date of the order that created
    them (`new`), else, for a loaded subscription without one, since its start."""
    ordered = (
        Order.objects.filter(item_id=OuterRef("pk"), action="new")
        .order_by()
        .values("item_id")
        .annotate(first=Min("date"))
        .values("first")
    )
    latest = ctx.as_of - dt.timedelta(days=ctx.threshold or 0)
    rows = (
        Item.objects.filter(customer__in=ctx.customers, is_trial=False, state="provisioning")
        .annotate(since=Coalesce(Subquery(ordered, output_field=DateField()), F("start")))
        .filter(since__lte=latest)
        .order_by()
        .values_list("customer_id", "pk", "ext_id", "since")
    )
    return [
        Finding(
            customer_id,
            pk,
            {"item_id": ext_id, "since": _iso(since), "days": (ctx.as_of - since).days},
        )
        for customer_id, pk, ext_id, since in rows
    ]


def low_assignment(ctx: Context) -> list[Finding]:
    """Items with a low-assignment line (docs/reference/metrics.md#low-license-assignment): the
    medians are those of all the partner's customers, as its full administrators' analytics."""
    every = counted_lines(ctx.partner_customers, ctx.as_of)
    medians = cohort_medians(every, ctx.as_of)
    if not medians:
        return []
    rows = (
        counted_lines(ctx.customers, ctx.as_of)
        .filter(Windows(ctx.as_of).low_any(medians))  # type: ignore[misc]
        .order_by("item__customer_id", "item__ext_id", "product")
        .values_list("item__customer_id", "item_id", "item__ext_id", "product", "assigned", "total")
    )
    found: dict[tuple[int, int], dict[str, Any]] = {}
    for customer_id, item_id, ext_id, product, assigned, total in rows:
        detail = found.setdefault((customer_id, item_id), {"item_id": ext_id, "lines": []})
        detail["lines"].append(
            {
                "product": product,
                "assigned": assigned,
                "total": total,
                "assigned_pct": pct(assigned, total),
            }
        )
    return [Finding(c, i, detail) for (c, i), detail in found.items()]


def last_refresh(as_of: dt.date) -> Refresh | None:
    """The current calling refresh of the latest week completed by `as_of`, if any."""
    return (
        Refresh.objects.filter(
            is_current=True, status=RefreshStatus.DONE, week_start__lte=as_of - dt.timedelta(7)
        )
        .order_by("-week_start")
        .first()
    )


def _calling_week(ctx: Context) -> tuple[Refresh, QuerySet[CustomerWeek]] | None:
    refresh = last_refresh(ctx.as_of)
    if refresh is None:
        return None
    weeks = CustomerWeek.objects.filter(
        refresh=refresh, week=refresh.week_start, customer__in=ctx.customers
    )
    return refresh, weeks


def poor_call_quality(ctx: Context) -> list[Finding] | None:
    """poor_pct > X with at least 50 calls in the last refreshed week (100·poor > X·calls)."""
    found = _calling_week(ctx)
    if found is None:
        return None
    refresh, weeks = found
    x = ctx.threshold or 0
    rows = (
        weeks.filter(calls__gte=MIN_CALLS)
        .alias(poor_x100=F("poor_calls") * Value(100), limit=F("calls") * Value(x))
        .filter(poor_x100__gt=F("limit"))
        .order_by()
        .values_list("customer_id", "calls", "poor_calls")
    )
    week = _iso(refresh.week_start)
    return [
        Finding(
            customer_id,
            None,
            {"week": week, "calls": calls, "poor_calls": poor, "poor_pct": pct(poor, calls)},
        )
        for customer_id, calls, poor in rows
    ]


def queue_abandonment(ctx: Context) -> list[Finding] | None:
    """abandoned_pct > X with at least 20 queue calls in the last refreshed week."""
    found = _calling_week(ctx)
    if found is None:
        return None
    refresh, weeks = found
    x = ctx.threshold or 0
    rows = (
        weeks.filter(queue_calls__gte=MIN_QUEUE_CALLS)
        .alias(
            abandoned_x100=F("queue_abandoned") * Value(100),
            limit=F("queue_calls") * Value(x),
        )
        .filter(abandoned_x100__gt=F("limit"))
        .order_by()
        .values_list("customer_id", "queue_calls", "queue_abandoned")
    )
    week = _iso(refresh.week_start)
    return [
        Finding(
            customer_id,
            None,
            {
                "week": week,
                "queue_calls": calls,
                "abandoned": abandoned,
                "abandoned_pct": pct(abandoned, calls),
            },
        )
        for customer_id, calls, abandoned in rows
    ]


FINDERS: dict[str, Callable[[Context], list[Finding] | None]] = {
    RuleKind.TRIAL_EXPIRING: trial_expiring,
    RuleKind.SUBSCRIPTION_EXPIRING: subscription_expiring,
    RuleKind.LICENSE_OVERAGE: license_overage,
    RuleKind.SUSPENDED: suspended,
    RuleKind.NO_RECENT_ACTIVITY: no_recent_activity,
    RuleKind.SETUP_PENDING: setup_pending,
    RuleKind.LOW_ASSIGNMENT: low_assignment,
    RuleKind.POOR_CALL_QUALITY: poor_call_quality,
    RuleKind.QUEUE_ABANDONMENT: queue_abandonment,
}
assert set(FINDERS) == set(RuleKind.values)


def findings(kind: str, ctx: Context) -> list[Finding] | None:
    """Every subject of `kind` whose condition holds (None: the figures are not there yet)."""
    return FINDERS[kind](ctx)
