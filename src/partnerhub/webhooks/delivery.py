"""Delivering events to webhook endpoints: fan-out, claiming, signing, sending, recording
(docs/reference/events.md#webhooks).

**Fan-out.** Each enabled endpoint keeps a cursor, `fanout_cursor`: every event of its partner
with an id up to it has been considered. A pass reads, for each endpoint, the partner's events
above its cursor that match and have no Delivery for it yet (an anti-join on the unique
(endpoint, event) index, which also makes a second pass, or two at once, harmless), makes their
deliveries, and then advances each cursor only to the newest event written more than
FANOUT_SETTLE ago. Why not to the newest
event read: event ids are handed out when a row is inserted, not when its transaction commits,
so a transaction that wrote event 100 may commit after the one that wrote event 101; a cursor
moved to 101 would skip 100 for ever. Keeping the cursor FANOUT_SETTLE behind makes every pass
look again at the recent events, and an event whose transaction commits within FANOUT_SETTLE of
writing it (every service's transaction does, by far) is never missed. The price is reading the
last FANOUT_SETTLE of a partner's events at each pass, in the database (the anti-join answers
only what is missing).
A new endpoint starts at the partner's newest event: it receives what happens after it exists.

**Delivery.** A due delivery (`pending` or `delivering` with `next_attempt_at` passed: a lease
that ran out because its worker died) is claimed in a committed transaction: a conditional
UPDATE that only succeeds while the row is still due (on PostgreSQL after SELECT … FOR UPDATE
SKIP LOCKED, so concurrent workers take different rows), which sets a lease token and pushes
`next_attempt_at` to the end of the lease. The worker then POSTs the event, signed with the
`standardwebhooks` package, and records the outcome only on rows that still carry its token.
Killed at any point, it loses nothing: the lease runs out and the delivery is due again (at
least once; receivers de-duplicate on `webhook-id`, the event id). Each endpoint is drained by a
worker of its own (a thread), so one slow or dead receiver never delays the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from partnerhub.accounts.models import User
from partnerhub.accounts.policy import Action, can
from partnerhub.core import clock
from partnerhub.core.events import EVENT_TYPES
from partnerhub.core.language import by_language
from partnerhub.core.models import Event
from partnerhub.webhooks import addresses
from partnerhub.webhooks.models import (
    ACTIVE_STATES,
    Attempt,
    Delivery,
    DeliveryState,
    DisabledReason,
    Endpoint,
)
from partnerhub.webhooks.sending import (
    TIMEOUT_SECONDS,
    Outcome,
    Sender,
)

log = logging.getLogger(__name__)

# After the n-th failed attempt in a row the next comes this much later; after the last, failed.
RETRY_SCHEDULE: tuple[dt.timedelta, ...] = (
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
)
# An endpoint whose every attempt has failed for this long is disabled; its admins are told.
DISABLE_AFTER = dt.timedelta(days=5)
# How long the previous secret keeps signing after a rotation.
ROTATION_OVERLAP = dt.timedelta(hours=24)
# See the module's docstring: how far behind the newest event the fan-out cursor stays.
FANOUT_SETTLE = dt.timedelta(hours=1)
# A worker's claim: how many deliveries at once, for how long (renewed while it works).
BATCH = 50
LEASE = dt.timedelta(seconds=60)
# Results are written at the latest after this many seconds of a batch.
FLUSH_SECONDS = 1.0
MAX_WORKERS = 16
# How often a dispatcher fans out while its workers run (seconds).
FANOUT_EVERY = 2.0
TEST_EVENT = "webhook.test"


# --- Patterns -----------------------------------------------------------------------------------


def pattern_matches(pattern: str, event_type: str) -> bool:
    """`*` alone matches every event; a trailing `*` matches by prefix (`trial.*`)."""
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def endpoint_wants(patterns: Iterable[str], event_type: str) -> bool:
    return event_type != TEST_EVENT and any(pattern_matches(p, event_type) for p in patterns)


def wanted_types(patterns: Iterable[str]) -> set[str]:
    """The known event types the patterns match (the test event only ever goes to one)."""
    return {t for t in EVENT_TYPES if endpoint_wants(patterns, t)}


def alert_goes_by_webhook(event_type: str, data: Any) -> bool:
    """An `alert.*` event goes out only when its rule's channels include `webhook` (absent: yes)."""
    if not event_type.startswith("alert."):
        return True
    channels = data.get("channels") if isinstance(data, dict) else None
    return channels is None or "webhook" in channels


# --- Fan-out ------------------------------------------------------------------------------------


def fan_out(
    *, partner_ids: Iterable[int] | None = None, endpoint_ids: Iterable[int] | None = None
) -> int:
    """Make the deliveries owed for new events (see the module's docstring); answers how many."""
    endpoints = Endpoint.objects.filter(enabled=True)
    if partner_ids is not None:
        endpoints = endpoints.filter(partner_id__in=list(partner_ids))
    if endpoint_ids is not None:
        endpoints = endpoints.filter(pk__in=list(endpoint_ids))
    by_partner: dict[int, list[Endpoint]] = {}
    for endpoint in endpoints.only("pk", "partner_id", "events", "fanout_cursor"):
        by_partner.setdefault(endpoint.partner_id, []).append(endpoint)
    made = 0
    for partner_id, group in by_partner.items():
        made += _fan_out_partner(partner_id, group)
    return made


def _fan_out_partner(partner_id: int, endpoints: list[Endpoint]) -> int:
    now = clock.now()
    events = Event.objects.filter(partner_id=partner_id)
    new: list[Delivery] = []
    for endpoint in endpoints:
        # the endpoint's events above its cursor that have no delivery yet (an anti-join on the
        # unique (endpoint, event) index: the database skips what earlier passes made)
        owed = Delivery.objects.filter(endpoint_id=endpoint.pk, event_id=OuterRef("pk"))
        rows = list(
            events.filter(pk__gt=endpoint.fanout_cursor, type__in=wanted_types(endpoint.events))
            .exclude(Exists(owed))
            .order_by("pk")
            .values_list("pk", "type")
        )
        alert_ids = [pk for pk, kind in rows if kind.startswith("alert.")]
        data = dict(Event.objects.filter(pk__in=alert_ids).values_list("pk", "data"))
        new += [
            Delivery(endpoint_id=endpoint.pk, event_id=pk, next_attempt_at=now, created=now)
            for pk, kind in rows
            if alert_goes_by_webhook(kind, data.get(pk))
        ]
    if new:
        Delivery.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    low = min(e.fanout_cursor for e in endpoints)
    settled = events.filter(pk__gt=low, created__lt=now - FANOUT_SETTLE).aggregate(top=Max("pk"))[
        "top"
    ]
    if settled:
        Endpoint.objects.filter(pk__in=[e.pk for e in endpoints], fanout_cursor__lt=settled).update(
            fanout_cursor=settled
        )
    return len(new)


# --- Claiming and recording ---------------------------------------------------------------------


def _claim(
    endpoint_id: int, *, limit: int, only: list[int] | None = None
) -> tuple[str, list[Delivery]]:
    """Take up to `limit` due deliveries of an endpoint under a new lease (committed)."""
    now = clock.now()
    token = uuid.uuid4().hex
    until = now + LEASE
    due = Q(state__in=ACTIVE_STATES, next_attempt_at__lte=now)
    with transaction.atomic():
        qs = Delivery.objects.filter(due, endpoint_id=endpoint_id).order_by("next_attempt_at", "pk")
        if only is not None:
            qs = qs.filter(pk__in=only)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:limit])
        if not ids:
            return token, []
        Delivery.objects.filter(due, pk__in=ids).update(
            state=DeliveryState.DELIVERING, lease=token, locked_until=until, next_attempt_at=until
        )
    rows = Delivery.objects.filter(pk__in=ids, lease=token).select_related("event")
    return token, sorted(rows, key=lambda d: (d.next_attempt_at, d.pk))


def _renew(token: str, ids: list[int]) -> None:
    until = clock.now() + LEASE
    Delivery.objects.filter(pk__in=ids, lease=token, state=DeliveryState.DELIVERING).update(
        locked_until=until, next_attempt_at=until
    )


def _record(endpoint: Endpoint, token: str, outcomes: list[Outcome]) -> None:
    """Write the attempts and the deliveries' new states, on rows still under our lease."""
    if not outcomes:
        return
    by_id = {o.delivery_id: o for o in outcomes}
    with transaction.atomic():
        qs = Delivery.objects.filter(
            pk__in=list(by_id), lease=token, state=DeliveryState.DELIVERING
        )
        if connection.features.has_select_for_update:
            qs = qs.select_for_update()
        held = list(qs)
        attempts = []
        for delivery in held:
            o = by_id[delivery.pk]
            delivery.attempts += 1
            delivery.last_status = o.status_code
            delivery.last_error = o.error
            delivery.last_duration_ms = o.duration_ms
            delivery.last_attempt_at = o.at
            delivery.lease, delivery.locked_until = "", None
            if o.ok:
                delivery.state, delivery.next_attempt_at = DeliveryState.SUCCEEDED, None
            else:
                delivery.failures += 1
                if delivery.failures > len(RETRY_SCHEDULE):
                    delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
                else:
                    delivery.state = DeliveryState.PENDING
                    delivery.next_attempt_at = o.at + RETRY_SCHEDULE[delivery.failures - 1]
            attempts.append(
                Attempt(
                    delivery=delivery,
                    number=delivery.attempts,
                    at=o.at,
                    status_code=o.status_code,
                    error=o.error,
                    duration_ms=o.duration_ms,
                )
            )
        Delivery.objects.bulk_update(
            held,
            [
                "attempts",
                "failures",
                "state",
                "next_attempt_at",
                "lease",
                "locked_until",
                "last_status",
                "last_error",
                "last_duration_ms",
                "last_attempt_at",
            ],
        )
        Attempt.objects.bulk_create(attempts)
        if held:
            _health(endpoint, [by_id[d.pk] for d in held])


def _health(endpoint: Endpoint, outcomes: list[Outcome]) -> None:
    """Keep `failing_since`; disable an endpoint failing for DISABLE_AFTER and tell its admins."""
    ordered = sorted(outcomes, key=lambda o: o.at)
    last_ok = max((i for i, o in enumerate(ordered) if o.ok), default=-1)
    rows = Endpoint.objects.filter(pk=endpoint.pk)
    if last_ok == len(ordered) - 1:
        rows.filter(failing_since__isnull=False).update(failing_since=None)
        endpoint.failing_since = None
        return
    first_failure = ordered[last_ok + 1].at
    if last_ok >= 0:
        rows.update(failing_since=first_failure)
        endpoint.failing_since = first_failure
    else:
        rows.filter(failing_since__isnull=True).update(failing_since=first_failure)
        endpoint.failing_since = (
            Endpoint.objects.filter(pk=endpoint.pk).values_list("failing_since", flat=True).first()
        )
    now = ordered[-1].at
    if endpoint.failing_since is not None and now - endpoint.failing_since >= DISABLE_AFTER:
        disabled = rows.filter(enabled=True).update(
            enabled=False, disabled_reason=DisabledReason.FAILING, disabled_at=now, updated=now
        )
        if disabled:
            endpoint.enabled = False
            transaction.on_commit(lambda: tell_admins_disabled(endpoint.pk))


def tell_admins_disabled(endpoint_id: int) -> int:
    """E-mail the partner's people who manage webhooks, each in their language; answers how many
    e-mails were sent."""
    endpoint = Endpoint.objects.select_related("partner").filter(pk=endpoint_id).first()
    if endpoint is None:
        return 0
    people = User.objects.filter(partner_id=endpoint.partner_id, is_active=True).exclude(email="")
    recipients = [(p.email, p.language) for p in people if can(p, Action.MANAGE_WEBHOOKS)]
    base = getattr(settings, "PARTNERHUB_BASE_URL", "").rstrip("/")
    try:
        path = reverse("webhooks:endpoint", kwargs={"endpoint_id": endpoint.public_id})
    except NoReverseMatch:
        path = ""
    context = {
        "endpoint": endpoint,
        "partner": endpoint.partner,
        "days": DISABLE_AFTER.days,
        "link": base + path,
    }
    sent = 0
    for language, emails in by_language(recipients).items():
        with translation.override(language):
            subject = _("Webhook disabled: %(url)s") % {"url": endpoint.url[:120]}
            body = render_to_string("webhooks/disabled_email.txt", context)
        for email in emails:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
            sent += 1
    return sent


# --- Draining ---------------------------------------------------------------------------------


def drain_endpoint(endpoint_id: int, *, only: list[int] | None = None, refill: bool = True) -> int:
    """Deliver everything due to one endpoint (or only the deliveries `only`); answers how many
    attempts were made. With `refill`, new events are fanned out when the due ones run out."""
    sender = Sender()
    made = 0
    refilled = False
    try:
        while True:
            endpoint = Endpoint.objects.select_related("partner").filter(pk=endpoint_id).first()
            if endpoint is None or (not endpoint.enabled and only is None):
                break
            token, batch = _claim(endpoint_id, limit=BATCH, only=only)
            if not batch:
                if refill and not refilled and only is None and fan_out(endpoint_ids=[endpoint_id]):
                    refilled = True
                    continue
                break
            refilled = False
            made += _deliver_batch(sender, endpoint, token, batch)
            if only is not None:
                break
    finally:
        sender.close()
    return made


def _deliver_batch(sender: Sender, endpoint: Endpoint, token: str, batch: list[Delivery]) -> int:
    try:
        target: Any = sender.target_for(endpoint.url)
    except addresses.AddressRefused as exc:
        target = exc
    lease_end = clock.now() + LEASE
    outcomes: list[Outcome] = []
    flushed_at = time.monotonic()
    for i, delivery in enumerate(batch):
        if clock.now() + dt.timedelta(seconds=TIMEOUT_SECONDS + 5) >= lease_end:
            _renew(token, [d.pk for d in batch[i:]])
            lease_end = clock.now() + LEASE
        outcomes.append(sender.send(endpoint, delivery, endpoint.partner.ext_id, target))
        if time.monotonic() - flushed_at >= FLUSH_SECONDS:
            _record(endpoint, token, outcomes)
            outcomes, flushed_at = [], time.monotonic()
    _record(endpoint, token, outcomes)
    return len(batch)


def due_endpoint_ids(exclude: Iterable[int] = ()) -> list[int]:
    """Enabled endpoints with at least one due delivery."""
    rows = (
        Delivery.objects.filter(
            state__in=ACTIVE_STATES, next_attempt_at__lte=clock.now(), endpoint__enabled=True
        )
        .exclude(endpoint_id__in=list(exclude))
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
    return sorted(set(rows))


def next_due_at() -> dt.datetime | None:
    """When the next delivery of an enabled endpoint falls due (None: nothing waits)."""
    return (
        Delivery.objects.filter(state__in=ACTIVE_STATES, endpoint__enabled=True)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


def _in_thread(fn: Callable[..., int], *args: Any) -> int:
    """Run in a worker thread, with a database connection of its own closed afterwards."""
    try:
        return fn(*args)
    finally:
        connection.close()


class Dispatcher:
    """Keeps one worker per endpoint with due deliveries, each in a thread of a shared pool."""

    def __init__(self, max_workers: int = MAX_WORKERS) -> None:
        self.pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="webhooks")
        self.busy: dict[int, Future[int]] = {}
        self.attempts = 0
        self._lock = threading.Lock()
        self._fanned_at = 0.0

    def _reap(self) -> None:
        for endpoint_id, future in list(self.busy.items()):
            if future.done():
                del self.busy[endpoint_id]
                try:
                    self.attempts += future.result()
                except Exception:
                    log.exception("webhook worker for endpoint %s failed", endpoint_id)

    def dispatch(self) -> int:
        """Fan out, start a worker for each endpoint with due work and none yet; answers how many
        workers are busy."""
        with self._lock:
            self._reap()
            # workers fan out for their own endpoint when they run dry; this pass is for the rest
            if time.monotonic() - self._fanned_at >= FANOUT_EVERY:
                fan_out()
                self._fanned_at = time.monotonic()
            for endpoint_id in due_endpoint_ids(exclude=self.busy):
                self.busy[endpoint_id] = self.pool.submit(_in_thread, drain_endpoint, endpoint_id)
            return len(self.busy)

    def run_until_idle(self) -> int:
        """Deliver everything due now, then stop; answers how many attempts were made."""
        while self.dispatch():
            wait(list(self.busy.values()), timeout=0.5, return_when=FIRST_COMPLETED)
        return self.attempts

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)


def deliver_due(*, concurrent: bool = True) -> int:
    """Deliver everything due now and return (the command, the task); answers how many attempts
    were made. `concurrent=False` drains the endpoints one after another in this thread (tests
    inside a transaction)."""
    if not concurrent:
        fan_out()
        made = 0
        while ids := due_endpoint_ids():
            made += sum(drain_endpoint(endpoint_id) for endpoint_id in ids)
        return made
    dispatcher = Dispatcher()
    try:
        return dispatcher.run_until_idle()
    finally:
        dispatcher.shutdown()


def deliver_now(delivery: Delivery) -> Delivery:
    """Attempt one delivery in this thread (the test event); answers it as recorded."""
    drain_endpoint(delivery.endpoint_id, only=[delivery.pk], refill=False)
    return Delivery.objects.select_related("event").get(pk=delivery.pk)
