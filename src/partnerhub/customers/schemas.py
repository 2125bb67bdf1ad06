"""API shapes of customers (docs/reference/api.md#customers)."""

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
    # A scheduled item's start (no status yet; docs/reference/rules.md#scheduled-items), else null.
    starts: dt.date | None = None


class CustomerPageOut(Schema):
    count: int
    items: list[CustomerOut]


class CustomerLineOut(Schema):
    """A license line with its use; `Customer…` keeps OpenAPI component names unique."""

    product: str
    licenses: int
    assigned: int
    used: int
    available: int


class CustomerOrderOut(Schema):
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


class CustomerSubscriptionOut(Schema):
    id: str
    state: str
    start: dt.date
    end: dt.date
    auto_renew: bool
    renewal_date: dt.date | None
    lines: list[CustomerLineOut]
    orders: list[CustomerOrderOut]
    invoices: list[InvoiceOut]


class CustomerTrialOut(Schema):
    id: str
    state: str
    start: dt.date
    end: dt.date
    days_left: int | None
    lines: list[CustomerLineOut]


class PartnerAdminOut(Schema):
    email: str
    name: str
    role: str


class PartnerAdminIn(Schema):
    email: str


class CustomerDetailOut(CustomerOut):
    country: str
    status_reasons: dict[str, list[str]]
    subscriptions: list[CustomerSubscriptionOut]
    trials: list[CustomerTrialOut]
    partner_admins: list[PartnerAdminOut]
    # Keys answered empty because the caller is an external administrator of the customer
    # (the managing partner's orders, invoices and staff); empty for the managing partner.
    withheld: list[str] = []


def customer_body(customer: Any) -> dict[str, Any]:
    """A customer decorated like a list row (customers.selectors), as `GET /customers` answers
    it (CustomerOut) and `customer.created` carries it."""
    return {
        "id": customer.ext_id,
        "name": customer.name,
        "statuses": customer.status_codes,
        "starts": customer.starts_on,
        "products": customer.products,
        "tags": customer.tag_names,
        "managed_by": customer.managed_by,
        "created": customer.created,
    }
