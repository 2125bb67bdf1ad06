"""The organizations API: `/customers/{id}/org/…` (users, licenses, assignments on the customer's
behalf) and `/org…` (the partner's own organization), with the role × action table."""

from __future__ import annotations

import json

import pytest

from partnerhub.accounts.models import User
from partnerhub.core.models import AuditEvent
from partnerhub.customers.models import CustomerUser
from partnerhub.subscriptions.models import Assignment
from tests.factories import (
    AssignmentFactory,
    CustomerFactory,
    CustomerManagerFactory,
    CustomerUserFactory,
    ItemFactory,
)

READ = [
    ("partner_full_admin", 200),
    ("sales_full_admin", 200),
    ("sales_admin", 200),
    ("partner_readonly_admin", 200),
    ("user", 403),
    ("stranger", 404),
]
WRITE = [
    ("partner_full_admin", 201),
    ("sales_full_admin", 201),
    ("sales_admin", 201),
    ("partner_readonly_admin", 403),
    ("user", 403),
    ("stranger", 404),
]


def post(client, path, body):
    return client.post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")


def _caller(people, stranger, role):
    return stranger if role == "stranger" else people[role]


@pytest.fixture
def customer(partner, people):
    customer = CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    CustomerManagerFactory(customer=customer, user=people["sales_admin"])
    return customer


@pytest.fixture
def sub(customer):
    return ItemFactory(customer=customer, ext_id="Sub-1", lines={"calling": 2})


@pytest.fixture
def users(customer):
    return [
        CustomerUserFactory(
            customer=customer, ext_id=f"U{i}", email=f"u{i}@contoso.example", name=f"User {i}"
        )
        for i in range(3)
    ]


# --- users -------------------------------------------------------------------------------------


def test_users_answer_with_their_licenses_and_search(full_admin, api_client, sub, users):
    AssignmentFactory(user=users[0], item=sub, product="calling")
    client = api_client(full_admin)

    everyone = client.get("/api/v1/customers/C1/org/users").json()
    found = client.get("/api/v1/customers/C1/org/users?q=U1@").json()

    assert everyone["count"] == 3
    assert everyone["items"][0] == {
        "id": "U0",
        "email": "u0@contoso.example",
        "name": "User 0",
        "active": True,
        "licenses": [{"item_id": "Sub-1", "product": "calling"}],
    }
    assert [u["id"] for u in found["items"]] == ["U1"]


@pytest.mark.parametrize(("role", "status"), READ)
def test_who_may_list_a_customers_users(people, stranger, api_client, customer, role, status):
    response = api_client(_caller(people, stranger, role)).get("/api/v1/customers/C1/org/users")

    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), WRITE)
def test_who_may_add_a_customer_user(people, stranger, api_client, customer, role, status):
    response = post(
        api_client(_caller(people, stranger, role)),
        "/customers/C1/org/users",
        {"email": "new@contoso.example"},
    )

    assert response.status_code == status
    assert CustomerUser.objects.filter(email="new@contoso.example").exists() == (status == 201)
    assert AuditEvent.objects.filter(on_behalf=True).count() == (1 if status == 201 else 0)


def test_a_bad_user_e_mail_answers_422(full_admin, api_client, customer):
    response = post(api_client(full_admin), "/customers/C1/org/users", {"email": "nope"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]
    assert not CustomerUser.objects.exists()


# --- licenses and assignments ---------------------------------------------------------------


def test_licenses_answer_every_item_with_its_figures(full_admin, api_client, sub, users):
    AssignmentFactory(user=users[0], item=sub, product="calling")

    answer = api_client(full_admin).get("/api/v1/customers/C1/org/licenses").json()

    assert answer["customer_id"] == "C1" and answer["as_of"] == "2026-11-26"
    assert answer["items"] == [
        {
            "id": "Sub-1",
            "is_trial": False,
            "state": "active",
            "start": "2026-01-01",
            "end": "2027-01-01",
            "in_force": True,
            "assignable": True,
            "lines": [
                {
                    "product": "calling",
                    "licenses": 2,
                    "assigned": 1,
                    "available": 1,
                    "overage": 0,
                    "used7": 0,
                }
            ],
        }
    ]


def test_assigning_beyond_the_purchased_number_needs_confirm_overage(
    full_admin, api_client, sub, users
):
    client = api_client(full_admin)
    body = {"item_id": "Sub-1", "product": "calling", "user_ids": ["U0", "U1", "U2"]}

    warned = post(client, "/customers/C1/org/assignments", body)
    assert warned.status_code == 422
    assert warned.json()["detail"][0]["loc"] == ["body", "confirm_overage"]
    assert not Assignment.objects.exists()

    confirmed = post(client, "/customers/C1/org/assignments", {**body, "confirm_overage": True})
    assert confirmed.status_code == 201
    assert confirmed.json() == {
        "item_id": "Sub-1",
        "product": "calling",
        "changed": ["u0@contoso.example", "u1@contoso.example", "u2@contoso.example"],
        "skipped": [],
        "licenses": 2,
        "assigned": 3,
        "overage": 1,
    }


def test_unassigning_in_bulk(full_admin, api_client, sub, users):
    for u in users[:2]:
        AssignmentFactory(user=u, item=sub, product="calling")

    response = api_client(full_admin).delete(
        "/api/v1/customers/C1/org/assignments?item_id=Sub-1&product=calling&user_id=U0&user_id=U1"
    )

    assert response.status_code == 200
    assert response.json()["assigned"] == 0
    assert Assignment.objects.filter(to_date=None).count() == 0


def test_unknown_users_are_named(full_admin, api_client, sub, users):
    other = CustomerUserFactory(ext_id="X9")

    response = post(
        api_client(full_admin),
        "/customers/C1/org/assignments",
        {"item_id": "Sub-1", "product": "calling", "user_ids": ["U0", other.ext_id]},
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "user_ids"]
    assert "X9" in response.json()["detail"][0]["msg"]
    assert not Assignment.objects.exists()


def test_an_item_of_another_customer_answers_404(full_admin, api_client, customer, users):
    ItemFactory(ext_id="Sub-77", lines={"calling": 2})

    response = post(
        api_client(full_admin),
        "/customers/C1/org/assignments",
        {"item_id": "Sub-77", "product": "calling", "user_ids": ["U0"]},
    )

    assert response.status_code == 404


@pytest.mark.parametrize(("role", "status"), WRITE)
def test_who_may_assign_licenses(people, stranger, api_client, sub, users, role, status):
    response = post(
        api_client(_caller(people, stranger, role)),
        "/customers/C1/org/assignments",
        {"item_id": "Sub-1", "product": "calling", "user_ids": ["U0"]},
    )

    assert response.status_code == status
    assert Assignment.objects.count() == (1 if status == 201 else 0)
    assert AuditEvent.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(("role", "status"), [(r, 200 if s == 201 else s) for r, s in WRITE])
def test_who_may_unassign_licenses(people, stranger, api_client, sub, users, role, status):
    AssignmentFactory(user=users[0], item=sub, product="calling")

    response = api_client(_caller(people, stranger, role)).delete(
        "/api/v1/customers/C1/org/assignments?item_id=Sub-1&product=calling&user_id=U0"
    )

    assert response.status_code == status
    assert Assignment.objects.filter(to_date=None).count() == (0 if status == 200 else 1)


def test_a_sales_admin_cannot_launch_a_customer_outside_their_scope(people, api_client, partner):
    CustomerFactory(partner=partner, ext_id="C2")

    assert (
        api_client(people["sales_admin"]).get("/api/v1/customers/C2/org/licenses").status_code
        == 404
    )


# --- own organization ----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [*READ[:5], ("stranger", 200)])
def test_who_may_see_the_own_organization(people, stranger, api_client, role, status):
    response = api_client(_caller(people, stranger, role)).get("/api/v1/org")

    assert response.status_code == status
    if role == "stranger":
        assert response.json()["name"] == "Fabrikam Partners"  # their own, never another's


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner_full_admin", 200),
        ("sales_full_admin", 403),
        ("sales_admin", 403),
        ("partner_readonly_admin", 403),
        ("user", 403),
    ],
)
def test_only_a_partner_full_admin_sets_up_the_own_organization(
    people, api_client, partner, role, status
):
    response = post(api_client(people[role]), "/org/setup", {"accept_terms": True})

    assert response.status_code == status
    partner.refresh_from_db()
    assert (partner.org_setup_at is not None) == (status == 200)
    if status == 200:
        assert response.json()["terms_accepted_by"] == people[role].email
        assert response.json()["set_up"] is True


def test_set_up_without_accepting_answers_422(full_admin, api_client, partner):
    response = post(api_client(full_admin), "/org/setup", {"accept_terms": False})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "accept_terms"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner_full_admin", 200),
        ("sales_full_admin", 403),
        ("sales_admin", 403),
        ("partner_readonly_admin", 403),
        ("user", 403),
    ],
)
def test_only_a_partner_full_admin_deactivates_people(people, api_client, role, status):
    target = User.objects.create_user("target@northwind.example", partner=people["user"].partner)

    response = api_client(people[role]).post(f"/api/v1/org/people/{target.email}/deactivate")

    assert response.status_code == status
    target.refresh_from_db()
    assert target.is_active == (status != 200)


def test_a_person_of_another_partner_answers_404(full_admin, api_client, stranger):
    response = api_client(full_admin).post(f"/api/v1/org/people/{stranger.email}/deactivate")

    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


def test_people_list_and_add(full_admin, api_client, people):
    client = api_client(full_admin)

    added = post(client, "/org/people", {"email": "new@northwind.example", "name": "Nowy"})
    listed = client.get("/api/v1/org/people?q=nowy").json()

    assert added.status_code == 201
    assert added.json() == {
        "email": "new@northwind.example",
        "name": "Nowy",
        "role": "user",
        "active": True,
    }
    assert listed["count"] == 1


@pytest.mark.parametrize(("role", "status"), READ)
def test_who_may_see_a_customers_licenses(people, stranger, api_client, sub, role, status):
    response = api_client(_caller(people, stranger, role)).get("/api/v1/customers/C1/org/licenses")

    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner_full_admin", 200),
        ("sales_full_admin", 200),
        ("sales_admin", 200),
        ("partner_readonly_admin", 200),
        ("user", 403),
    ],
)
def test_who_may_list_the_own_people(people, api_client, role, status):
    response = api_client(people[role]).get("/api/v1/org/people")

    assert response.status_code == status
    if status == 200:
        assert response.json()["count"] == 5


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner_full_admin", 201),
        ("sales_full_admin", 403),
        ("sales_admin", 403),
        ("partner_readonly_admin", 403),
        ("user", 403),
    ],
)
def test_only_a_partner_full_admin_adds_people(people, api_client, role, status):
    response = post(api_client(people[role]), "/org/people", {"email": "new@northwind.example"})

    assert response.status_code == status
    assert User.objects.filter(email="new@northwind.example").exists() == (status == 201)
