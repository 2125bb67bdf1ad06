"""`POST /api/v1/ingest`: a full administrator feeds lines about the partner's own customers."""

from __future__ import annotations

import datetime as dt
import gzip
from typing import Any

import pytest
from django.test import Client

from partnerhub.activity.models import Call, UsageDay
from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.customers.models import Customer, CustomerUser
from partnerhub.subscriptions.models import Item
from tests.factories import CustomerFactory, CustomerUserFactory, ItemFactory
from tests.ingest_factories import jsonl, table_counts

pytestmark = pytest.mark.django_db
URL = "/api/v1/ingest"


def post(client: Client, lines: list[Any], **extra: Any) -> Any:
    return client.post(URL, data=jsonl(lines), content_type="application/x-ndjson", **extra)


def own_lines(partner: Any) -> list[dict[str, Any]]:
    """A new customer of `partner` with a subscription, a user, a call and a meeting."""
    return [
        {
            "kind": "customer",
            "id": "C-API",
            "partner": partner.ext_id,
            "name": "Tailspin",
            "created": "2026-03-01",
            "tags": ["api"],
        },
        {
            "kind": "subscription",
            "id": "Sub-API",
            "customer": "C-API",
            "start": "2026-03-01",
            "end": "2027-02-28",
            "lines": [{"product": "calling", "licenses": 3}],
        },
        {"kind": "user", "id": "U-API", "customer": "C-API", "email": "kim@tailspin.example"},
        {"kind": "user", "id": "U-API2", "customer": "C-API", "email": "lee@tailspin.example"},
        {
            "kind": "assignment",
            "user": "U-API",
            "item": "Sub-API",
            "product": "calling",
            "from": "2026-03-02",
        },
        {
            "kind": "call",
            "id": "K-API",
            "customer": "C-API",
            "user": "U-API",
            "start": "2026-11-24T12:00:00Z",
            "duration_s": 60,
            "endpoint": "webex_app_desktop",
        },
        {
            "kind": "call",
            "id": "K-API2",
            "customer": "C-API",
            "user": "U-API2",
            "start": "2026-11-24T12:00:00Z",
            "duration_s": 60,
            "endpoint": "webex_app_desktop",
            "type": "call_on_webex",
        },
        {
            "kind": "meeting",
            "id": "M-API",
            "customer": "C-API",
            "host": "U-API",
            "start": "2026-11-25T12:00:00Z",
            "duration_s": 600,
            "participants": ["U-API2"],
        },
    ]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PARTNER_FULL_ADMIN, 200),
        (Role.SALES_FULL_ADMIN, 403),
        (Role.SALES_ADMIN, 403),
        (Role.PARTNER_READONLY_ADMIN, 403),
        (Role.USER, 403),
    ],
)
def test_only_a_partner_full_admin_may_ingest(people, partner, api_client, role, status):
    before = table_counts()

    response = post(api_client(people[role]), own_lines(partner))

    assert response.status_code == status
    if status == 403:
        assert "detail" in response.json()
        after = table_counts()
        assert after.pop("accounts.ApiToken") == before.pop("accounts.ApiToken") + 1
        assert after == before
    else:
        assert Customer.objects.get(ext_id="C-API").partner == partner


def test_an_anonymous_caller_gets_401_and_nothing_is_written(partner):
    before = table_counts()

    response = post(Client(), own_lines(partner))

    assert response.status_code == 401
    assert table_counts() == before


def test_a_feed_answers_counts_per_kind_and_writes_its_records(full_admin, partner, api_client):
    response = post(api_client(full_admin), own_lines(partner))

    assert response.status_code == 200
    assert response.json() == {
        "lines": 8,
        "counts": {
            "assignment": 1,
            "call": 2,
            "customer": 1,
            "meeting": 1,
            "subscription": 1,
            "user": 2,
        },
    }
    assert Item.objects.get(ext_id="Sub-API").customer.partner == partner
    assert set(UsageDay.objects.values_list("user__ext_id", "product", "day")) == {
        ("U-API", "calling", dt.date(2026, 11, 24)),  # the call_on_webex of U-API2 gives none
        ("U-API", "meetings", dt.date(2026, 11, 25)),
        ("U-API2", "meetings", dt.date(2026, 11, 25)),  # a participant uses meetings too
    }
    event = AuditEvent.objects.get(action="dataset.load")
    assert (event.actor, event.partner, event.after["lines"]) == (full_admin, partner, 8)


def test_a_gzip_body_is_read_too(full_admin, partner, api_client):
    response = api_client(full_admin).post(
        URL, data=gzip.compress(jsonl(own_lines(partner))), content_type="application/x-ndjson"
    )

    assert response.status_code == 200
    assert response.json()["lines"] == 8


def test_lines_about_another_partners_customer_are_bad_lines(
    full_admin, partner, other_partner, api_client
):
    theirs = CustomerFactory(partner=other_partner, ext_id="C-THEIRS")
    CustomerUserFactory(customer=theirs, ext_id="U-THEIRS")
    lines = [
        *own_lines(partner),
        {"kind": "user", "id": "U-X", "customer": "C-THEIRS", "email": "x@litware.example"},
        {
            "kind": "call",
            "id": "K-X",
            "customer": "C-THEIRS",
            "user": "U-THEIRS",
            "start": "2026-11-24T12:00:00Z",
            "duration_s": 1,
            "endpoint": "ip_phone",
        },
        {"kind": "customer_admin_login", "customer": "C-THEIRS", "at": "2026-11-24T12:00:00Z"},
    ]
    before = table_counts()

    response = post(api_client(full_admin), lines)

    assert response.status_code == 422
    body = response.json()
    assert [(d["line"], d["field"]) for d in body["detail"]] == [
        (9, "customer"),
        (10, "customer"),
        (10, "user"),
        (11, "customer"),
    ]
    assert "not one of your customers" in body["detail"][0]["msg"]
    assert body["error_count"] == 4
    after = table_counts()
    assert after.pop("accounts.ApiToken") == before.pop("accounts.ApiToken") + 1
    assert after == before


def test_a_feed_may_not_take_over_ids_of_another_partners_records(
    full_admin, partner, other_partner, api_client
):
    theirs = CustomerFactory(partner=other_partner, ext_id="C-THEIRS")
    ItemFactory(customer=theirs, ext_id="Sub-THEIRS")
    lines = [
        *own_lines(partner),
        {
            "kind": "customer",
            "id": "C-THEIRS",
            "partner": partner.ext_id,
            "name": "Mine now",
            "created": "2026-01-01",
        },
        {
            "kind": "subscription",
            "id": "Sub-THEIRS",
            "customer": "C-API",
            "start": "2026-03-01",
            "end": "2027-02-28",
            "lines": [],
        },
    ]

    response = post(api_client(full_admin), lines)

    assert response.status_code == 422
    assert [(d["line"], d["field"]) for d in response.json()["detail"]] == [(9, "id"), (10, "id")]
    assert Customer.objects.get(ext_id="C-THEIRS").partner == other_partner
    assert Item.objects.get(ext_id="Sub-THEIRS").customer == theirs


@pytest.mark.parametrize(
    "line",
    [
        {"kind": "partner", "id": "P-NEW", "name": "Mine"},
        {"kind": "partner_user", "partner": "P1", "email": "me@example.com", "name": "Me"},
        {
            "kind": "resource",
            "id": "R1",
            "title": "T",
            "url": "https://example.com",
            "type": "tool",
        },
    ],
    ids=["partner", "partner_user", "resource"],
)
def test_operator_kinds_are_refused_through_the_api(full_admin, api_client, line):
    response = post(api_client(full_admin), [line])

    assert response.status_code == 422
    (detail,) = response.json()["detail"]
    assert (detail["line"], detail["field"]) == (1, "kind")
    assert "not accepted through the API" in detail["msg"]


def test_a_customer_line_must_name_the_callers_own_partner(full_admin, other_partner, api_client):
    line = {
        "kind": "customer",
        "id": "C-NEW",
        "partner": other_partner.ext_id,
        "name": "X",
        "created": "2026-01-01",
    }

    response = post(api_client(full_admin), [line])

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "partner"
    assert not Customer.objects.filter(ext_id="C-NEW").exists()


def test_a_stranger_cannot_feed_lines_about_our_customers(stranger, partner, api_client):
    ours = CustomerFactory(partner=partner, ext_id="C-OURS")
    CustomerUserFactory(customer=ours, ext_id="U-OURS")
    line = {
        "kind": "call",
        "id": "K-S",
        "customer": "C-OURS",
        "user": "U-OURS",
        "start": "2026-11-24T12:00:00Z",
        "duration_s": 1,
        "endpoint": "ip_phone",
    }

    response = post(api_client(stranger), [line])

    assert response.status_code == 422
    assert not Call.objects.exists()


def test_more_than_100_bad_lines_answer_the_first_100_and_a_note(full_admin, api_client):
    response = post(api_client(full_admin), ["{nope"] * 130)

    assert response.status_code == 422
    body = response.json()
    assert len(body["detail"]) == 100
    assert body["detail"][0] == {"line": 1, "field": None, "msg": body["detail"][0]["msg"]}
    assert body["error_count"] == 130
    assert "30 more" in body["note"]


def test_an_existing_customer_of_the_partner_can_be_fed(full_admin, partner, api_client):
    ours = CustomerFactory(partner=partner, ext_id="C-OURS")
    line = {"kind": "user", "id": "U-NEW", "customer": "C-OURS", "email": "new@ours.example"}

    response = post(api_client(full_admin), [line])

    assert response.status_code == 200
    assert CustomerUser.objects.get(ext_id="U-NEW").customer == ours


def test_the_openapi_document_describes_the_ingest_body(full_admin, api_client):
    response = api_client(full_admin).get("/api/v1/openapi.json")

    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/ingest"]["post"]
    assert "application/x-ndjson" in operation["requestBody"]["content"]
    assert {"200", "422"} <= set(operation["responses"])
