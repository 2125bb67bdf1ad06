"""API shapes of customers (api.md: GET /customers, GET /customers/{id}, partner admins)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema


class CustomerOut(Schema):
    id: str
    name: str
    statuses: list[str]
    products: list[str]
    tags: list[str]
    managed_by: str
    created: dt.date


class CustomerPageOut(Schema):
    count: int
    items: list[CustomerOut]


class LineOut(Schema):
    product: str
    licenses: int
    assigned: int
    used: int
    available: int


class OrderOut(Schema):
    id: str
    date: dt.date
    action: str
    lines: list[Any]
    amount: Decimal | None
    currency: str


class InvoiceOut(Schema):
    id: str
    date: dt.date
    amount: Decimal
    currency: str
    status: str


class SubscriptionOut(Schema):
    id: str
    state: str
    start: dt.date
    end: dt.date
    auto_renew: bool
    renewal_date: dt.date | None
    lines: list[LineOut]
    orders: list[OrderOut]
    invoices: list[InvoiceOut]


class TrialOut(Schema):
    id: str
    state: str
    start: dt.date
    end: dt.date
    days_left: int | None
    lines: list[LineOut]


class PartnerAdminOut(Schema):
    email: str
    name: str
    role: str


class PartnerAdminIn(Schema):
    email: str


class CustomerDetailOut(CustomerOut):
    country: str
    status_reasons: dict[str, list[str]]
    subscriptions: list[SubscriptionOut]
    trials: list[TrialOut]
    partner_admins: list[PartnerAdminOut]
