"""The event outbox (docs/reference/events.md#events): every change writes its event in
its own transaction, the event's data is the API's answer, a rolled-back change writes none, and
`customer.status_changed` is found whether a change or only the date moved the statuses."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import transaction

from partnerhub.core import clock
from partnerhub.core.events import emit_event, events_committed, events_prune
from partnerhub.core.models import Event
from partnerhub.customers.models import Customer, StatusSeen
from partnerhub.customers.status_changes import customer_statuses_record
from partnerhub.tags.services import customer_set_tags
from partnerhub.trials.services import trial_start
from tests.factories import (
    CustomerFactory,
    CustomerUserFactory,
    D,
    ExternalAdminFactory,
    ItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def post(client: Any, path: str, body: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json"
    )


@pytest.fixture
def customer(partner):
    return CustomerFactory(partner=partner, ext_id="C1", name="Contoso", created=D)


def only(event_type: str) -> Event:
    (event,) = Event.objects.filter(type=event_type)
    return event


def test_a_trial_started_through_the_api_writes_its_answer_as_the_event(
    full_admin, customer, api_client
):
    body = {"customer_id": "C1", "lines": [{"product": "calling", "licenses": 25}], "days": 30}

    response = post(api_client(full_admin), "/trials", body)

    assert response.status_code == 201, response.content
    event = only("trial.started")
    assert event.data == response.json()
    payload = event.payload(full_admin.partner.ext_id)
    assert payload["id"].startswith("evt_") and len(payload["id"]) == 30
    assert payload["customer_id"] == "C1"
    assert payload["actor"] == full_admin.email
    assert payload["partner_id"] == full_admin.partner.ext_id
    assert payload["created"].endswith("Z")


def test_a_trial_for_a_new_customer_also_writes_customer_created(full_admin, api_client):
    body = {
        "new_customer": {"name": "Fabrikam", "admin_email": "it@fabrikam.example", "country": "PL"},
        "lines": [{"product": "meetings", "licenses": 5}],
    }

    answer = post(api_client(full_admin), "/trials", body).json()

    created = only("customer.created")
    assert created.data["id"] == answer["customer_id"]
    assert created.data["name"] == "Fabrikam"
    assert created.data["statuses"] == ["trial"]
    assert only("trial.started").data == answer


def test_a_rolled_back_change_writes_no_event_and_announces_nothing(full_admin, customer):
    heard: list[dict[str, Any]] = []

    def listener(**kwargs: Any) -> None:
        heard.append(kwargs)

    events_committed.connect(listener, weak=False)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            trial_start(actor=full_admin, customer=customer, lines={"calling": 5}, days=30)
            assert Event.objects.filter(type="trial.started").count() == 1
            raise RuntimeError("the change fails after its event was written")
    finally:
        events_committed.disconnect(listener)

    assert not Event.objects.exists()
    assert heard == []


def test_a_committed_change_announces_its_partner_once_committed(
    full_admin, customer, django_capture_on_commit_callbacks
):
    heard: list[dict[str, Any]] = []

    def listener(**kwargs: Any) -> None:
        heard.append(kwargs)

    events_committed.connect(listener, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            emit_event("webhook.test", partner_id=customer.partner_id, data={})
            assert heard == []  # not before the commit
    finally:
        events_committed.disconnect(listener)

    assert [h["partner_ids"] for h in heard] == [frozenset({customer.partner_id})]


def test_an_unknown_event_type_is_refused(customer):
    with pytest.raises(ValueError, match="unknown event type"):
        emit_event("customer.renamed", partner_id=customer.partner_id, data={})


def test_orders_write_order_placed_with_the_answer_and_convert_the_trial(
    full_admin, customer, api_client
):
    ItemFactory(customer=customer, is_trial=True, ext_id="Trial-1", lines={"calling": 5})
    body = {
        "action": "new",
        "customer_id": "C1",
        "end": "2027-11-30",
        "lines": [{"product": "calling", "licenses": 10}],
    }

    response = post(api_client(full_admin), "/orders", body)

    assert response.status_code == 201, response.content
    assert only("order.placed").data == json.loads(response.content)
    converted = only("trial.converted")
    assert converted.data["id"] == "Trial-1"
    assert converted.data["state"] == "converted"
    assert converted.data["converted_to"] == response.json()["subscription_id"]


def test_setting_up_a_subscription_writes_subscription_set_up(full_admin, customer, api_client):
    ItemFactory(customer=customer, ext_id="Sub-9", state="provisioning", lines={"calling": 5})

    response = post(
        api_client(full_admin), "/subscriptions/Sub-9/setup", {"admin_email": "it@contoso.example"}
    )

    assert response.status_code == 200, response.content
    assert only("subscription.set_up").data == response.json()


def test_extending_and_ending_a_trial_write_their_events(full_admin, customer, api_client):
    ItemFactory(
        customer=customer,
        is_trial=True,
        ext_id="Trial-7",
        start=D - dt.timedelta(days=10),
        end=D + dt.timedelta(days=5),
        lines={"calling": 5},
    )
    client = api_client(full_admin)

    extended = post(client, "/trials/Trial-7/extend", {}).json()
    ended = post(client, "/trials/Trial-7/end", {}).json()

    assert {k: v for k, v in extended.items() if k != "previous_end"} == only("trial.extended").data
    assert only("trial.ended").data == ended


def test_a_bulk_license_change_is_one_event_with_the_count_and_user_ids(
    full_admin, customer, api_client
):
    ItemFactory(customer=customer, ext_id="Sub-1", lines={"calling": 10})
    users = [CustomerUserFactory(customer=customer, ext_id=f"U{i}") for i in range(3)]
    body = {"item_id": "Sub-1", "product": "calling", "user_ids": [u.ext_id for u in users]}

    response = post(api_client(full_admin), "/customers/C1/org/assignments", body)

    assert response.status_code == 201, response.content
    event = only("license.assigned")
    assert event.data == {**response.json(), "count": 3, "user_ids": ["U0", "U1", "U2"]}


def test_tags_admins_and_roles_write_their_events(full_admin, people, customer, api_client):
    client = api_client(full_admin)

    post(client, "/customers/C1/tags", {"tags": ["gold", "emea"]}, method="put")
    post(client, "/customers/C1/admins", {"email": people["sales_admin"].email})
    client.delete(f"/api/v1/customers/C1/admins/{people['sales_admin'].email}")
    post(client, f"/users/{people['user'].email}/role", {"role": "sales_admin"}, method="put")

    tags = only("tag.changed")
    assert tags.data == {"customer_id": "C1", "before": [], "after": ["emea", "gold"]}
    assigned = only("partner_admin.assigned")
    assert assigned.data["email"] == people["sales_admin"].email
    assert only("partner_admin.removed").data == {
        "customer_id": "C1",
        "email": people["sales_admin"].email,
    }
    role = only("role.changed")
    assert role.data["role"] == "sales_admin" and role.data["before"] == "user"
    assert role.customer_ext_id == ""


def test_a_tag_carried_by_another_partners_customer_is_the_taggers_event(
    partner, other_partner, customer
):
    outsider = UserFactory(partner=other_partner, role="partner_full_admin")
    ExternalAdminFactory(customer=customer, user=outsider)

    customer_set_tags(actor=outsider, customer=customer, names=["watch"])

    event = only("tag.changed")
    assert event.partner_id == other_partner.pk  # the tags are the tagger's partner's


def test_status_changes_are_recorded_after_a_first_silent_look(customer):
    day = clock.today()
    customers = Customer.objects.filter(pk=customer.pk)

    # First look: nothing to compare with, so only remembered.
    assert customer_statuses_record(customers=customers, day=day) == 0
    assert StatusSeen.objects.get(customer=customer).mask != 0
    # Nothing moved: nothing written.
    assert customer_statuses_record(customers=customers, day=day) == 0

    ItemFactory(customer=customer, ext_id="Sub-5", end=D + dt.timedelta(days=200))
    assert customer_statuses_record(customers=customers, day=day) == 1

    event = only("customer.status_changed")
    assert set(event.data) == {"customer_id", "as_of", "before", "after"}
    assert (event.data["customer_id"], event.data["as_of"]) == ("C1", D.isoformat())
    assert "expired" in event.data["before"] and "subscription" not in event.data["before"]
    assert "subscription" in event.data["after"] and "expired" not in event.data["after"]


def test_only_the_date_moving_a_subscription_into_its_last_30_days_is_a_status_change(customer):
    ItemFactory(customer=customer, ext_id="Sub-5", end=D + dt.timedelta(days=30))
    customers = Customer.objects.filter(pk=customer.pk)
    customer_statuses_record(customers=customers, day=D - dt.timedelta(days=1))

    # Day D: the subscription ends in exactly 30 days, so it is expiring soon from today.
    assert customer_statuses_record(customers=customers, day=D) == 1

    event = only("customer.status_changed")
    assert "expiring_soon" not in event.data["before"]
    assert "expiring_soon" in event.data["after"]


def test_a_trial_start_records_the_status_change_of_a_customer_already_seen(full_admin, customer):
    customer_statuses_record(customers=Customer.objects.filter(pk=customer.pk), day=D)

    trial_start(actor=full_admin, customer=customer, lines={"calling": 5}, days=30)

    event = only("customer.status_changed")
    assert "trial" in event.data["after"] and "trial" not in event.data["before"]
    assert event.actor_email == full_admin.email


def test_the_helpdesk_writes_case_opened_then_case_updated(full_admin, customer, api_client):
    client = api_client(full_admin)
    body = {"area": "calling", "severity": 3, "subject": "Echo", "description": "On calls."}

    case = post(client, "/helpdesk/cases", body).json()
    post(client, f"/helpdesk/cases/{case['number']}/comments", {"body": "More detail."})

    opened = only("helpdesk.case_opened")
    assert opened.data["number"] == case["number"] and opened.data["change"] == "open"
    assert only("helpdesk.case_updated").data["change"] == "comment"


@pytest.mark.parametrize(("age_days", "kept"), [(89, True), (90, True), (91, False)])
def test_events_are_kept_90_days(customer, age_days, kept):
    now = clock.now()
    event = emit_event("webhook.test", partner_id=customer.partner_id, data={})
    Event.objects.filter(pk=event.pk).update(
        created=now - dt.timedelta(days=age_days, seconds=0 if age_days != 90 else -1)
    )

    events_prune(now=now)

    assert Event.objects.filter(pk=event.pk).exists() is kept


def test_the_retention_follows_the_setting(customer, settings):
    settings.EVENT_RETENTION_DAYS = 7
    now = clock.now()
    event = emit_event("webhook.test", partner_id=customer.partner_id, data={})
    Event.objects.filter(pk=event.pk).update(created=now - dt.timedelta(days=8))

    assert events_prune(now=now) == 1


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # just before 00:15: today's evaluation is still due
        (dt.datetime(2026, 11, 26, 0, 14, 59, tzinfo=dt.UTC), dt.datetime(2026, 11, 26, 0, 15)),
        # exactly 00:15: that run is due now, so the next one is tomorrow
        (dt.datetime(2026, 11, 26, 0, 15, tzinfo=dt.UTC), dt.datetime(2026, 11, 27, 0, 15)),
        (dt.datetime(2026, 11, 26, 23, 59, tzinfo=dt.UTC), dt.datetime(2026, 11, 27, 0, 15)),
    ],
)
def test_the_alerts_are_evaluated_daily_at_00_15_utc(after, expected):
    from partnerhub.core import scheduler

    job = next(j for j in scheduler.SCHEDULE if j.name.endswith("evaluate_alerts_task"))
    assert scheduler.next_run(after, job.weekday, job.hour, job.minute) == expected.replace(
        tzinfo=dt.UTC
    )
