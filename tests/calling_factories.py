"""Test data for calling analytics: customers with calling items, calls at exact moments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from partnerhub.activity.models import Call, features_to_mask
from partnerhub.calling.selectors import calling_analytics
from partnerhub.calling.services import refresh_analytics
from tests.factories import (
    AssignmentFactory,
    CallFactory,
    CallQueueFactory,
    CustomerFactory,
    CustomerUserFactory,
    ItemFactory,
)

D = dt.date(2026, 11, 26)  # Thursday; the pinned as-of date
W0 = dt.date(2026, 11, 15)  # Sunday starting the last completed week (… Saturday 2026-11-21)
W1 = dt.date(2026, 11, 8)
W7 = dt.date(2026, 9, 27)
SATURDAY = dt.date(2026, 11, 21)
WEEKS = [W0 - dt.timedelta(days=7 * k) for k in range(7, -1, -1)]


def at(day: dt.date, hour: int = 9, minute: int = 0, second: int = 0) -> dt.datetime:
    """A UTC moment on `day`."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=dt.UTC)


def in_w0(days: int = 2, hour: int = 9) -> dt.datetime:
    """A moment inside W0 (default: Tuesday 09:00)."""
    return at(W0 + dt.timedelta(days=days), hour)


def calling_customer(
    partner: Any,
    name: str,
    *,
    licenses: int = 10,
    start: dt.date = dt.date(2026, 1, 1),
    end: dt.date = dt.date(2027, 1, 1),
    state: str = "active",
    is_trial: bool = False,
    queues: int = 0,
    lines: dict[str, int] | None = None,
) -> Any:
    """A customer of `partner` with one item carrying `lines` (default: calling × licenses)."""
    customer = CustomerFactory(partner=partner, name=name)
    ItemFactory(
        customer=customer,
        start=start,
        end=end,
        state=state,
        is_trial=is_trial,
        lines=lines if lines is not None else {"calling": licenses},
    )
    for _ in range(queues):
        CallQueueFactory(customer=customer)
    return customer


def licensed_user(customer: Any, **assignment: Any) -> Any:
    """A user of `customer` holding a calling license on its first item."""
    user = CustomerUserFactory(customer=customer)
    AssignmentFactory(user=user, item=customer.items.first(), product="calling", **assignment)
    return user


def make_calls(
    customer: Any,
    n: int = 1,
    *,
    user: Any = None,
    start: dt.datetime | None = None,
    features: list[str] | None = None,
    **fields: Any,
) -> Any:
    """`n` calls of `customer` (by `user`, or a new user of it) starting at `start`."""
    user = user or CustomerUserFactory(customer=customer)
    mask = features_to_mask(features or [])
    Call.objects.bulk_create(
        CallFactory.build_batch(
            n, customer=customer, user=user, start=start or in_w0(), features=mask, **fields
        )
    )
    return user


def figures(user: Any, *, week: dt.date | None = None, as_of: dt.date = D) -> dict[str, Any]:
    """The calling analytics `user` sees (after a refresh)."""
    data = calling_analytics(user=user, as_of=as_of, week=week)
    assert data is not None, "not refreshed"
    return data


def refreshed(user: Any, *, week: dt.date | None = None, as_of: dt.date = D) -> dict[str, Any]:
    """Refresh as of `as_of`, then the figures `user` sees."""
    refresh_analytics(as_of=as_of)
    return figures(user, week=week, as_of=as_of)


def row(rows: list[dict[str, Any]], customer: Any) -> dict[str, Any]:
    """The row of `customer` in a table of the answer."""
    matches = [r for r in rows if r["customer_id"] == customer.ext_id]
    assert len(matches) == 1, f"{customer} has {len(matches)} rows"
    return matches[0]
