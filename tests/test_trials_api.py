"""`POST /api/v1/trials`, `/extend`, `/end` (docs/reference/api.md#trials): answers, 422s and
the role × action table (403 for a role that may not, 404 out of scope, nothing changed)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from partnerhub.core.models import AuditEvent
from partnerhub.customers.models import Customer
from partnerhub.subscriptions.models import Item
from tests.factories import CustomerFactory, CustomerManagerFactory, D, ItemFactory

ALLOWED = ["partner_full_admin", "sales_full_admin", "sales_admin"]


def post(client, path, body=None):
    return client.post(
        f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json"
    )


@pytest.fixture
def customer(partner, people):
    customer = CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    CustomerManagerFactory(customer=customer, user=people["sales_admin"])
    return customer


@pytest.fixture
def trial(customer):
    return ItemFactory(
        customer=customer,
        is_trial=True,
        ext_id="Trial-100001",
        start=D - dt.timedelta(days=70),
        end=D + dt.timedelta(days=20),
        lines={"calling": 10},
    )


def _caller(people, stranger, role):
    return stranger if role == "stranger" else people[role]


def test_start_for_a_new_customer_answers_the_trial(full_admin, api_client):
    body = {
        "new_customer": {"name": "Fabrikam", "admin_email": "it@fabrikam.example", "country": "PL"},
        "lines": [{"product": "calling", "licenses": 25}],
        "days": 60,
    }

    response = post(api_client(full_admin), "/trials", body)

    assert response.status_code == 201, response.content
    answer = response.json()
    assert set(answer) == {"id", "customer_id", "start", "end", "state", "lines"}
    assert answer["id"].startswith("Trial-")
    assert answer["start"] == "2026-11-26" and answer["end"] == "2027-01-24"
    assert answer["state"] == "active"
    assert answer["lines"] == [{"product": "calling", "licenses": 25}]
    assert Customer.objects.get(ext_id=answer["customer_id"]).name == "Fabrikam"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"days": 45}, "days"),
        ({"lines": [{"product": "calling", "licenses": 1001}]}, "lines"),
        ({"lines": [{"product": "calling", "licenses": 0}]}, "lines"),
        ({"lines": [{"product": "fax", "licenses": 1}]}, "lines"),
        ({"lines": []}, "lines"),
    ],
)
def test_bad_input_answers_422_naming_the_field_and_writes_nothing(
    full_admin, api_client, customer, body, field
):
    payload = {
        "customer_id": "C1",
        "lines": [{"product": "calling", "licenses": 5}],
        "days": 30,
        **body,
    }

    response = post(api_client(full_admin), "/trials", payload)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert not Item.objects.exists() and not AuditEvent.objects.exists()


def test_bad_new_customer_names_the_nested_field(full_admin, api_client):
    body = {
        "new_customer": {"name": "X", "admin_email": "x", "country": "PL"},
        "lines": [{"product": "calling", "licenses": 1}],
    }

    response = post(api_client(full_admin), "/trials", body)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "new_customer.admin_email"]
    assert not Customer.objects.exists()


def test_licenses_that_are_not_a_number_answer_422(full_admin, api_client, customer):
    body = {"customer_id": "C1", "lines": [{"product": "calling", "licenses": "many"}]}

    response = post(api_client(full_admin), "/trials", body)

    assert response.status_code == 422
    assert "licenses" in json.dumps(response.json()["detail"])


def test_a_second_trial_in_force_answers_422(full_admin, api_client, trial):
    response = post(
        api_client(full_admin),
        "/trials",
        {"customer_id": "C1", "lines": [{"product": "meetings", "licenses": 1}]},
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "customer_id"]
    assert Item.objects.count() == 1


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
def test_who_may_start_a_trial_for_an_existing_customer(
    people, stranger, api_client, customer, role, status
):
    body = {"customer_id": "C1", "lines": [{"product": "calling", "licenses": 5}], "days": 30}

    response = post(api_client(_caller(people, stranger, role)), "/trials", body)

    assert response.status_code == status
    assert Item.objects.count() == (1 if status == 201 else 0)
    assert AuditEvent.objects.count() == (1 if status == 201 else 0)


def test_a_sales_admin_cannot_start_a_trial_for_a_customer_outside_their_scope(
    people, api_client, partner
):
    CustomerFactory(partner=partner, ext_id="C2")

    response = post(
        api_client(people["sales_admin"]),
        "/trials",
        {"customer_id": "C2", "lines": [{"product": "calling", "licenses": 5}]},
    )

    assert response.status_code == 404
    assert not Item.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("partner_readonly_admin", 403), ("user", 403)])
def test_roles_without_trials_cannot_start_one_for_a_new_customer(people, api_client, role, status):
    body = {
        "new_customer": {"name": "F", "admin_email": "f@f.example", "country": "PL"},
        "lines": [{"product": "calling", "licenses": 5}],
    }

    response = post(api_client(people[role]), "/trials", body)

    assert response.status_code == status
    assert not Customer.objects.exists()


def test_a_sales_admin_keeps_the_new_customer_of_their_trial_in_scope(people, api_client):
    client = api_client(people["sales_admin"])
    body = {
        "new_customer": {"name": "F", "admin_email": "f@f.example", "country": "PL"},
        "lines": [{"product": "calling", "licenses": 5}],
        "days": 30,
    }

    trial_id = post(client, "/trials", body).json()["id"]
    response = post(client, f"/trials/{trial_id}/extend")

    assert response.status_code == 200
    assert response.json()["end"] == "2026-12-26"


@pytest.mark.parametrize("verb", ["extend", "end"])
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
def test_who_may_extend_or_end_a_trial(people, stranger, api_client, trial, verb, role, status):
    response = post(api_client(_caller(people, stranger, role)), f"/trials/{trial.ext_id}/{verb}")

    assert response.status_code == status
    trial.refresh_from_db()
    if status == 200:
        assert response.json()["id"] == trial.ext_id
        assert AuditEvent.objects.filter(action=f"trial.{verb}").count() == 1
    else:
        assert (trial.state, trial.end) == ("active", D + dt.timedelta(days=20))
        assert not AuditEvent.objects.exists()


def test_extend_answers_the_new_end(full_admin, api_client, trial):
    response = post(api_client(full_admin), f"/trials/{trial.ext_id}/extend")

    assert response.json() == {
        "id": "Trial-100001",
        "customer_id": "C1",
        "start": "2026-09-17",
        "end": "2026-12-26",
        "state": "active",
        "lines": [{"product": "calling", "licenses": 10}],
        "previous_end": "2026-12-16",  # added by issue 14: the end before the extend
    }


def test_end_answers_ended_today(full_admin, api_client, trial):
    response = post(api_client(full_admin), f"/trials/{trial.ext_id}/end")

    assert (response.json()["state"], response.json()["end"]) == ("ended", "2026-11-26")


@pytest.mark.parametrize("verb", ["extend", "end"])
def test_an_ended_trial_answers_422(full_admin, api_client, customer, verb):
    ItemFactory(
        customer=customer,
        is_trial=True,
        ext_id="Trial-7",
        state="ended",
        end=D - dt.timedelta(days=3),
    )

    response = post(api_client(full_admin), f"/trials/Trial-7/{verb}")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "state"]
    assert not AuditEvent.objects.exists()


def test_a_subscription_is_not_a_trial(full_admin, api_client, customer):
    ItemFactory(customer=customer, ext_id="Sub-1")

    assert post(api_client(full_admin), "/trials/Sub-1/extend").status_code == 404


def test_without_a_token_the_api_answers_401(client, trial):
    assert client.post("/api/v1/trials/Trial-100001/end").status_code == 401
