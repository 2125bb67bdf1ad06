"""Small builders for subscriptions analytics scenarios: items, assignments, daily usage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from partnerhub.customers.models import Customer, CustomerUser
from partnerhub.subscriptions.models import Item
from tests.factories import (
    AssignmentFactory,
    CustomerFactory,
    CustomerUserFactory,
    ItemFactory,
    UsageDayFactory,
)

D = dt.date(2026, 11, 26)  # the pinned as-of date (a Thursday)


def days(n: int) -> dt.date:
    """D + n days (n may be negative)."""
    return D + dt.timedelta(days=n)


def customer(partner: Any, name: str, **fields: Any) -> Customer:
    """A customer of `partner` called `name`."""
    return CustomerFactory(partner=partner, name=name, **fields)


def item(
    owner: Customer,
    lines: dict[str, int],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    **fields: Any,
) -> Item:
    """A subscription (or `is_trial=True`) of `owner`, by default added 200 days ago and ending
    in 200 days, with `lines` such as {"calling": 10}."""
    return ItemFactory(
        customer=owner,
        start=start or days(-200),
        end=end or days(200),
        lines=lines,
        **fields,
    )


def assign(
    on: Item,
    product: str = "calling",
    n: int = 1,
    *,
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
) -> list[CustomerUser]:
    """`n` new users of the item's customer, each with a license of `product` on the item."""
    users = []
    for _ in range(n):
        user = CustomerUserFactory(customer=on.customer)
        AssignmentFactory(
            user=user,
            item=on,
            product=product,
            from_date=from_date or days(-300),
            to_date=to_date,
        )
        users.append(user)
    return users


def use(users: list[CustomerUser] | CustomerUser, product: str, *on: dt.date) -> None:
    """Usage rows (what the loader derives from calls and meetings) for each user and day."""
    for user in users if isinstance(users, list) else [users]:
        for day in on:
            UsageDayFactory(user=user, product=product, day=day)
