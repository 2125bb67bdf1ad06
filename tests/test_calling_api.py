"""`GET /api/v1/analytics/calling` (docs/reference/api.md): shape, 404 unrefreshed, input, roles."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partnerhub.calling.services import refresh_analytics
from tests.calling_factories import (
    W0,
    W1,
    WEEKS,
    D,
    at,
    calling_customer,
    licensed_user,
    make_calls,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics/calling"
TOP_KEYS = [
    "as_of",
    "week",
    "refreshed_at",
    "users_by_volume",
    "customers_usage",
    "quality_trend",
    "quality_by_endpoint",
    "customers_quality",
    "feature_use",
    "queue_kpis",
    "queue_customers",
]


@pytest.fixture
def alpha(partner, other_partner):
    alpha = calling_customer(partner, "Alpha", queues=1, licenses=25)
    user = licensed_user(alpha)
    make_calls(alpha, 6, user=user, duration_s=30, endpoint="webex_app_desktop")
    make_calls(alpha, 4, user=user, duration_s=30, endpoint="webex_app_desktop", jitter_ms=151)
    make_calls(
        alpha,
        queue=alpha.call_queues.first(),
        queue_outcome="voicemail",
        queue_wait_s=33.3,
        features=["call_queue", "voicemail"],
    )
    make_calls(alpha, 5, start=at(W1))
    theirs = calling_customer(other_partner, "Theirs")
    make_calls(theirs, 9)
    return alpha


def test_before_a_refresh_the_answer_is_404_naming_the_command(api_client, full_admin, alpha):
    response = api_client(full_admin).get(URL)
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "refresh_analytics" in detail and "2026-11-15" in detail


def test_the_answer_has_exactly_the_contracts_shape(api_client, full_admin, alpha):
    # given
    refresh_analytics(as_of=D)
    # when
    body = api_client(full_admin).get(URL).json()
    # then
    assert list(body) == TOP_KEYS
    assert body["as_of"] == "2026-11-26"
    assert body["week"] == {"start": "2026-11-15", "end": "2026-11-21"}
    assert body["refreshed_at"].startswith("20")
    assert [p["week_start"] for p in body["users_by_volume"]] == [str(w) for w in WEEKS]
    assert body["users_by_volume"][-1] == {
        "week_start": "2026-11-15",
        "none": 0,
        "low": 0,
        "medium": 1,
        "high": 0,
    }
    assert body["customers_usage"] == [
        {
            "customer_id": alpha.ext_id,
            "customer": "Alpha",
            "calling_licenses": 25,
            "active_users": 2,
            "calls": 11,
            "minutes": 6.0,
            "calls_per_active_user": 5.5,
            "calls_change_pct": 120.0,
        }
    ]
    assert body["quality_trend"][-2:] == [
        {"week_start": "2026-11-08", "calls": 5, "poor_calls": 0, "poor_pct": 0.0},
        {"week_start": "2026-11-15", "calls": 11, "poor_calls": 4, "poor_pct": 36.4},
    ]
    assert body["quality_by_endpoint"] == [
        {"endpoint": "webex_app_desktop", "calls": 10, "poor_calls": 4, "poor_pct": 40.0},
        {"endpoint": "ip_phone", "calls": 1, "poor_calls": 0, "poor_pct": 0.0},
    ]
    assert body["customers_quality"] == [
        {
            "customer_id": alpha.ext_id,
            "customer": "Alpha",
            "calls": 11,
            "poor_calls": 4,
            "poor_pct": 36.4,
            "worst_endpoint": "webex_app_desktop",
        }
    ]
    assert body["feature_use"]["call_queue"] == 1 and body["feature_use"]["voicemail"] == 1
    assert len(body["feature_use"]) == 9
    assert body["queue_kpis"] == {
        "wait_to_answer_s": None,
        "wait_before_abandon_s": 33.3,
        "abandoned_pct": 100.0,
    }
    assert body["queue_customers"] == [
        {
            "customer_id": alpha.ext_id,
            "customer": "Alpha",
            "queues": 1,
            "queue_calls": 1,
            "answered": 0,
            "abandoned": 1,
            "abandoned_pct": 100.0,
            "wait_to_answer_s": None,
            "wait_before_abandon_s": 33.3,
        }
    ]


def test_a_week_of_the_eight_can_be_picked(api_client, full_admin, alpha):
    refresh_analytics(as_of=D)
    body = api_client(full_admin).get(URL, {"week": "2026-11-08"}).json()
    assert body["week"] == {"start": "2026-11-08", "end": "2026-11-14"}
    assert body["customers_usage"][0]["calls"] == 5
    assert body["customers_usage"][0]["calls_change_pct"] is None
    assert body["quality_trend"][-1]["week_start"] == str(W0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"week": "2026-11-10"}, "week"),  # not a Sunday
        ({"week": "2026-09-20"}, "week"),  # W8: outside the eight
        ({"week": "2026-11-22"}, "week"),  # the running week
        ({"week": "last"}, "week"),
        ({"as_of": "2026-13-01"}, "as_of"),
    ],
)
def test_bad_input_is_422_naming_the_field(api_client, full_admin, alpha, params, field):
    refresh_analytics(as_of=D)
    response = api_client(full_admin).get(URL, params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_as_of_moves_the_weeks(api_client, full_admin, alpha):
    refresh_analytics(as_of=D)
    client = api_client(full_admin)
    assert client.get(URL, {"as_of": "2026-11-28"}).json()["week"]["start"] == "2026-11-15"
    response = client.get(URL, {"as_of": "2026-11-29"})
    assert response.status_code == 404 and "2026-11-22" in response.json()["detail"]


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
def test_who_may_read_it(api_client, people, alpha, role, status):
    refresh_analytics(as_of=D)
    response = api_client(people[role]).get(URL)
    assert response.status_code == status
    if role == "sales_admin":  # nothing assigned: nothing shown
        assert response.json()["customers_usage"] == []


def test_another_partners_people_see_only_their_own(api_client, stranger, alpha):
    refresh_analytics(as_of=D)
    body = api_client(stranger).get(URL).json()
    assert [r["customer"] for r in body["customers_usage"]] == ["Theirs"]
    assert body["quality_trend"][-1]["calls"] == 9


def test_a_token_is_required(alpha):
    refresh_analytics(as_of=D)
    assert Client().get(URL).status_code == 401


def test_the_answer_keeps_a_constant_number_of_queries(api_client, full_admin, partner, alpha):
    refresh_analytics(as_of=D)
    client = api_client(full_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    count()  # the token's first use is recorded once
    small = count()
    for i in range(10):
        customer = calling_customer(partner, f"More {i}", queues=i % 2)
        make_calls(customer, 2, user=licensed_user(customer), queue_outcome="answered")
    refresh_analytics(as_of=D)
    assert count() == small
    assert small <= 8, small
