"""Customer statuses (docs/reference/rules.md#customer-statuses), computed by the database.

- `status_conditions`: one boolean SQL condition per status (`EXISTS`, correlated on the
  customer); the status filter uses them, so the database evaluates only the statuses asked for.
- `status_mask_expression`: all statuses of a customer packed into one integer whose most
  significant bit is the most urgent status, so ORDER BY mask DESC lists the most urgent customers
  first. It is one column of the page query (or of one query for the page's rows).

Both follow the same rules; the tests check every boundary through each of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils.translation import gettext_lazy as _

from partnerhub.customers.models import CustomerAdminLogin
from partnerhub.subscriptions.models import Assignment, Item, ItemLine
from partnerhub.subscriptions.selectors import active_assignment_q, in_force_q, scheduled_q


class Status(models.TextChoices):
    """The statuses a customer can hold, most urgent first (the definition order matters)."""

    SUSPENDED = "suspended", _("Suspended")
    LICENSE_OVERAGE = "license_overage", _("License overage")
    EXPIRING_SOON = "expiring_soon", _("Expiring soon")
    READY_TO_SET_UP = "ready_to_set_up", _("Ready to set up order")
    NO_RECENT_ACTIVITY = "no_recent_activity", _("No recent activity")
    TRIAL = "trial", _("Trial")
    SUBSCRIPTION = "subscription", _("Subscription")
    EXPIRED = "expired", _("Expired")


STATUS_ORDER: tuple[str, ...] = tuple(s.value for s in Status)
# Most urgent = most significant bit, so ORDER BY mask DESC is "most urgent first".
STATUS_BITS: dict[str, int] = {
    code: 1 << (len(STATUS_ORDER) - 1 - i) for i, code in enumerate(STATUS_ORDER)
}
STATUS_COLOURS: dict[str, str] = {
    Status.SUSPENDED: "red",
    Status.LICENSE_OVERAGE: "orange",
    Status.EXPIRING_SOON: "yellow",
    Status.READY_TO_SET_UP: "purple",
    Status.NO_RECENT_ACTIVITY: "secondary",
    Status.TRIAL: "cyan",
    Status.SUBSCRIPTION: "green",
    Status.EXPIRED: "dark",
}


def expiring_soon_days() -> int:
    """The window of "expiring soon" (setting EXPIRING_SOON_DAYS, default 30)."""
    return int(getattr(settings, "EXPIRING_SOON_DAYS", 30))


def no_recent_activity_days() -> int:
    """The window of sign-ins that keeps a customer active (setting NO_RECENT_ACTIVITY_DAYS)."""
    return int(getattr(settings, "NO_RECENT_ACTIVITY_DAYS", 30))


def activity_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the days D−(N−1) … D that count as recent sign-ins."""
    first = day - dt.timedelta(days=no_recent_activity_days() - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return start, end


def inactivity_cutoff(day: dt.date) -> dt.date:
    """The latest creation date of a customer that can be without recent activity: a customer
    added after D−N is younger than the window, so not inactive (docs/reference/rules.md)."""
    return day - dt.timedelta(days=no_recent_activity_days())


def expiring_q(day: dt.date, prefix: str = "") -> Q:
    """Q for items (already in force) that count as expiring soon: a trial, or a subscription
    without auto-renew, ending within EXPIRING_SOON_DAYS."""
    p = prefix
    return Q(
        **{f"{p}end__gte": day, f"{p}end__lte": day + dt.timedelta(days=expiring_soon_days())}
    ) & (Q(**{f"{p}is_trial": True}) | Q(**{f"{p}auto_renew": False}))


def _overage_exists(day: dt.date, customer_ref: str) -> Exists:
    # Group the active assignments of the customer's in-force items by (item, product) and compare
    # each count with that line's licenses: one pass over each item's assignments, not one per line.
    licenses = ItemLine.objects.filter(
        item_id=OuterRef("item_id"), product=OuterRef("product")
    ).values("licenses")[:1]
    overage_lines = (
        Assignment.objects.filter(item__customer_id=OuterRef(customer_ref))
        .filter(in_force_q(day, "item__"))
        .filter(active_assignment_q(day))
        .order_by()
        .values("item_id", "product")
        .annotate(assigned_now=Count("id"))
        .filter(assigned_now__gt=Subquery(licenses))
    )
    return Exists(overage_lines)


def status_condition(day: dt.date, code: str, customer_ref: str = "pk") -> Any:
    """The boolean SQL expression of one status, correlated on the outer customer, as of `day`."""
    items = Item.objects.filter(customer_id=OuterRef(customer_ref))
    in_force = items.filter(in_force_q(day))
    if code == Status.SUSPENDED:
        return Exists(items.filter(is_trial=False, state="suspended", end__gte=day))
    if code == Status.LICENSE_OVERAGE:
        return _overage_exists(day, customer_ref)
    if code == Status.EXPIRING_SOON:
        return Exists(in_force.filter(expiring_q(day)))
    if code == Status.READY_TO_SET_UP:
        return Exists(items.filter(is_trial=False, state="provisioning"))
    if code == Status.NO_RECENT_ACTIVITY:
        start, end = activity_window(day)
        logins = CustomerAdminLogin.objects.filter(
            customer_id=OuterRef(customer_ref), at__gte=start, at__lt=end
        )
        # The outer query is of customers: one added inside the window is not inactive yet.
        return Q(created__lte=inactivity_cutoff(day)) & ~Exists(logins)
    if code == Status.TRIAL:
        return Exists(in_force.filter(is_trial=True))
    if code == Status.SUBSCRIPTION:
        return Exists(in_force.filter(is_trial=False))
    if code == Status.EXPIRED:
        alive = in_force_q(day) | Q(is_trial=False, state="provisioning") | scheduled_q(day)
        return ~Exists(items.filter(alive))
    raise ValueError(f"unknown status {code!r}")


def status_conditions(day: dt.date, customer_ref: str = "pk") -> dict[str, Any]:
    """One boolean SQL expression per status, correlated on the outer customer, as of `day`."""
    return {code: status_condition(day, code, customer_ref) for code in STATUS_ORDER}


def _item_status_q(day: dt.date) -> dict[str, Q]:
    """Row conditions on one item for the statuses that depend only on the customer's items."""
    in_force = in_force_q(day)
    ready = Q(is_trial=False, state="provisioning")
    return {
        Status.SUSPENDED: Q(is_trial=False, state="suspended", end__gte=day),
        Status.EXPIRING_SOON: in_force & expiring_q(day),
        Status.READY_TO_SET_UP: ready,
        Status.TRIAL: in_force & Q(is_trial=True),
        Status.SUBSCRIPTION: in_force & Q(is_trial=False),
    }


def status_mask_expression(day: dt.date) -> Any:
    """The integer mask of a customer's statuses (see STATUS_BITS), computed by the database.

    The six statuses that depend only on the items come from one aggregate over the customer's
    items (one index scan per customer instead of six EXISTS); overage and sign-ins are EXISTS.
    """
    conditions = _item_status_q(day)
    alive = in_force_q(day) | conditions[Status.READY_TO_SET_UP] | scheduled_q(day)
    # expired = no item in force, no provisioning subscription and no scheduled item:
    # 1 − max(alive).
    bits: Any = Value(STATUS_BITS[Status.EXPIRED]) - Max(
        Case(When(alive, then=Value(STATUS_BITS[Status.EXPIRED])), default=Value(0))
    )
    for code, condition in conditions.items():
        bits = bits + Max(Case(When(condition, then=Value(STATUS_BITS[code])), default=Value(0)))
    per_item = (
        Item.objects.filter(customer_id=OuterRef("pk"))
        .order_by()
        .values("customer_id")
        .annotate(bits=bits)
        .values("bits")
    )
    # A customer without any item is simply expired.
    items = Coalesce(
        Subquery(per_item, output_field=IntegerField()), Value(STATUS_BITS[Status.EXPIRED])
    )
    overage = Case(
        When(_overage_exists(day, "pk"), then=Value(STATUS_BITS[Status.LICENSE_OVERAGE])),
        default=Value(0),
    )
    # A scalar subquery, not NOT EXISTS: PostgreSQL may turn EXISTS into a hash of every recent
    # sign-in (a scan of the whole table) when it overestimates the rows; this stays one index
    # probe per customer whose mask is computed.
    start, end = activity_window(day)
    one_sign_in = CustomerAdminLogin.objects.filter(
        customer_id=OuterRef("pk"), at__gte=start, at__lt=end
    ).values("pk")[:1]
    quiet = Case(
        When(
            created__lte=inactivity_cutoff(day),
            then=Case(
                When(
                    IsNull(Subquery(one_sign_in), True),
                    then=Value(STATUS_BITS[Status.NO_RECENT_ACTIVITY]),
                ),
                default=Value(0),
            ),
        ),
        default=Value(0),
    )
    total = items + overage + quiet
    return models.ExpressionWrapper(total, output_field=IntegerField())


# Cheapest first: OR stops at the first status that holds, and overage counts assignments.
_FILTER_COST_ORDER = (
    Status.SUSPENDED,
    Status.READY_TO_SET_UP,
    Status.EXPIRING_SOON,
    Status.TRIAL,
    Status.SUBSCRIPTION,
    Status.EXPIRED,
    Status.NO_RECENT_ACTIVITY,
    Status.LICENSE_OVERAGE,
)


def any_status_q(day: dt.date, codes: list[str]) -> Q:
    """Q for customers holding any of the statuses `codes` (the DB evaluates only those)."""
    q = Q()
    for code in sorted(codes, key=_FILTER_COST_ORDER.index):
        q |= Q(status_condition(day, code))
    return q


def statuses_from_mask(mask: int | None) -> list[str]:
    """Status codes held in `mask`, most urgent first."""
    mask = mask or 0
    return [code for code in STATUS_ORDER if mask & STATUS_BITS[code]]
