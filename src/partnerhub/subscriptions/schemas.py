"""Bodies of the orders and set-up API (docs/reference/api.md#orders-and-set-up)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema

from partnerhub.core.choices import Product
from partnerhub.subscriptions.models import Item, Order


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


# --- the answer bodies, as the API answers them and as events carry them --------------------
# (docs/reference/events.md#events)


def _lines_body(item: Item) -> list[dict[str, Any]]:
    order = {p: i for i, p in enumerate(Product.values)}
    lines = [dict(row) for row in item.lines.values("product", "licenses")]
    return sorted(lines, key=lambda r: order[r["product"]])


def trial_body(trial: Item) -> dict[str, Any]:
    """A trial as every trial endpoint answers it (TrialOut) and its events carry it."""
    return {
        "id": trial.ext_id,
        "customer_id": trial.customer.ext_id,
        "start": trial.start,
        "end": trial.end,
        "state": trial.state,
        "lines": _lines_body(trial),
    }


def subscription_body(item: Item) -> dict[str, Any]:
    """A subscription as the API answers it (SubscriptionOut) and its events carry it."""
    return {
        "id": item.ext_id,
        "customer_id": item.customer.ext_id,
        "start": item.start,
        "end": item.end,
        "state": item.state,
        "auto_renew": item.auto_renew,
        "lines": _lines_body(item),
    }


def order_body(order: Order, subscription: Item, converted_trial: Item | None) -> dict[str, Any]:
    """An order as `POST /orders` answers it (OrderOut) and `order.placed` carries it."""
    return {
        "id": order.ext_id,
        "subscription_id": subscription.ext_id,
        "customer_id": subscription.customer.ext_id,
        "date": order.date,
        "action": order.action,
        "lines": order.lines,
        "amount": order.amount,
        "currency": order.currency,
        "converted_trial_id": converted_trial.ext_id if converted_trial else None,
        "subscription": subscription_body(subscription),
    }
