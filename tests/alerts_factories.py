"""Test data for alerts: calling weeks without calls, evaluation and reading helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from partnerhub.alerts.models import Alert, AlertRule
from partnerhub.alerts.services import EvaluationResult, alerts_evaluate, rules_for
from partnerhub.calling.models import CustomerWeek, Refresh
from tests.factories import (
    AdminLoginFactory,
    AssignmentFactory,
    CustomerFactory,
    CustomerUserFactory,
    ItemFactory,
)

D = dt.date(2026, 11, 26)  # the pinned as-of date (a Thursday)
W0 = dt.date(2026, 11, 15)  # the Sunday starting the last completed week as of D


def active_customer(partner: Any, name: str = "", **fields: Any) -> Any:
    """A customer whose administrator signed in recently (so: no `no_recent_activity`)."""
    customer = CustomerFactory(partner=partner, **({"name": name} if name else {}), **fields)
    AdminLoginFactory(customer=customer, at=dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    return customer


def trial(
    customer: Any, *, end: dt.date, start: dt.date = dt.date(2026, 11, 1), **fields: Any
) -> Any:
    return ItemFactory(
        customer=customer,
        is_trial=True,
        start=start,
        end=end,
        ext_id=fields.pop("ext_id", None) or f"Trial-{customer.ext_id}-{end:%m%d}",
        **fields,
    )


def assign(item: Any, n: int, product: str = "calling") -> None:
    """`n` active assignments of `product` on `item`, to new users of its customer."""
    for _ in range(n):
        AssignmentFactory(
            user=CustomerUserFactory(customer=item.customer), item=item, product=product
        )


def calling_week(
    customer: Any,
    *,
    calls: int = 0,
    poor: int = 0,
    queue_calls: int = 0,
    abandoned: int = 0,
    week: dt.date = W0,
) -> CustomerWeek:
    """One customer's rollup row in the current refresh of `week` (created if missing)."""
    refresh = Refresh.objects.filter(week_start=week, is_current=True).first()
    if refresh is None:
        refresh = Refresh.objects.create(
            as_of=week + dt.timedelta(days=11),
            week_start=week,
            refreshed_at=timezone.now(),
            status="done",
            is_current=True,
        )
    return CustomerWeek.objects.create(
        refresh=refresh,
        week=week,
        customer=customer,
        calls=calls,
        poor_calls=poor,
        queue_calls=queue_calls,
        queue_abandoned=abandoned,
        queues=1 if queue_calls else 0,
    )


def evaluate(as_of: dt.date = D, partner: Any = None) -> EvaluationResult:
    return alerts_evaluate(as_of=as_of, partner_ids=[partner.pk] if partner else None)


def unresolved(partner: Any, kind: str | None = None) -> list[Alert]:
    qs = Alert.objects.filter(partner=partner).exclude(state="resolved")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.select_related("customer", "item").order_by("customer__name", "id"))


def subjects(partner: Any, kind: str) -> set[str]:
    """The customers (and items) with an unresolved alert of `kind`: 'C1' or 'C1/Sub-1'."""
    return {
        a.customer.name + (f"/{a.item.ext_id}" if a.item else "") for a in unresolved(partner, kind)
    }


def rule(partner: Any, kind: str, **fields: Any) -> AlertRule:
    """The partner's rule of `kind`, changed by `fields` (saved)."""
    found = rules_for(partner.pk)[kind]
    for name, value in fields.items():
        setattr(found, name, value)
    found.save()
    return found
