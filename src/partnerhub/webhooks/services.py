"""Writes of webhooks (docs/reference/events.md#webhooks): register, change, rotate, delete,
retry and test endpoints. Each checks the policy itself, writes in one transaction and is
audited (never with the secret)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from partnerhub.accounts.policy import Action, require
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.events import EVENT_TYPES, emit_event
from partnerhub.core.models import Event
from partnerhub.webhooks import addresses
from partnerhub.webhooks.delivery import ROTATION_OVERLAP, TEST_EVENT, deliver_now, pattern_matches
from partnerhub.webhooks.models import (
    Delivery,
    DeliveryState,
    DisabledReason,
    Endpoint,
    new_secret,
)

MAX_ENDPOINTS = 20
MAX_PATTERNS = 50
DESCRIPTION_MAX = 200
URL_MAX = 2000


def _state(endpoint: Endpoint) -> dict[str, Any]:
    """What the audit trail keeps of an endpoint (no secret)."""
    return {
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
    }


def clean_url(url: Any) -> str:
    """The URL if webhooks may use it now (resolved and checked), else ValidationError on `url`."""
    text = str(url or "").strip()
    if not text:
        raise ValidationError({"url": [_("Enter the receiver's URL.")]})
    if len(text) > URL_MAX:
        raise ValidationError({"url": [_("At most %(n)s characters.") % {"n": URL_MAX}]})
    try:
        addresses.check(text)
    except addresses.AddressRefused as exc:
        raise ValidationError({"url": [str(exc)]}) from exc
    return text


def clean_events(patterns: Any) -> list[str]:
    """Known event types or `prefix.*` patterns that match at least one, without repeats."""
    if not isinstance(patterns, list | tuple) or not patterns:
        raise ValidationError({"events": [_("Choose at least one event.")]})
    if len(patterns) > MAX_PATTERNS:
        raise ValidationError({"events": [_("At most %(n)s patterns.") % {"n": MAX_PATTERNS}]})
    cleaned: list[str] = []
    for raw in patterns:
        pattern = str(raw).strip()
        known = pattern in EVENT_TYPES or (
            pattern.endswith("*") and any(pattern_matches(pattern, t) for t in EVENT_TYPES)
        )
        if not known or pattern == TEST_EVENT:
            raise ValidationError(
                {"events": [_("%(pattern)s is no event type or pattern.") % {"pattern": pattern}]}
            )
        if pattern not in cleaned:
            cleaned.append(pattern)
    return cleaned


def clean_description(text: Any) -> str:
    value = str(text or "").strip()
    if len(value) > DESCRIPTION_MAX:
        raise ValidationError(
            {"description": [_("At most %(n)s characters.") % {"n": DESCRIPTION_MAX}]}
        )
    return value


def _newest_event_id(partner_id: int) -> int:
    return Event.objects.filter(partner_id=partner_id).aggregate(top=Max("pk"))["top"] or 0


def endpoint_create(*, user: Any, url: Any, events: Any, description: Any = "") -> Endpoint:
    """Register an endpoint for the person's partner; `endpoint.secret` is shown once."""
    require(user, Action.MANAGE_WEBHOOKS)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for field, clean, raw in (
        ("url", clean_url, url),
        ("events", clean_events, events),
        ("description", clean_description, description),
    ):
        try:
            values[field] = clean(raw)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if Endpoint.objects.filter(partner_id=user.partner_id).count() >= MAX_ENDPOINTS:
            raise ValidationError(
                {"url": [_("A partner has at most %(n)s webhooks.") % {"n": MAX_ENDPOINTS}]}
            )
        now = clock.now()
        endpoint = Endpoint.objects.create(
            partner_id=user.partner_id,
            created_by=user,
            created=now,
            updated=now,
            fanout_cursor=_newest_event_id(user.partner_id),
            **values,
        )
        audit_record(
            actor=user,
            action="webhook.create",
            obj_type="webhook",
            obj_id=endpoint.public_id,
            partner=user.partner,
            after=_state(endpoint),
        )
    return endpoint


def endpoint_update(
    *,
    user: Any,
    endpoint: Endpoint,
    url: Any = None,
    events: Any = None,
    description: Any = None,
    enabled: bool | None = None,
) -> Endpoint:
    """Change what is given (None: unchanged). Enabling starts from now: events written while an
    endpoint was disabled are not sent."""
    require(user, Action.MANAGE_WEBHOOKS)
    before = _state(endpoint)
    errors: dict[str, list[str]] = {}
    for field, clean, raw in (
        ("url", clean_url, url),
        ("events", clean_events, events),
        ("description", clean_description, description),
    ):
        if raw is None or (field == "url" and str(raw).strip() == endpoint.url):
            continue
        try:
            setattr(endpoint, field, clean(raw))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    with transaction.atomic():
        if enabled is True and not endpoint.enabled:
            endpoint.enabled = True
            endpoint.disabled_reason, endpoint.disabled_at = "", None
            endpoint.failing_since = None
            endpoint.fanout_cursor = _newest_event_id(endpoint.partner_id)
        elif enabled is False and endpoint.enabled:
            endpoint.enabled = False
            endpoint.disabled_reason, endpoint.disabled_at = DisabledReason.BY_HAND, now
        after = _state(endpoint)
        if after == before:
            return endpoint
        endpoint.updated = now
        endpoint.save()
        audit_record(
            actor=user,
            action="webhook.update",
            obj_type="webhook",
            obj_id=endpoint.public_id,
            partner=user.partner,
            before=before,
            after=after,
        )
    return endpoint


def endpoint_delete(*, user: Any, endpoint: Endpoint) -> None:
    """Delete an endpoint with its deliveries and their log."""
    require(user, Action.MANAGE_WEBHOOKS)
    with transaction.atomic():
        audit_record(
            actor=user,
            action="webhook.delete",
            obj_type="webhook",
            obj_id=endpoint.public_id,
            partner=user.partner,
            before=_state(endpoint),
        )
        endpoint.delete()


def endpoint_rotate_secret(*, user: Any, endpoint: Endpoint) -> Endpoint:
    """A new secret (shown once); the old one keeps signing too for 24 hours."""
    require(user, Action.MANAGE_WEBHOOKS)
    now = clock.now()
    with transaction.atomic():
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires = now + ROTATION_OVERLAP
        endpoint.secret = new_secret()
        endpoint.updated = now
        endpoint.save(
            update_fields=["previous_secret", "previous_secret_expires", "secret", "updated"]
        )
        audit_record(
            actor=user,
            action="webhook.rotate_secret",
            obj_type="webhook",
            obj_id=endpoint.public_id,
            partner=user.partner,
            after={"previous_secret_expires": endpoint.previous_secret_expires.isoformat()},
        )
    return endpoint


def delivery_retry(*, user: Any, delivery: Delivery) -> Delivery:
    """Send a failed delivery again, through the whole retry schedule (the worker sends it)."""
    require(user, Action.MANAGE_WEBHOOKS)
    if delivery.state != DeliveryState.FAILED:
        raise ValidationError({"delivery": [_("Only a failed delivery can be retried.")]})
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.FAILED).update(
        state=DeliveryState.PENDING, failures=0, next_attempt_at=clock.now()
    )
    delivery.refresh_from_db()
    return delivery


def endpoint_test(*, user: Any, endpoint: Endpoint) -> Delivery:
    """Write a `webhook.test` event for this endpoint only and deliver it now; answers the
    delivery with its attempt."""
    require(user, Action.MANAGE_WEBHOOKS)
    now = clock.now()
    with transaction.atomic():
        event = emit_event(
            TEST_EVENT,
            partner_id=endpoint.partner_id,
            data={"webhook_id": endpoint.public_id, "url": endpoint.url},
            actor=user,
        )
        delivery = Delivery.objects.create(
            endpoint=endpoint, event=event, next_attempt_at=now, created=now
        )
    return deliver_now(delivery)
