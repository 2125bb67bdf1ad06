"""`POST /api/v1/orders`, `/subscriptions/{id}/setup` (docs/reference/api.md#orders-and-set-up)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from partnerhub.core.models import AuditEvent
from partnerhub.subscriptions.models import Assignment, Item, Order
from tests.factories import (
    AssignmentFactory,
    CustomerFactory,
    CustomerManagerFactory,
    CustomerUserFactory,
    D,
    ItemFactory,
)

ORDER = {
    "id": "O-5001",
    "subscription": "Sub-100002",
    "subscription_id": "Sub-100002",
    "customer_id": "C1",
    "date": "2026-11-26",
    "action": "new",
    "start": "2026-12-01",
    "end": "2027-11-30",
    "auto_renew": True,
    "lines": [{"product": "meetings", "licenses": 40}],
    "amount": 4800,
    "currency": "EUR",
}


def post(client, path, body=None):
    return client.post(
        f"/api/v1{path}",
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
    )


def _caller(people, stranger, role):
    return stranger if role == "stranger" else people[role]


@pytest.fixture
def customer(partner, people):
    customer = CustomerFactory(
        partner=partner, ext_id="C1", name="Contoso", admin_email="it@contoso.example"
    )
    CustomerManagerFactory(customer=customer, user=people["sales_admin"])
    return customer


def test_a_new_order_answers_the_order_and_its_provisioning_subscription(
    full_admin, api_client, customer
):
    response = post(api_client(full_admin), "/orders", ORDER)

    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": "O-5001",
        "subscription_id": "Sub-100002",
        "customer_id": "C1",
        "date": "2026-11-26",
        "action": "new",
        "lines": [{"product": "meetings", "licenses": 40}],
        "amount": "4800",
        "currency": "EUR",
        "converted_trial_id": None,
        "subscription": {
            "id": "Sub-100002",
            "customer_id": "C1",
            "start": "2026-12-01",
            "end": "2027-11-30",
            "state": "provisioning",
            "auto_renew": True,
            "lines": [{"product": "meetings", "licenses": 40}],
        },
    }


def test_an_order_converts_the_trial_and_moves_its_assignments(full_admin, api_client, customer):
    trial = ItemFactory(
        customer=customer,
        is_trial=True,
        ext_id="Trial-1",
        start=D - dt.timedelta(days=3),
        end=D + dt.timedelta(days=20),
        lines={"meetings": 5},
    )
    AssignmentFactory(
        user=CustomerUserFactory(customer=customer),
        item=trial,
        product="meetings",
        from_date=D - dt.timedelta(days=2),
    )

    response = post(api_client(full_admin), "/orders", ORDER)

    assert response.json()["converted_trial_id"] == "Trial-1"
    trial.refresh_from_db()
    assert trial.state == "converted" and trial.converted_to.ext_id == "Sub-100002"
    assert Assignment.objects.get(to_date=None).item.ext_id == "Sub-100002"


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"end": None}, "end"),
        ({"lines": [{"product": "meetings", "licenses": -3}]}, "lines"),
        ({"action": "upgrade"}, "action"),
        ({"subscription": "Sub-X"}, "subscription_id"),
    ],
)
def test_bad_orders_answer_422_naming_the_field(full_admin, api_client, customer, changes, loc):
    response = post(api_client(full_admin), "/orders", {**ORDER, **changes})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", loc]
    assert not Item.objects.exists() and not Order.objects.exists()


def test_a_change_order_of_a_subscription(full_admin, api_client, customer):
    ItemFactory(customer=customer, ext_id="Sub-9", lines={"calling": 10})

    response = post(
        api_client(full_admin),
        "/orders",
        {
            "subscription": "Sub-9",
            "action": "change",
            "lines": [{"product": "calling", "licenses": 15}],
        },
    )

    assert response.status_code == 201
    assert response.json()["subscription"]["lines"] == [{"product": "calling", "licenses": 15}]
    assert response.json()["id"] == "Ord-100001"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner_full_admin", 201),
        ("sales_full_admin", 201),
        ("sales_admin", 201),
        ("partner_readonly_admin", 403),
        ("user", 403),
        ("stranger", 404),
    ],
)
def test_who_may_place_an_order(people, stranger, api_client, customer, role, status):
    response = post(api_client(_caller(people, stranger, role)), "/orders", ORDER)

    assert response.status_code == status
    assert Item.objects.count() == (1 if status == 201 else 0)
    assert AuditEvent.objects.count() == (1 if status == 201 else 0)


def test_a_sales_admin_cannot_change_a_subscription_outside_their_scope(
    people, api_client, partner
):
    other = CustomerFactory(partner=partner)
    ItemFactory(customer=other, ext_id="Sub-9", lines={"calling": 10})

    response = post(
        api_client(people["sales_admin"]), "/orders", {"subscription": "Sub-9", "action": "cancel"}
    )

    assert response.status_code == 404
    assert Item.objects.get().state == "active"


# --- set-up ------------------------------------------------------------------------------------


@pytest.fixture
def provisioning(customer):
    return ItemFactory(
        customer=customer,
        ext_id="Sub-100002",
        state="provisioning",
        start=dt.date(2026, 12, 1),
        end=dt.date(2027, 11, 30),
        lines={"meetings": 40},
    )


def test_set_up_without_a_body_makes_the_subscription_active(full_admin, api_client, provisioning):
    # As `curl -X POST …/setup` sends it: no body at all.
    response = api_client(full_admin).generic("POST", "/api/v1/subscriptions/Sub-100002/setup")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "active"
    assert AuditEvent.objects.get(action="subscription.setup").after["state"] == "active"


def test_set_up_with_confirmed_values(full_admin, api_client, provisioning):
    body = {
        "organization_name": "Contoso AG",
        "admin_email": "boss@contoso.example",
        "start": "2026-11-30",
    }

    response = post(api_client(full_admin), "/subscriptions/Sub-100002/setup", body)

    assert response.json()["start"] == "2026-11-30"
    provisioning.customer.refresh_from_db()
    assert provisioning.customer.name == "Contoso AG"


def test_a_set_up_of_an_active_subscription_is_refused(full_admin, api_client, customer):
    ItemFactory(customer=customer, ext_id="Sub-5")

    response = post(api_client(full_admin), "/subscriptions/Sub-5/setup", {})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "state"]
    assert not AuditEvent.objects.exists()


def test_a_bad_set_up_value_answers_422(full_admin, api_client, provisioning):
    response = post(
        api_client(full_admin), "/subscriptions/Sub-100002/setup", {"admin_email": "nope"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "admin_email"]
    provisioning.refresh_from_db()
    assert provisioning.state == "provisioning"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner_full_admin", 200),
        ("sales_full_admin", 200),
        ("sales_admin", 200),
        ("partner_readonly_admin", 403),
        ("user", 403),
        ("stranger", 404),
    ],
)
def test_who_may_set_up_an_order(people, stranger, api_client, provisioning, role, status):
    response = post(
        api_client(_caller(people, stranger, role)), "/subscriptions/Sub-100002/setup", {}
    )

    assert response.status_code == status
    provisioning.refresh_from_db()
    assert provisioning.state == ("active" if status == 200 else "provisioning")
    assert AuditEvent.objects.count() == (1 if status == 200 else 0)


def test_a_sales_admin_cannot_set_up_an_order_outside_their_scope(people, api_client, partner):
    ItemFactory(customer=CustomerFactory(partner=partner), ext_id="Sub-8", state="provisioning")

    response = post(api_client(people["sales_admin"]), "/subscriptions/Sub-8/setup", {})

    assert response.status_code == 404
    assert Item.objects.get().state == "provisioning"
