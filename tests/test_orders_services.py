"""Orders and set-up (docs/reference/rules.md#orders-and-set-up; #trials: conversion)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from partnerhub.core.models import AuditEvent
from partnerhub.subscriptions.models import Assignment, Item, Order
from partnerhub.subscriptions.order_services import (
    OrderDetails,
    order_cancel,
    order_change,
    order_new,
    order_renew,
)
from partnerhub.subscriptions.selectors import assigned_subquery
from partnerhub.subscriptions.services import subscription_setup
from tests.factories import AssignmentFactory, CustomerFactory, CustomerUserFactory, D, ItemFactory


@pytest.fixture
def customer(partner):
    return CustomerFactory(partner=partner, name="Contoso", admin_email="it@contoso.example")


def _new(actor, customer_, **kwargs):
    fields = {
        "customer": customer_,
        "subscription_id": "Sub-200001",
        "id": "O-1",
        "lines": [{"product": "calling", "licenses": 40}],
        "start": dt.date(2026, 12, 1),
        "end": dt.date(2027, 11, 30),
        "auto_renew": True,
        "amount": "4800.00",
        "currency": "eur",
    }
    fields.update(kwargs)
    details = OrderDetails(
        **{key: fields.pop(key) for key in ("id", "lines", "amount", "currency")}
    )
    return order_new(actor=actor, details=details, **fields)


def _assigned(item, product, day=D):
    from partnerhub.subscriptions.models import ItemLine

    return (
        ItemLine.objects.filter(item=item, product=product)
        .annotate(n=assigned_subquery(day))
        .values_list("n", flat=True)
        .get()
    )


# --- new ---------------------------------------------------------------------------------------


def test_a_new_order_creates_a_provisioning_subscription_with_its_order(full_admin, customer):
    result = _new(full_admin, customer)

    sub = result.subscription
    assert sub.ext_id == "Sub-200001"
    assert sub.state == "provisioning"
    assert (sub.start, sub.end, sub.auto_renew) == (
        dt.date(2026, 12, 1),
        dt.date(2027, 11, 30),
        True,
    )
    assert dict(sub.lines.values_list("product", "licenses")) == {"calling": 40}
    order = Order.objects.get()
    assert (order.ext_id, order.action, order.date) == ("O-1", "new", D)
    assert order.amount == Decimal("4800.00") and order.currency == "EUR"
    assert order.lines == [{"product": "calling", "licenses": 40}]
    assert result.converted_trial is None


def test_ids_are_generated_when_the_order_has_none(full_admin, customer):
    result = _new(full_admin, customer, subscription_id=None, id=None)

    assert result.subscription.ext_id == "Sub-100001"
    assert result.order.ext_id == "Ord-100001"


def test_a_new_order_is_audited(full_admin, customer):
    _new(full_admin, customer)

    event = AuditEvent.objects.get(action="order.new")
    assert event.before is None
    assert event.after["state"] == "provisioning"
    assert event.after["order_id"] == "O-1"
    assert event.customer == customer


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer": None}, "customer_id"),
        ({"end": None}, "end"),
        ({"end": dt.date(2026, 11, 30)}, "end"),
        ({"lines": []}, "lines"),
        ({"lines": [{"product": "calling", "licenses": -1}]}, "lines"),
        ({"lines": [{"product": "fax", "licenses": 1}]}, "lines"),
        ({"amount": "ten"}, "amount"),
        ({"currency": "EURO"}, "currency"),
    ],
)
def test_bad_orders_name_the_field_and_write_nothing(full_admin, customer, changes, field):
    with pytest.raises(ValidationError) as exc:
        _new(full_admin, customer, **changes)

    assert field in exc.value.message_dict
    assert (
        not Item.objects.exists() and not Order.objects.exists() and not AuditEvent.objects.exists()
    )


def test_an_existing_subscription_id_is_refused_for_a_new_order(full_admin, customer):
    ItemFactory(customer=customer, ext_id="Sub-200001")

    with pytest.raises(ValidationError) as exc:
        _new(full_admin, customer)

    assert "subscription_id" in exc.value.message_dict


def test_an_order_id_cannot_be_placed_twice(full_admin, customer):
    _new(full_admin, customer)

    with pytest.raises(ValidationError) as exc:
        _new(full_admin, customer, subscription_id="Sub-200002")

    assert "id" in exc.value.message_dict
    assert Item.objects.count() == 1


# --- change, renewal, cancel ----------------------------------------------------------------


@pytest.fixture
def active_sub(customer):
    return ItemFactory(
        customer=customer,
        ext_id="Sub-300001",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        lines={"calling": 10, "meetings": 5},
    )


def test_a_change_updates_the_lines_it_names_and_keeps_the_others(full_admin, active_sub):
    order_change(
        actor=full_admin,
        subscription=active_sub,
        details=OrderDetails(
            lines=[{"product": "calling", "licenses": 25}, {"product": "messaging", "licenses": 3}]
        ),
    )

    lines = dict(active_sub.lines.values_list("product", "licenses"))
    assert lines == {"calling": 25, "meetings": 5, "messaging": 3}
    event = AuditEvent.objects.get(action="order.change")
    assert event.before["lines"] == {"meetings": 5, "calling": 10}
    assert event.after["lines"] == {"meetings": 5, "calling": 25, "messaging": 3}


def test_a_renewal_moves_the_end_a_year_on_by_default(full_admin, active_sub):
    order_renew(actor=full_admin, subscription=active_sub)

    active_sub.refresh_from_db()
    assert active_sub.end == dt.date(2027, 12, 31)
    event = AuditEvent.objects.get(action="order.renewal")
    assert (event.before["end"], event.after["end"]) == ("2026-12-31", "2027-12-31")


def test_a_renewal_to_a_given_end_must_come_after_the_current_end(full_admin, active_sub):
    with pytest.raises(ValidationError) as exc:
        order_renew(actor=full_admin, subscription=active_sub, end=dt.date(2026, 12, 31))

    assert "end" in exc.value.message_dict
    order_renew(actor=full_admin, subscription=active_sub, end=dt.date(2027, 6, 30))
    active_sub.refresh_from_db()
    assert active_sub.end == dt.date(2027, 6, 30)


def test_a_cancellation_cancels_and_a_cancelled_subscription_takes_no_more_orders(
    full_admin, active_sub
):
    order_cancel(actor=full_admin, subscription=active_sub)

    active_sub.refresh_from_db()
    assert active_sub.state == "cancelled"
    with pytest.raises(ValidationError) as exc:
        order_renew(actor=full_admin, subscription=active_sub)
    assert "state" in exc.value.message_dict


def test_a_change_needs_a_subscription_and_not_a_trial(full_admin, customer):
    trial = ItemFactory(customer=customer, is_trial=True, ext_id="Trial-1")

    with pytest.raises(ValidationError) as missing:
        order_change(
            actor=full_admin, subscription=None, details=OrderDetails(lines={"calling": 1})
        )
    with pytest.raises(ValidationError) as on_trial:
        order_change(
            actor=full_admin, subscription=trial, details=OrderDetails(lines={"calling": 1})
        )

    assert "subscription_id" in missing.value.message_dict
    assert "subscription_id" in on_trial.value.message_dict


# --- conversion --------------------------------------------------------------------------------


@pytest.fixture
def trial_with_users(customer):
    trial = ItemFactory(
        customer=customer,
        is_trial=True,
        ext_id="Trial-100001",
        start=D - dt.timedelta(days=20),
        end=D + dt.timedelta(days=10),
        lines={"calling": 5},
    )
    anna = CustomerUserFactory(customer=customer, email="anna@contoso.example")
    jan = CustomerUserFactory(customer=customer, email="jan@contoso.example")
    gone = CustomerUserFactory(customer=customer, email="gone@contoso.example")
    AssignmentFactory(user=anna, item=trial, product="calling", from_date=D - dt.timedelta(days=19))
    AssignmentFactory(user=jan, item=trial, product="calling", from_date=D - dt.timedelta(days=5))
    AssignmentFactory(
        user=gone,
        item=trial,
        product="calling",
        from_date=D - dt.timedelta(days=19),
        to_date=D - dt.timedelta(days=3),
    )
    return trial


def test_an_order_converts_the_trial_in_force_and_moves_its_assignments(
    full_admin, customer, trial_with_users
):
    result = _new(full_admin, customer)

    trial = trial_with_users
    trial.refresh_from_db()
    sub = result.subscription
    assert result.converted_trial == trial
    assert trial.state == "converted"
    assert trial.converted_to == sub
    # The two active assignments moved; the one that had ended stays in the trial's history.
    moved = Assignment.objects.filter(item=sub).order_by("user__email")
    assert [(a.user.email, a.product, a.from_date, a.to_date) for a in moved] == [
        ("anna@contoso.example", "calling", D, None),
        ("jan@contoso.example", "calling", D, None),
    ]
    assert _assigned(sub, "calling") == 2
    assert _assigned(trial, "calling") == 0
    assert _assigned(trial, "calling", D - dt.timedelta(days=1)) == 2  # history kept
    event = AuditEvent.objects.get(action="trial.convert")
    assert event.before["state"] == "active"
    assert event.after["state"] == "converted"
    assert event.after["converted_to"] == "Sub-200001"
    assert event.after["assignments_moved"] == 2


def test_conversion_is_all_or_nothing(full_admin, customer, trial_with_users, monkeypatch):
    from partnerhub.subscriptions import services

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "assignments_move", broken)

    with pytest.raises(RuntimeError):
        _new(full_admin, customer)

    trial_with_users.refresh_from_db()
    assert trial_with_users.state == "active"
    assert not Item.objects.filter(is_trial=False).exists()
    assert not Order.objects.exists()
    assert Assignment.objects.filter(item=trial_with_users, to_date=None).count() == 2


def test_a_cancellation_does_not_convert_the_trial(
    full_admin, customer, trial_with_users, active_sub
):
    order_cancel(actor=full_admin, subscription=active_sub)

    trial_with_users.refresh_from_db()
    assert trial_with_users.state == "active"


def test_an_ended_trial_is_not_converted(full_admin, customer):
    trial = ItemFactory(customer=customer, is_trial=True, ext_id="Trial-9", state="ended", end=D)

    result = _new(full_admin, customer)

    trial.refresh_from_db()
    assert trial.state == "ended" and result.converted_trial is None


# --- set-up ------------------------------------------------------------------------------------


@pytest.fixture
def provisioning(customer):
    return ItemFactory(
        customer=customer,
        ext_id="Sub-400001",
        state="provisioning",
        start=dt.date(2026, 12, 1),
        end=dt.date(2027, 11, 30),
        lines={"meetings": 20},
    )


def test_set_up_makes_a_provisioning_subscription_active(
    full_admin, provisioning, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        subscription_setup(
            actor=full_admin,
            subscription=provisioning,
            organization_name="Contoso Ltd",
            admin_email="Boss@Contoso.example",
            start=dt.date(2026, 11, 28),
        )

    provisioning.refresh_from_db()
    provisioning.customer.refresh_from_db()
    assert provisioning.state == "active"
    assert provisioning.start == dt.date(2026, 11, 28)
    assert provisioning.customer.name == "Contoso Ltd"
    assert provisioning.customer.admin_email == "boss@contoso.example"
    event = AuditEvent.objects.get(action="subscription.setup")
    assert event.before["state"] == "provisioning" and event.after["state"] == "active"
    assert (
        event.before["organization_name"] == "Contoso"
        and event.after["organization_name"] == "Contoso Ltd"
    )
    assert event.before["start"] == "2026-12-01" and event.after["start"] == "2026-11-28"
    assert [m.to for m in mail.outbox] == [["boss@contoso.example"]]


def test_set_up_keeps_the_values_on_record_when_none_are_given(full_admin, provisioning):
    subscription_setup(actor=full_admin, subscription=provisioning)

    provisioning.refresh_from_db()
    assert provisioning.state == "active"
    assert provisioning.start == dt.date(2026, 12, 1)
    assert provisioning.customer.name == "Contoso"


@pytest.mark.parametrize("state", ["active", "suspended", "cancelled"])
def test_only_a_provisioning_subscription_can_be_set_up(full_admin, customer, state):
    sub = ItemFactory(customer=customer, state=state)

    with pytest.raises(ValidationError) as exc:
        subscription_setup(actor=full_admin, subscription=sub)

    assert "state" in exc.value.message_dict
    sub.refresh_from_db()
    assert sub.state == state
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"organization_name": "  "}, "organization_name"),
        ({"admin_email": "nope"}, "admin_email"),
        ({"admin_email": ""}, "admin_email"),
        ({"start": dt.date(2027, 12, 1)}, "start"),
    ],
)
def test_bad_set_up_values_name_the_field_and_change_nothing(
    full_admin, provisioning, fields, field
):
    with pytest.raises(ValidationError) as exc:
        subscription_setup(actor=full_admin, subscription=provisioning, **fields)

    assert field in exc.value.message_dict
    provisioning.refresh_from_db()
    assert provisioning.state == "provisioning"
    assert provisioning.customer.name == "Contoso"
