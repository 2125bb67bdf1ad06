"""Webhook delivery: signatures, rotation, the retry schedule, fan-out, address rules and the
disabling of an endpoint that keeps failing (docs/reference/events.md#webhooks)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from partnerhub.core import clock
from partnerhub.core.choices import Role
from partnerhub.core.models import Event
from partnerhub.webhooks import delivery as engine
from partnerhub.webhooks import sending, worker
from partnerhub.webhooks.delivery import deliver_due, fan_out
from partnerhub.webhooks.models import Attempt, Delivery, DeliveryState, Endpoint
from partnerhub.webhooks.services import delivery_retry, endpoint_create, endpoint_rotate_secret
from tests.factories import UserFactory
from tests.webhooks_factories import EndpointFactory, event, receiving, resolving_to

T0 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_background_thread(monkeypatch: Any) -> None:
    """Committed events would wake this process's delivery thread; the tests deliver
    themselves."""
    monkeypatch.setattr(worker, "wake", lambda: None)


@pytest.fixture
def allow_private(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = True


class Clock:
    """The wall clock, moved by hand."""

    def __init__(self, monkeypatch: Any, at: dt.datetime) -> None:
        self.at = at
        monkeypatch.setattr(clock, "now", lambda: self.at)

    def move(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


@pytest.fixture
def moved(monkeypatch: Any) -> Clock:
    return Clock(monkeypatch, T0)


def _verify(secret: str, received: Any) -> Any:
    return Webhook(secret).verify(received.body, received.headers)


def _signed_with(secret: str, received: Any) -> bool:
    """Whether one of the signatures was made with `secret` (whatever the clock says)."""
    at = dt.datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), dt.UTC)
    expected = Webhook(secret).sign(received.headers["webhook-id"], at, received.body)
    return expected in received.headers["webhook-signature"].split(" ")


def test_a_delivery_is_signed_as_standard_webhooks_says(full_admin, partner, allow_private):
    with receiving() as receiver:
        endpoint = endpoint_create(user=full_admin, url=receiver.url, events=["trial.*"])
        written = event(partner, "trial.started", id="Trial-1", days=30)
        event(partner, "order.placed")  # not asked for
        assert deliver_due(concurrent=False) == 1
    [got] = receiver.received
    payload = _verify(endpoint.secret, got)
    assert got.headers["webhook-id"] == written.public_id
    assert got.headers["content-type"] == "application/json"
    assert payload == {
        "id": written.public_id,
        "type": "trial.started",
        "created": written.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "partner_id": partner.ext_id,
        "customer_id": None,
        "actor": None,
        "data": {"id": "Trial-1", "days": 30},
    }
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(got.body, got.headers)
    d = Delivery.objects.get()
    assert (d.state, d.attempts, d.last_status) == (DeliveryState.SUCCEEDED, 1, 200)


def test_after_a_rotation_both_secrets_sign_for_24_hours(full_admin, partner, allow_private):
    with receiving() as receiver:
        endpoint = endpoint_create(user=full_admin, url=receiver.url, events=["*"])
        old = endpoint.secret
        endpoint_rotate_secret(user=full_admin, endpoint=endpoint)
        assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
        event(partner)
        deliver_due(concurrent=False)
        [got] = receiver.received
        assert len(got.headers["webhook-signature"].split(" ")) == 2
        assert all(s.startswith("v1,") for s in got.headers["webhook-signature"].split(" "))
        _verify(endpoint.secret, got)
        _verify(old, got)
        # 24 hours later only the new secret signs
        Endpoint.objects.filter(pk=endpoint.pk).update(
            previous_secret_expires=clock.now() - dt.timedelta(seconds=1)
        )
        event(partner)
        deliver_due(concurrent=False)
    later = receiver.received[1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    _verify(endpoint.secret, later)
    with pytest.raises(WebhookVerificationError):
        _verify(old, later)


def test_the_old_secret_stops_24_hours_after_the_rotation_by_the_clock(
    full_admin, partner, allow_private, moved
):
    with receiving() as receiver:
        endpoint = endpoint_create(user=full_admin, url=receiver.url, events=["*"])
        old = endpoint.secret
        endpoint_rotate_secret(user=full_admin, endpoint=endpoint)
        moved.move(hours=23, minutes=59)
        event(partner)
        deliver_due(concurrent=False)
        moved.move(minutes=2)
        event(partner)
        deliver_due(concurrent=False)
    first, second = receiver.received
    assert _signed_with(old, first) and _signed_with(endpoint.secret, first)
    assert not _signed_with(old, second) and _signed_with(endpoint.secret, second)


def test_failures_follow_the_retry_schedule_and_success_ends_it(
    full_admin, partner, allow_private, moved, monkeypatch
):
    monkeypatch.setattr(sending, "TIMEOUT_SECONDS", 0.5)
    with receiving(answers=[500, "timeout", 200]) as receiver:
        endpoint = endpoint_create(user=full_admin, url=receiver.url, events=["*"])
        written = event(partner)
        deliver_due(concurrent=False)  # 500
        d = Delivery.objects.get()
        assert (d.state, d.attempts, d.next_attempt_at) == (
            "pending",
            1,
            T0 + engine.RETRY_SCHEDULE[0],
        )
        moved.move(seconds=4)
        assert deliver_due(concurrent=False) == 0  # not due yet
        moved.move(seconds=1)
        deliver_due(concurrent=False)  # timeout
        d.refresh_from_db()
        assert d.next_attempt_at == T0 + dt.timedelta(seconds=5) + dt.timedelta(minutes=5)
        moved.move(minutes=5)
        deliver_due(concurrent=False)  # 200
        moved.move(hours=30)
        assert deliver_due(concurrent=False) == 0
    d.refresh_from_db()
    assert (d.state, d.attempts, d.next_attempt_at) == ("succeeded", 3, None)
    log = list(Attempt.objects.filter(delivery=d).order_by("number"))
    assert [(a.number, a.at, a.status_code) for a in log] == [
        (1, T0, 500),
        (2, T0 + dt.timedelta(seconds=5), None),
        (3, T0 + dt.timedelta(minutes=5, seconds=5), 200),
    ]
    assert "0.5 s" in log[1].error
    assert log[0].error == "HTTP 500"
    # the receiver saw the event three times, and answered 2xx once
    assert receiver.ids() == [written.public_id] * 3
    assert endpoint.public_id


def test_after_the_whole_schedule_a_delivery_fails_and_can_be_retried_by_hand(
    full_admin, partner, allow_private, moved
):
    with receiving(default=503) as receiver:
        endpoint_create(user=full_admin, url=receiver.url, events=["*"])
        event(partner)
        deliver_due(concurrent=False)
        for wait in engine.RETRY_SCHEDULE:
            moved.move(seconds=wait.total_seconds())
            deliver_due(concurrent=False)
        d = Delivery.objects.get()
        assert (d.state, d.attempts, d.next_attempt_at) == ("failed", 8, None)
        moved.move(days=1)
        assert deliver_due(concurrent=False) == 0
        receiver.default = 200
        delivery_retry(user=full_admin, delivery=d)
        deliver_due(concurrent=False)
    d.refresh_from_db()
    assert (d.state, d.attempts) == ("succeeded", 9)
    assert len(receiver.received) == 9


def test_fan_out_matches_patterns_partners_and_alert_channels(partner, other_partner):
    trials = EndpointFactory(partner=partner, events=["trial.*", "alert.opened"])
    every = EndpointFactory(partner=partner, events=["*"])
    off = EndpointFactory(partner=partner, events=["*"], enabled=False)
    theirs = EndpointFactory(partner=other_partner, events=["*"])
    started = event(partner, "trial.started")
    order = event(partner, "order.placed")
    by_webhook = event(partner, "alert.opened", channels=["in_app", "webhook"])
    not_by_webhook = event(partner, "alert.opened", channels=["in_app", "email"])
    no_channels = event(partner, "alert.resolved", id="A1")
    test = event(partner, "webhook.test")
    other = event(other_partner, "trial.started")
    assert fan_out() == 7
    pairs = set(Delivery.objects.values_list("endpoint_id", "event_id"))
    assert pairs == {
        (trials.pk, started.pk),
        (trials.pk, by_webhook.pk),
        (every.pk, started.pk),
        (every.pk, order.pk),
        (every.pk, by_webhook.pk),
        (every.pk, no_channels.pk),
        (theirs.pk, other.pk),
    }
    # the test event goes only where it is sent, and a disabled endpoint gets nothing
    assert not Delivery.objects.filter(event__in=[not_by_webhook, test]).exists()
    assert not Delivery.objects.filter(endpoint=off).exists()
    # a second pass makes nothing twice
    assert fan_out() == 0


def test_fan_out_finds_an_event_committed_after_a_newer_one(partner, moved):
    endpoint = EndpointFactory(partner=partner, events=["*"])
    newer = Event.objects.create(
        pk=100, type="trial.started", partner=partner, created=clock.now(), data={}
    )
    assert fan_out() == 1
    # id 50 was handed out before 100, but its transaction commits only now
    late = Event.objects.create(
        pk=50, type="trial.ended", partner=partner, created=clock.now(), data={}
    )
    assert fan_out() == 1
    assert Delivery.objects.filter(endpoint=endpoint, event=late).exists()
    # once settled, the cursor moves past them and they are not read again
    moved.move(hours=2)
    assert fan_out() == 0
    endpoint.refresh_from_db()
    assert endpoint.fanout_cursor == newer.pk


def test_a_new_endpoint_receives_only_what_happens_after_it_exists(full_admin, partner):
    event(partner)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("socket.getaddrinfo", resolving_to("93.184.216.34"))
        endpoint = endpoint_create(user=full_admin, url="https://hooks.example.com/x", events=["*"])
    later = event(partner)
    fan_out()
    assert list(Delivery.objects.values_list("endpoint_id", "event_id")) == [
        (endpoint.pk, later.pk)
    ]


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.5", "169.254.169.254", "::1", "fd00:ec2::254", "::ffff:10.0.0.1"],
)
def test_a_name_that_turns_private_after_registration_is_refused_at_delivery(
    full_admin, partner, monkeypatch, address
):
    monkeypatch.setattr("socket.getaddrinfo", resolving_to("93.184.216.34"))
    endpoint = endpoint_create(
        user=full_admin, url="https://hooks.example.com/partnerhub", events=["*"]
    )
    monkeypatch.setattr("socket.getaddrinfo", resolving_to(address))
    connected: list[Any] = []
    monkeypatch.setattr(
        "requests.Session.post", lambda *a, **k: connected.append(a) or pytest.fail("connected")
    )
    event(partner)
    deliver_due(concurrent=False)
    d = Delivery.objects.get(endpoint=endpoint)
    assert (d.state, d.attempts, d.last_status) == ("pending", 1, None)
    assert "refused" in d.last_error and "hooks.example.com" in d.last_error
    assert Attempt.objects.get(delivery=d).error == d.last_error
    assert connected == []


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "http://hooks.example.com/hook",
        "ftp://hooks.example.com/hook",
    ],
)
def test_private_addresses_and_plain_http_are_refused_at_registration(full_admin, monkeypatch, url):
    monkeypatch.setattr("socket.getaddrinfo", resolving_to("93.184.216.34"))
    with pytest.raises(ValidationError) as caught:
        endpoint_create(user=full_admin, url=url, events=["*"])
    assert "url" in caught.value.message_dict


def test_the_flag_allows_private_addresses_and_http(full_admin, allow_private):
    endpoint = endpoint_create(user=full_admin, url="http://127.0.0.1:9/hook", events=["*"])
    assert endpoint.url == "http://127.0.0.1:9/hook"


def test_an_endpoint_failing_for_5_days_is_disabled_and_its_admins_are_told(
    partner, people, allow_private, moved, mailoutbox, django_capture_on_commit_callbacks
):
    polish = UserFactory(
        partner=partner, role=Role.PARTNER_FULL_ADMIN, email="pl@northwind.example", language="pl"
    )
    admin = people[Role.PARTNER_FULL_ADMIN]
    with receiving(default=500) as receiver:
        endpoint = endpoint_create(user=admin, url=receiver.url, events=["*"])
        event(partner)
        deliver_due(concurrent=False)
        endpoint.refresh_from_db()
        assert endpoint.failing_since == T0 and endpoint.enabled
        moved.move(days=4, hours=23)
        event(partner)
        deliver_due(concurrent=False)
        endpoint.refresh_from_db()
        assert endpoint.enabled
        moved.move(hours=1)
        event(partner)
        with django_capture_on_commit_callbacks(execute=True):
            deliver_due(concurrent=False)
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "failing")
    assert endpoint.disabled_at == T0 + dt.timedelta(days=5)
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([admin.email, polish.email])
    english = next(m for m in mailoutbox if m.to == [admin.email])
    assert "has failed for 5 days" in english.body and receiver.url in english.body
    # a disabled endpoint gets nothing more
    moved.move(days=1)
    event(partner)
    assert deliver_due(concurrent=False) == 0


def test_a_success_clears_the_failing_mark(full_admin, partner, allow_private, moved):
    with receiving(answers=[500]) as receiver:
        endpoint = endpoint_create(user=full_admin, url=receiver.url, events=["*"])
        event(partner)
        deliver_due(concurrent=False)
        endpoint.refresh_from_db()
        assert endpoint.failing_since == T0
        moved.move(seconds=5)
        deliver_due(concurrent=False)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_lease_that_ran_out_makes_the_delivery_due_again(
    full_admin, partner, allow_private, moved
):
    with receiving() as receiver:
        endpoint = endpoint_create(user=full_admin, url=receiver.url, events=["*"])
        event(partner)
        fan_out()
        token, claimed = engine._claim(endpoint.pk, limit=10)
        assert len(claimed) == 1
        # the worker died: nothing is due until the lease runs out
        assert deliver_due(concurrent=False) == 0
        moved.move(seconds=engine.LEASE.total_seconds())
        assert deliver_due(concurrent=False) == 1
        # the dead worker's late result is not written over the new one
        engine._record(endpoint, token, [engine.Outcome(claimed[0].pk, clock.now(), 500, "x")])
    d = Delivery.objects.get()
    assert (d.state, d.attempts) == ("succeeded", 1)
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_endpoints_are_drained_concurrently_so_a_slow_one_delays_no_other(settings, partner):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Threads share the in-memory test database through SQLite's shared cache, which answers
        # "database table is locked" at once instead of waiting (a file database waits up to its
        # busy timeout): the PostgreSQL run of the suite proves the concurrency.
        pytest.skip("SQLite's in-memory test database locks whole tables between threads")
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with receiving(slow=1.0) as slow, receiving() as fast:
        EndpointFactory(partner=partner, url=slow.url, events=["*"])
        EndpointFactory(partner=partner, url=fast.url, events=["*"])
        for _ in range(3):
            event(partner)
        begin = time.monotonic()
        made = deliver_due()
        took = time.monotonic() - begin
    assert made == 6
    assert len(fast.received) == 3 and len(slow.received) == 3
    # the fast receiver had everything before the slow one had its second event
    assert max(r.at for r in fast.received) < sorted(r.at for r in slow.received)[1]
    assert took < 3.9
