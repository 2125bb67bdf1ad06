"""Extra factories and helpers for the customers, tags and people tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from partnerhub.customers.models import CustomerAdminLogin
from partnerhub.subscriptions.models import Invoice, Order
from partnerhub.tags.models import CustomerTag, Tag
from tests.factories import AssignmentFactory, CustomerUserFactory

D = dt.date(2026, 11, 26)


def day(offset: int) -> dt.date:
    """D + offset days."""
    return D + dt.timedelta(days=offset)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag{n}")


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    ext_id = factory.Sequence(lambda n: f"INV-{n:05d}")
    date = dt.date(2026, 1, 5)
    amount = "1200.00"
    currency = "EUR"
    status = "paid"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    ext_id = factory.Sequence(lambda n: f"ORD-{n:05d}")
    date = dt.date(2026, 1, 1)
    action = "new"
    lines = factory.LazyFunction(lambda: [{"product": "calling", "licenses": 10}])
    amount = "1200.00"
    currency = "EUR"


def tag(customer: Any, name: str, partner: Any = None) -> Tag:
    """Put a tag of `partner` (default: the customer's) on `customer`."""
    partner = partner or customer.partner
    tag_obj = Tag.objects.filter(partner=partner, name__iexact=name).first() or Tag.objects.create(
        partner=partner, name=name
    )
    CustomerTag.objects.get_or_create(customer=customer, tag=tag_obj)
    return tag_obj


def login_at(customer: Any, when: dt.datetime) -> CustomerAdminLogin:
    """One sign-in of the customer's own administrators."""
    return CustomerAdminLogin.objects.create(customer=customer, at=when)


def login_on(customer: Any, offset: int, hour: int = 12, minute: int = 0) -> CustomerAdminLogin:
    """A sign-in on D + offset at hour:minute UTC."""
    return login_at(
        customer, dt.datetime.combine(day(offset), dt.time(hour, minute), tzinfo=dt.UTC)
    )


def assign(
    item: Any,
    n: int,
    product: str = "calling",
    from_date: dt.date = dt.date(2026, 1, 1),
    to_date: dt.date | None = None,
) -> None:
    """`n` assignments of `product` on `item` to fresh users of its customer."""
    for _ in range(n):
        AssignmentFactory(
            item=item,
            user=CustomerUserFactory(customer=item.customer),
            product=product,
            from_date=from_date,
            to_date=to_date,
        )
