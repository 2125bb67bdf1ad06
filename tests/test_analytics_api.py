"""`GET /api/v1/analytics/subscriptions` (docs/reference/api.md): shape, as_of, input, roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partnerhub.core.choices import Role
from tests.analytics_factories import assign, customer, days, item, use

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics/subscriptions"


def every_section(partner: Any, n: int = 1) -> None:
    """`n` customers each with a row in every table (meetings and calling)."""
    for i in range(n):
        acme = customer(partner, f"Customer {i:03d}")
        new = item(acme, {"calling": 10, "meetings": 4}, start=days(-40), end=days(30))
        renew = item(acme, {"calling": 2, "meetings": 2}, end=days(60), auto_renew=True)
        low = item(acme, {"calling": 100, "meetings": 100})
        trial = item(acme, {"calling": 5}, is_trial=True, start=days(-45), end=days(45))
        use(assign(new, n=3), "calling", days(-1))
        assign(new, "meetings", 2)
        assign(renew, n=3)
        assign(renew, "meetings", 3)
        assign(low, n=1)
        assign(low, "meetings", 1)
        assign(trial, n=4)


def test_the_answer_has_exactly_the_keys_of_api_md(partner, full_admin, api_client):
    # Given
    every_section(partner)

    # When
    response = api_client(full_admin).get(URL, {"product": "calling"})

    # Then
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "as_of", "product", "kpis", "trend",
        "recently_added", "expiring", "renewing", "low_assignment", "over_limit",
    ]  # fmt: skip
    assert (body["as_of"], body["product"]) == ("2026-11-26", "calling")
    assert body["kpis"] == {
        "total_customers": 1, "expiring_soon": 1, "renewing_soon": 1, "low_assignment": 1,
        "over_limit": 1,
    }  # fmt: skip
    assert len(body["trend"]) == 12
    assert set(body["trend"][0]) == {"date", "total", "assigned", "used"}
    assert body["trend"][-1]["date"] == "2026-11-26"
    expected_kpis = {
        "recently_added": {"new_customers", "total_licenses"},
        "expiring": {"expiring_customers", "assignment_pct", "usage_pct"},
        "renewing": {"renewing_customers", "assignment_pct", "usage_pct"},
        "low_assignment": {
            "low_customers", "assignment_pct", "usage_after_assignment_pct", "unassigned",
        },
        "over_limit": {"over_customers", "overage", "average_overage"},
    }  # fmt: skip
    head = ["customer_id", "customer", "item_id", "is_trial"]
    expected_rows = {
        "recently_added": [*head, "days_since_added", "total", "used", "assigned", "available",
                           "weekly_assignment_change", "weekly_usage_change"],
        "expiring": [*head, "days_to_expiry", "total", "used", "assigned", "available",
                     "usage_3_months"],
        "renewing": [*head, "days_to_renewal", "total", "used", "assigned", "available",
                     "usage_3_months"],
        "low_assignment": [*head, "months_since_added", "assigned", "assigned_pct", "total",
                           "used", "available", "weekly_assignment_change"],
        "over_limit": [*head, "months_remaining", "auto_renew", "total", "assigned",
                       "assigned_pct", "used", "used_pct"],
    }  # fmt: skip
    for key, kpis in expected_kpis.items():
        assert list(body[key]) == ["kpis", "rows"]
        assert set(body[key]["kpis"]) == kpis
        assert body[key]["rows"], key
        for row in body[key]["rows"]:
            assert list(row) == expected_rows[key]
    assert body["expiring"]["kpis"] == {
        "expiring_customers": 1, "assignment_pct": 46.7, "usage_pct": 20.0,
    }  # fmt: skip
    assert body["over_limit"]["kpis"] == {
        "over_customers": 1, "overage": 1, "average_overage": 1.0,
    }  # fmt: skip


def test_percentages_are_null_when_there_is_nothing_to_divide(partner, full_admin, api_client):
    body = api_client(full_admin).get(URL, {"product": "meetings"}).json()
    assert body["expiring"]["kpis"] == {
        "expiring_customers": 0, "assignment_pct": None, "usage_pct": None,
    }  # fmt: skip
    assert body["over_limit"]["kpis"]["average_overage"] is None
    assert body["low_assignment"]["kpis"]["usage_after_assignment_pct"] is None


def test_as_of_is_honoured(partner, full_admin, api_client):
    # Given a subscription added 10 days ago
    item(customer(partner, "Acme"), {"calling": 4}, start=days(-10))
    client = api_client(full_admin)

    # When / then
    before = client.get(URL, {"product": "calling", "as_of": "2026-11-01"}).json()
    assert before["as_of"] == "2026-11-01"
    assert before["kpis"]["total_customers"] == 0
    assert before["trend"][-1]["date"] == "2026-11-01"
    now = client.get(URL, {"product": "calling"}).json()
    assert now["kpis"]["total_customers"] == 1
    assert now["recently_added"]["rows"][0]["days_since_added"] == 10


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"product": "messaging"}, "product"),
        ({"product": "calling", "as_of": "26/11/2026"}, "as_of"),
        ({"product": "calling", "as_of": "2026-02-30"}, "as_of"),
    ],
)
def test_bad_input_answers_422_naming_the_field(full_admin, api_client, params, field):
    response = api_client(full_admin).get(URL, params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PARTNER_FULL_ADMIN, 200),
        (Role.SALES_FULL_ADMIN, 200),
        (Role.SALES_ADMIN, 200),
        (Role.PARTNER_READONLY_ADMIN, 200),
        (Role.USER, 403),
    ],
)
def test_role_table(people, api_client, role, status):
    assert api_client(people[role]).get(URL).status_code == status


def test_without_a_token_the_answer_is_401(db):
    response = Client().get(URL)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_another_partner_sees_only_its_own_customers(partner, stranger, api_client):
    every_section(partner)
    body = api_client(stranger).get(URL).json()
    assert body["kpis"]["total_customers"] == 0
    assert body["recently_added"]["rows"] == []


def _queries(client: Any, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_customers(partner, full_admin, api_client):
    # Given 3 customers, then 30
    client = api_client(full_admin)
    every_section(partner, 3)
    client.get(URL)  # the token's first use is recorded once
    few = _queries(client, URL, {"product": "calling"})
    every_section(partner, 27)

    # Then
    assert client.get(URL).json()["kpis"]["total_customers"] == 30
    assert _queries(client, URL, {"product": "calling"}) == few


def test_the_openapi_document_describes_the_answer(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    operation = paths["/api/v1/analytics/subscriptions"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"product", "as_of"}
    assert "200" in operation["responses"]
