"""The Webhooks pages and the Events page: who may open them, another partner's objects answering
404, the secret shown once, the filters, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partnerhub.core.choices import Role
from partnerhub.core.models import Event
from partnerhub.webhooks import worker
from partnerhub.webhooks.models import Delivery, Endpoint
from tests.factories import CustomerFactory
from tests.webhooks_factories import EndpointFactory, event, resolving_to


@pytest.fixture(autouse=True)
def _setup(monkeypatch: Any) -> None:
    monkeypatch.setattr(worker, "wake", lambda: None)
    monkeypatch.setattr("socket.getaddrinfo", resolving_to("93.184.216.34"))


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


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
def test_only_a_partner_full_admin_opens_the_pages(people, partner, role, status):
    endpoint = EndpointFactory(partner=partner)
    client = _client(people[role])
    for url in (
        "/integrations/webhooks/",
        "/integrations/events/",
        f"/integrations/webhooks/{endpoint.public_id}/",
    ):
        assert client.get(url).status_code == status, url


def test_anonymous_people_are_sent_to_sign_in(partner):
    endpoint = EndpointFactory(partner=partner)
    for url in (
        "/integrations/webhooks/",
        "/integrations/events/",
        f"/integrations/webhooks/{endpoint.public_id}/",
    ):
        answer = Client().get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")


def test_another_partners_webhook_answers_404_and_changes_nothing(full_admin, other_partner):
    theirs = EndpointFactory(partner=other_partner)
    delivery = Delivery.objects.create(endpoint=theirs, event=event(other_partner), state="failed")
    client = _client(full_admin)
    base = f"/integrations/webhooks/{theirs.public_id}/"
    assert client.get(base).status_code == 404
    for action in (
        "",
        "enabled/",
        "rotate/",
        "test/",
        "delete/",
        f"deliveries/{delivery.pk}/retry/",
    ):
        assert (
            client.post(
                base + action, {"enabled": "0", "url": "https://x.example.com/"}
            ).status_code
            == 404
        )
    theirs.refresh_from_db()
    assert theirs.enabled and Endpoint.objects.filter(pk=theirs.pk).exists()
    assert Delivery.objects.get(pk=delivery.pk).state == "failed"


def test_registering_shows_the_secret_once(full_admin):
    client = _client(full_admin)
    answer = client.post(
        "/integrations/webhooks/",
        {
            "url": "https://hooks.example.com/x",
            "description": "PSA",
            "events": ["trial.started", "*"],
        },
    )
    endpoint = Endpoint.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/integrations/webhooks/{endpoint.public_id}/"
    first = client.get(answer["Location"]).content.decode()
    assert endpoint.secret in first
    again = client.get(answer["Location"]).content.decode()
    assert endpoint.secret not in again
    # rotating shows the new one once too
    client.post(f"/integrations/webhooks/{endpoint.public_id}/rotate/")
    endpoint.refresh_from_db()
    assert endpoint.secret in client.get(answer["Location"]).content.decode()


def test_a_refused_address_is_shown_on_the_form(full_admin):
    answer = _client(full_admin).post(
        "/integrations/webhooks/", {"url": "https://10.0.0.5/x", "events": ["*"]}
    )
    assert answer.status_code == 200
    assert "a private address" in answer.content.decode()
    assert not Endpoint.objects.exists()


def test_edit_disable_and_delete(full_admin, partner):
    endpoint = EndpointFactory(partner=partner)
    client = _client(full_admin)
    base = f"/integrations/webhooks/{endpoint.public_id}/"
    client.post(base, {"url": "https://hooks.example.com/new", "events": ["order.placed"]})
    client.post(base + "enabled/", {"enabled": "0"})
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.enabled) == (
        "https://hooks.example.com/new",
        ["order.placed"],
        False,
    )
    assert client.post(base + "delete/").status_code == 302
    assert not Endpoint.objects.exists()


def test_the_events_page_filters_and_shows_each_events_json(full_admin, partner, other_partner):
    customer = CustomerFactory(partner=partner, ext_id="C-77")
    a = event(partner, "trial.started")
    b = Event.objects.create(
        type="order.placed",
        partner=partner,
        customer=customer,
        customer_ext_id="C-77",
        data={"n": 1},
    )
    old = event(partner, "tag.changed")
    Event.objects.filter(pk=old.pk).update(created=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    theirs = event(other_partner, "trial.started")
    client = _client(full_admin)
    page = client.get("/integrations/events/").content.decode()
    assert a.public_id in page and b.public_id in page and old.public_id in page
    assert theirs.public_id not in page
    only_orders = client.get("/integrations/events/?type=order.placed").content.decode()
    assert b.public_id in only_orders and a.public_id not in only_orders
    assert json.dumps(partner.ext_id) in only_orders.replace("&quot;", '"')
    by_customer = client.get("/integrations/events/?customer=C-77").content.decode()
    assert b.public_id in by_customer and a.public_id not in by_customer
    dated = client.get("/integrations/events/?since=2026-01-01&until=2026-01-31").content.decode()
    assert old.public_id in dated and a.public_id not in dated
    fragment = client.get("/integrations/events/?type=order.placed", HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and b.public_id.encode() in fragment.content
    empty = client.get("/integrations/events/?customer=none").content.decode()
    assert "No events match." in empty


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_make_the_same_number_of_queries_for_one_row_or_many(full_admin, partner):
    client = _client(full_admin)
    endpoint = EndpointFactory(partner=partner)
    first = event(partner)
    Delivery.objects.create(endpoint=endpoint, event=first, attempts=1)
    one = {
        url: _queries(client, url)
        for url in (
            "/integrations/webhooks/",
            "/integrations/events/",
            f"/integrations/webhooks/{endpoint.public_id}/",
        )
    }
    for _ in range(12):
        EndpointFactory(partner=partner)
        e = event(partner)
        Delivery.objects.create(endpoint=endpoint, event=e, attempts=2)
    many = {url: _queries(client, url) for url in one}
    assert many == one
    assert one["/integrations/webhooks/"] <= 8 and one["/integrations/events/"] <= 8
