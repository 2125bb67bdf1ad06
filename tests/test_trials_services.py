"""Trials (docs/reference/rules.md#trials): start, extend, end, one in force, audited, e-mailed."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections

from partnerhub.core.models import AuditEvent
from partnerhub.customers.models import Customer, CustomerManager
from partnerhub.subscriptions.models import Item, ItemLine
from partnerhub.trials.services import trial_end, trial_extend, trial_start
from tests.factories import CustomerFactory, D, ItemFactory

NEW = {"name": "Contoso", "admin_email": "IT@Contoso.example", "country": "pl"}


def _trial_for(customer, **kwargs):
    return ItemFactory(
        customer=customer, is_trial=True, ext_id=kwargs.pop("ext_id", "Trial-500"), **kwargs
    )


@pytest.fixture
def customer(partner):
    return CustomerFactory(partner=partner, name="Fabrikam", admin_email="admin@fabrikam.example")


# --- start ---------------------------------------------------------------------------------


def test_trial_for_a_new_customer_creates_the_customer_and_makes_the_starter_its_manager(people):
    sales = people["sales_admin"]

    trial = trial_start(actor=sales, new_customer=NEW, lines={"calling": 25}, days=60)

    customer = trial.customer
    assert customer.name == "Contoso"
    assert customer.admin_email == "it@contoso.example"
    assert customer.country == "PL"
    assert customer.created == D
    assert customer.partner == sales.partner
    assert customer.ext_id.startswith("C-")
    assert CustomerManager.objects.filter(customer=customer, user=sales).exists()
    assert trial.is_trial and trial.state == "active"
    assert trial.start == D
    assert trial.end == D + dt.timedelta(days=59)  # 60 days, both ends counted
    assert dict(trial.lines.values_list("product", "licenses")) == {"calling": 25}
    assert trial.ext_id.startswith("Trial-")


@pytest.mark.parametrize("days", [30, 60, 90])
def test_trial_lengths_30_60_and_90_days_are_allowed(full_admin, customer, days):
    trial = trial_start(actor=full_admin, customer=customer, lines={"meetings": 5}, days=days)

    assert (trial.end - trial.start).days + 1 == days


def test_default_length_comes_from_the_setting(full_admin, customer, settings):
    settings.TRIAL_DEFAULT_DAYS = 30

    trial = trial_start(actor=full_admin, customer=customer, lines={"meetings": 5})

    assert trial.end == D + dt.timedelta(days=29)


@pytest.mark.parametrize("days", [0, 29, 31, 45, 91, 120])
def test_other_lengths_are_refused_naming_days(full_admin, customer, days):
    with pytest.raises(ValidationError) as exc:
        trial_start(actor=full_admin, customer=customer, lines={"meetings": 5}, days=days)

    assert list(exc.value.message_dict) == ["days"]
    assert not Item.objects.exists()


@pytest.mark.parametrize("licenses", [1, 1000])
def test_1_and_1000_licenses_are_accepted(full_admin, customer, licenses):
    trial = trial_start(actor=full_admin, customer=customer, lines={"calling": licenses}, days=30)

    assert trial.lines.get().licenses == licenses


@pytest.mark.parametrize("licenses", [0, 1001, -5])
def test_0_and_1001_licenses_are_refused_naming_the_lines(full_admin, customer, licenses):
    with pytest.raises(ValidationError) as exc:
        trial_start(actor=full_admin, customer=customer, lines={"calling": licenses}, days=30)

    assert "lines" in exc.value.message_dict
    assert "licenses" in " ".join(exc.value.message_dict["lines"])
    assert not Item.objects.exists() and not ItemLine.objects.exists()


def test_unknown_product_is_refused(full_admin, customer):
    with pytest.raises(ValidationError) as exc:
        trial_start(
            actor=full_admin, customer=customer, lines=[{"product": "fax", "licenses": 5}], days=30
        )

    assert "'fax' is not a product" in " ".join(exc.value.message_dict["lines"])
    assert not Item.objects.exists()


def test_a_trial_needs_at_least_one_product(full_admin, customer):
    with pytest.raises(ValidationError) as exc:
        trial_start(actor=full_admin, customer=customer, lines=[], days=30)

    assert "lines" in exc.value.message_dict


def test_a_product_listed_twice_is_refused(full_admin, customer):
    lines = [{"product": "calling", "licenses": 5}, {"product": "calling", "licenses": 6}]

    with pytest.raises(ValidationError) as exc:
        trial_start(actor=full_admin, customer=customer, lines=lines, days=30)

    assert "more than once" in " ".join(exc.value.message_dict["lines"])


def test_bad_new_customer_fields_are_each_named_and_nothing_is_written(full_admin):
    with pytest.raises(ValidationError) as exc:
        trial_start(
            actor=full_admin,
            new_customer={"name": " ", "admin_email": "not-an-email", "country": "Poland"},
            lines={"calling": 5},
            days=30,
        )

    assert set(exc.value.message_dict) == {
        "new_customer.name",
        "new_customer.admin_email",
        "new_customer.country",
    }
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.exists()


def test_customer_and_new_customer_together_are_refused(full_admin, customer):
    with pytest.raises(ValidationError) as exc:
        trial_start(
            actor=full_admin, customer=customer, new_customer=NEW, lines={"calling": 5}, days=30
        )

    assert "customer_id" in exc.value.message_dict


def test_a_customer_with_a_trial_in_force_cannot_start_another(full_admin, customer):
    _trial_for(
        customer,
        start=D - dt.timedelta(days=10),
        end=D + dt.timedelta(days=5),
        lines={"calling": 5},
    )

    with pytest.raises(ValidationError) as exc:
        trial_start(actor=full_admin, customer=customer, lines={"meetings": 5}, days=30)

    assert "Trial-500" in exc.value.message_dict["customer_id"][0]
    assert Item.objects.filter(customer=customer).count() == 1


def test_a_trial_ending_today_is_still_in_force(full_admin, customer):
    _trial_for(customer, start=D - dt.timedelta(days=30), end=D)

    with pytest.raises(ValidationError):
        trial_start(actor=full_admin, customer=customer, lines={"meetings": 5}, days=30)


@pytest.mark.parametrize(
    ("state", "end"),
    [("ended", D), ("converted", D + dt.timedelta(days=5)), ("active", D - dt.timedelta(days=1))],
)
def test_a_customer_whose_trial_is_over_can_start_a_new_one(full_admin, customer, state, end):
    _trial_for(customer, start=D - dt.timedelta(days=60), end=end, state=state)

    trial = trial_start(actor=full_admin, customer=customer, lines={"meetings": 5}, days=30)

    assert trial.state == "active"


def test_trial_ids_are_numbered_after_the_highest_existing_one(full_admin, partner):
    ItemFactory(
        ext_id="Trial-100041",
        is_trial=True,
        customer=CustomerFactory(partner=partner),
        state="ended",
    )
    ItemFactory(
        ext_id="Trial-99999",
        is_trial=True,
        customer=CustomerFactory(partner=partner),
        state="ended",
    )

    trial = trial_start(actor=full_admin, new_customer=NEW, lines={"calling": 5}, days=30)

    assert trial.ext_id == "Trial-100042"


def test_start_is_audited_with_the_after_values(full_admin, customer):
    trial = trial_start(
        actor=full_admin, customer=customer, lines={"calling": 5, "meetings": 3}, days=30
    )

    event = AuditEvent.objects.get(action="trial.start")
    assert event.actor == full_admin
    assert event.customer == customer
    assert event.object_id == trial.ext_id
    assert event.before is None
    assert event.after["lines"] == {"meetings": 3, "calling": 5}
    assert event.after["end"] == (D + dt.timedelta(days=29)).isoformat()


def test_new_customer_is_audited_too(full_admin):
    trial_start(actor=full_admin, new_customer=NEW, lines={"calling": 5}, days=30)

    created = AuditEvent.objects.get(action="customer.create")
    assert created.before is None
    assert created.after["name"] == "Contoso"
    assert created.after["managers"] == [full_admin.email]


def test_the_customers_administrator_gets_an_invitation(
    full_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        trial = trial_start(actor=full_admin, new_customer=NEW, lines={"calling": 5}, days=30)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["it@contoso.example"]
    assert "Northwind Partners" in message.subject
    assert trial.ext_id in message.body
    assert "Webex Calling: 5" in message.body


def test_no_invitation_when_the_start_is_refused(full_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        trial_start(actor=full_admin, new_customer=NEW, lines={"calling": 5}, days=45)

    assert mail.outbox == []


# --- extend and end ------------------------------------------------------------------------


def test_extend_sets_the_end_to_today_plus_30_days_not_added_to_the_days_left(full_admin, customer):
    trial = _trial_for(customer, start=D - dt.timedelta(days=80), end=D + dt.timedelta(days=9))

    trial_extend(actor=full_admin, trial=trial)

    trial.refresh_from_db()
    assert trial.end == dt.date(2026, 12, 26)  # D + 30, not the old end + 30


def test_extend_is_audited_with_before_and_after(full_admin, customer):
    trial = _trial_for(
        customer,
        start=D - dt.timedelta(days=80),
        end=D + dt.timedelta(days=9),
        lines={"calling": 5},
    )

    trial_extend(actor=full_admin, trial=trial)

    event = AuditEvent.objects.get(action="trial.extend")
    assert event.before["end"] == "2026-12-05"
    assert event.after["end"] == "2026-12-26"
    assert event.after["lines"] == {"calling": 5}


@pytest.mark.parametrize(
    ("state", "end"),
    [("ended", D), ("converted", D + dt.timedelta(days=5)), ("active", D - dt.timedelta(days=1))],
)
def test_only_a_trial_in_force_can_be_extended(full_admin, customer, state, end):
    trial = _trial_for(customer, start=D - dt.timedelta(days=60), end=end, state=state)

    with pytest.raises(ValidationError) as exc:
        trial_extend(actor=full_admin, trial=trial)

    assert "state" in exc.value.message_dict
    trial.refresh_from_db()
    assert trial.end == end and trial.state == state
    assert not AuditEvent.objects.exists()


def test_end_now_sets_ended_and_the_end_to_today(full_admin, customer):
    trial = _trial_for(customer, start=D - dt.timedelta(days=10), end=D + dt.timedelta(days=50))

    trial_end(actor=full_admin, trial=trial)

    trial.refresh_from_db()
    assert trial.state == "ended"
    assert trial.end == D
    event = AuditEvent.objects.get(action="trial.end")
    assert event.before["state"] == "active" and event.after["state"] == "ended"
    assert event.before["end"] == "2027-01-15" and event.after["end"] == "2026-11-26"


def test_an_ended_trial_cannot_be_ended_again(full_admin, customer):
    trial = _trial_for(customer, start=D - dt.timedelta(days=10), end=D, state="ended")

    with pytest.raises(ValidationError):
        trial_end(actor=full_admin, trial=trial)


# --- concurrency -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_admins_starting_a_trial_for_one_customer_at_once_end_with_one_trial(partner):
    from tests.factories import UserFactory

    admins = [UserFactory(partner=partner, email=f"admin{i}@northwind.example") for i in range(2)]
    customer = CustomerFactory(partner=partner)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def start(actor):
        try:
            barrier.wait(timeout=10)
            for _attempt in range(200):
                try:
                    trial_start(actor=actor, customer=customer, lines={"calling": 5}, days=30)
                    outcomes.append("started")
                    return
                except OperationalError as exc:
                    # The in-memory SQLite test database answers "table is locked" at once where
                    # a file database (busy_timeout) would wait: wait here instead, then retry.
                    if connection.vendor != "sqlite" or "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
        except ValidationError as exc:
            outcomes.append("refused:" + ",".join(exc.message_dict))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start, args=(a,)) for a in admins]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["refused:customer_id", "started"], connection.vendor
    assert Item.objects.filter(customer=customer, is_trial=True).count() == 1
