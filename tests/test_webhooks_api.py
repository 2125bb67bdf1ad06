"""`/api/v1/webhooks`: register, read, change, rotate, delete, deliveries, retry and test; who
may, and another partner's objects answering 404 (docs/reference/api.md#webhooks)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from standardwebhooks.webhooks import Webhook

from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.webhooks import worker
from partnerhub.webhooks.delivery import deliver_due
from partnerhub.webhooks.models import Delivery, DeliveryState, Endpoint
from tests.conftest import api_client_for
from tests.webhooks_factories import EndpointFactory, event, receiving, resolving_to

API = "/api/v1"


@pytest.fixture(autouse=True)
def _setup(monkeypatch: Any) -> None:
    monkeypatch.setattr(worker, "wake", lambda: None)
    monkeypatch.setattr("socket.getaddrinfo", resolving_to("93.184.216.34"))


def _post(client: Client, path: str, body: Any = None) -> Any:
    return client.post(API + path, data=json.dumps(body or {}), content_type="application/json")


def _patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(API + path, data=json.dumps(body), content_type="application/json")


def test_register_answers_the_secret_once(full_admin):
    client = api_client_for(full_admin)
    answer = _post(
        client,
        "/webhooks",
        {"url": "https://hooks.example.com/x", "events": ["trial.*", "alert.opened"]},
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["id"].startswith("wh_") and body["secret"].startswith("whsec_")
    assert Webhook(body["secret"])  # a valid Standard Webhooks secret
    assert body["events"] == ["trial.*", "alert.opened"] and body["enabled"] is True
    listed = client.get(API + "/webhooks").json()
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0]
    one = client.get(f"{API}/webhooks/{body['id']}").json()
    assert "secret" not in one and one["url"] == "https://hooks.example.com/x"
    audit = AuditEvent.objects.get(action="webhook.create")
    assert "whsec_" not in json.dumps(audit.after)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://hooks.example.com/x", "events": ["*"]}, "url"),
        ({"url": "https://127.0.0.1/x", "events": ["*"]}, "url"),
        ({"url": "https://[::1]/x", "events": ["*"]}, "url"),
        ({"url": "https://hooks.example.com/x", "events": []}, "events"),
        ({"url": "https://hooks.example.com/x", "events": ["nope.*"]}, "events"),
        (
            {"url": "https://hooks.example.com/x", "events": ["*"], "description": "x" * 201},
            "description",
        ),
    ],
)
def test_invalid_input_answers_422_naming_the_field(full_admin, body, field):
    answer = _post(api_client_for(full_admin), "/webhooks", body)
    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["detail"]] == [["body", field]]
    assert not Endpoint.objects.exists()


def test_patch_rotate_and_delete(full_admin, partner):
    endpoint = EndpointFactory(partner=partner)
    old = endpoint.secret
    client = api_client_for(full_admin)
    answer = _patch(
        client, f"/webhooks/{endpoint.public_id}", {"events": ["order.placed"], "enabled": False}
    )
    assert answer.status_code == 200
    assert answer.json()["events"] == ["order.placed"] and answer.json()["enabled"] is False
    assert answer.json()["disabled_reason"] == "by_hand"
    rotated = _post(client, f"/webhooks/{endpoint.public_id}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != old and rotated.json()["previous_secret_expires"]
    endpoint.refresh_from_db()
    assert endpoint.previous_secret == old
    assert client.delete(f"{API}/webhooks/{endpoint.public_id}").status_code == 204
    assert not Endpoint.objects.exists()
    assert list(
        AuditEvent.objects.filter(object_type="webhook")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["webhook.update", "webhook.rotate_secret", "webhook.delete"]


def test_deliveries_are_paged_with_each_attempt_and_a_failed_one_can_be_retried(
    full_admin, partner, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with receiving(default=500) as receiver:
        endpoint = EndpointFactory(partner=partner, url=receiver.url)
        for _ in range(3):
            event(partner)
        deliver_due(concurrent=False)
    client = api_client_for(full_admin)
    page = client.get(f"{API}/webhooks/{endpoint.public_id}/deliveries?page_size=2").json()
    assert page["count"] == 3 and len(page["items"]) == 2
    item = page["items"][0]
    assert item["event_id"].startswith("evt_") and item["state"] == "pending"
    assert item["attempts"][0]["status"] == 500 and item["attempts"][0]["error"] == "HTTP 500"
    assert item["attempts"][0]["duration_ms"] >= 0 and item["attempts"][0]["at"]
    # only a failed delivery can be retried
    pending = Delivery.objects.filter(endpoint=endpoint).first()
    refused = _post(client, f"/webhooks/{endpoint.public_id}/deliveries/{pending.pk}/retry")
    assert refused.status_code == 422
    Delivery.objects.filter(pk=pending.pk).update(state=DeliveryState.FAILED, next_attempt_at=None)
    retried = _post(client, f"/webhooks/{endpoint.public_id}/deliveries/{pending.pk}/retry")
    assert retried.status_code == 202 and retried.json()["state"] == "pending"


def test_the_test_event_goes_to_that_endpoint_only_and_is_delivered_now(
    full_admin, partner, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with receiving() as receiver, receiving() as other:
        endpoint = EndpointFactory(partner=partner, url=receiver.url, events=["*"])
        EndpointFactory(partner=partner, url=other.url, events=["*"])
        answer = _post(api_client_for(full_admin), f"/webhooks/{endpoint.public_id}/test")
        deliver_due(concurrent=False)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["event_type"] == "webhook.test" and body["state"] == "succeeded"
    assert body["attempts"][0]["status"] == 200
    assert [json.loads(r.body)["type"] for r in receiver.received] == ["webhook.test"]
    assert other.received == []


def test_another_partners_webhooks_answer_404(full_admin, stranger, other_partner):
    theirs = EndpointFactory(partner=other_partner)
    e = event(other_partner)
    delivery = Delivery.objects.create(endpoint=theirs, event=e, state="failed")
    client = api_client_for(full_admin)
    base = f"/webhooks/{theirs.public_id}"
    assert client.get(API + base).status_code == 404
    assert _patch(client, base, {"description": "x"}).status_code == 404
    assert client.delete(API + base).status_code == 404
    assert _post(client, base + "/rotate-secret").status_code == 404
    assert _post(client, base + "/test").status_code == 404
    assert client.get(API + base + "/deliveries").status_code == 404
    assert _post(client, f"{base}/deliveries/{delivery.pk}/retry").status_code == 404
    assert client.get(API + "/webhooks").json() == []
    # and a delivery of another endpoint is not found under one's own
    mine = EndpointFactory(partner=full_admin.partner)
    assert (
        _post(client, f"/webhooks/{mine.public_id}/deliveries/{delivery.pk}/retry").status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.description == "PSA"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PARTNER_FULL_ADMIN, 200),
        (Role.SALES_FULL_ADMIN, 403),
        (Role.SALES_ADMIN, 403),
        (Role.PARTNER_READONLY_ADMIN, 403),
    ],
)
def test_only_a_partner_full_admin_manages_webhooks(people, partner, role, status):
    endpoint = EndpointFactory(partner=partner)
    client = api_client_for(people[role])
    assert client.get(API + "/webhooks").status_code == status
    assert client.get(f"{API}/webhooks/{endpoint.public_id}").status_code == status
    created = _post(client, "/webhooks", {"url": "https://hooks.example.com/y", "events": ["*"]})
    assert created.status_code == (201 if status == 200 else 403)


def test_anonymous_callers_answer_401(partner):
    endpoint = EndpointFactory(partner=partner)
    assert Client().get(API + "/webhooks").status_code == 401
    assert Client().get(f"{API}/webhooks/{endpoint.public_id}").status_code == 401
