"""factory_boy factories for every model the tests build data with."""

from __future__ import annotations

import datetime as dt

import factory

from partnerhub.accounts.models import Partner, User
from partnerhub.activity.models import Call, CallQueue, Meeting, MeetingParticipant, UsageDay
from partnerhub.core.choices import Role
from partnerhub.customers.models import (
    Customer,
    CustomerAdminLogin,
    CustomerManager,
    CustomerUser,
    ExternalAdmin,
)
from partnerhub.subscriptions.models import Assignment, Item, ItemLine

D = dt.date(2026, 11, 26)  # the as-of date most tests pin (PARTNERHUB_TODAY)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    ext_id = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"Partner {n}")
    country = "PL"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@partner.example")
    name = factory.Sequence(lambda n: f"Person {n}")
    partner = factory.SubFactory(PartnerFactory)
    role = Role.PARTNER_FULL_ADMIN
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    ext_id = factory.Sequence(lambda n: f"C{n:05d}")
    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Customer {n:05d}")
    created = dt.date(2025, 1, 1)
    country = "PL"


class CustomerManagerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerManager

    customer = factory.SubFactory(CustomerFactory)
    user = factory.SubFactory(UserFactory)


class ExternalAdminFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalAdmin

    customer = factory.SubFactory(CustomerFactory)
    user = factory.SubFactory(UserFactory)


class AdminLoginFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerAdminLogin

    customer = factory.SubFactory(CustomerFactory)
    at = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


class CustomerUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerUser

    ext_id = factory.Sequence(lambda n: f"U{n:07d}")
    customer = factory.SubFactory(CustomerFactory)
    email = factory.Sequence(lambda n: f"user{n}@customer.example")
    name = factory.Sequence(lambda n: f"User {n}")


class ItemFactory(factory.django.DjangoModelFactory):
    """A subscription by default; `is_trial=True` for a trial. `lines={"calling": 10}`."""

    class Meta:
        model = Item
        skip_postgeneration_save = True

    ext_id = factory.Sequence(lambda n: f"Sub-{100000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    is_trial = False
    start = dt.date(2026, 1, 1)
    end = dt.date(2027, 1, 1)
    auto_renew = False
    state = "active"

    @factory.post_generation
    def lines(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            ItemLine.objects.bulk_create(
                ItemLine(item=obj, product=p, licenses=n) for p, n in extracted.items()
            )


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    user = factory.SubFactory(CustomerUserFactory)
    item = factory.SubFactory(ItemFactory)
    product = "calling"
    from_date = dt.date(2026, 1, 1)
    to_date = None


class CallQueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallQueue

    ext_id = factory.Sequence(lambda n: f"Q{n}")
    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Queue {n}")


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    ext_id = factory.Sequence(lambda n: f"K{n}")
    customer = factory.SubFactory(CustomerFactory)
    user = factory.SubFactory(CustomerUserFactory)
    start = dt.datetime(2026, 11, 17, 9, tzinfo=dt.UTC)
    week = factory.LazyAttribute(
        lambda o: o.start.date() - dt.timedelta(days=(o.start.date().weekday() + 1) % 7)
    )
    duration_s = 60
    endpoint = "ip_phone"
    call_type = "webex_calling"
    direction = "outbound"
    features = 0


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    ext_id = factory.Sequence(lambda n: f"M{n}")
    customer = factory.SubFactory(CustomerFactory)
    host = factory.SubFactory(CustomerUserFactory)
    start = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
    duration_s = 1800


class MeetingParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingParticipant

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(CustomerUserFactory)


class UsageDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageDay

    user = factory.SubFactory(CustomerUserFactory)
    product = "calling"
    day = D
