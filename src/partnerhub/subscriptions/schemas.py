"""Bodies of the orders and set-up API (docs/reference/api.md#orders-and-set-up)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class LineIn(Schema):
    """Licenses of one product."""

    product: str
    licenses: int


class LineOut(Schema):
    product: str
    licenses: int


class OrderIn(Schema):
    """An order: a dataset `order` line plus customer, subscription, term and auto-renew."""

    id: str | None = None
    subscription: str | None = None
    subscription_id: str | None = None
    customer_id: str | None = None
    date: dt.date | None = None
    action: str
    lines: list[LineIn] | None = None
    amount: Decimal | None = None
    currency: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    auto_renew: bool | None = None


class SubscriptionOut(Schema):
    """A subscription with its state, term and lines."""

    id: str
    customer_id: str
    start: dt.date
    end: dt.date
    state: str
    auto_renew: bool
    lines: list[LineOut]


class OrderOut(Schema):
    """The order placed, the subscription it created or changed, and the trial it converted."""

    id: str
    subscription_id: str
    customer_id: str
    date: dt.date
    action: str
    lines: list[LineOut]
    amount: Decimal | None
    currency: str
    converted_trial_id: str | None
    subscription: SubscriptionOut


class SetupIn(Schema):
    """What the set-up wizard confirms; each defaults to the value on record."""

    organization_name: str | None = None
    admin_email: str | None = None
    start: dt.date | None = None
