"""Webhook endpoints, their deliveries of events and each attempt (docs/reference/events.md)."""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_endpoint_id() -> str:
    """A public endpoint id: `wh_` + 20 random base-32 characters."""
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    return "wh_" + "".join(secrets.choice(alphabet) for _ in range(20))


def new_secret() -> str:
    """A signing secret in the Standard Webhooks format: `whsec_` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


class DisabledReason(models.TextChoices):
    BY_HAND = "by_hand", _("Disabled by an administrator")
    FAILING = "failing", _("Disabled after failing for 5 days")


class Endpoint(models.Model):
    """A partner's receiver of events: the URL, the event patterns it wants and its secret."""

    public_id = models.CharField(max_length=40, unique=True, default=new_endpoint_id)
    partner = models.ForeignKey("accounts.Partner", on_delete=models.CASCADE, related_name="+")
    url = models.CharField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True, default="")
    # Event types or `prefix.*` patterns ("*": every event), e.g. ["trial.*", "alert.opened"].
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100, default=new_secret)
    # After a rotation the old secret keeps signing too (both signatures sent) until it expires.
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_expires = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(
        max_length=20, choices=DisabledReason.choices, blank=True, default=""
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Since when every attempt has failed (None: the last attempt succeeded, or none yet).
    failing_since = models.DateTimeField(null=True, blank=True)
    # The fan-out cursor: every event of the partner with an id up to this one has been
    # considered for this endpoint (webhooks/fanout.py explains why it trails the newest).
    fanout_cursor = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["partner", "-created"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.url}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERING = "delivering", _("Delivering")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


# The states in which a delivery is due once `next_attempt_at` has passed (a `delivering` one
# whose lease ran out: its worker died).
ACTIVE_STATES = (DeliveryState.PENDING, DeliveryState.DELIVERING)


class Delivery(models.Model):
    """One event to one endpoint, attempted until it succeeds or the retry schedule ends."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("core.Event", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    # Attempts made in all, and failed ones in a row since the last retry by hand (the index
    # into the retry schedule).
    attempts = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    # When the delivery is due: the next attempt, or the end of a running attempt's lease.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease = models.CharField(max_length=32, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhooks_delivery_once")
        ]
        indexes = [
            # the due query: active deliveries of an endpoint by due time
            models.Index(
                fields=["endpoint", "next_attempt_at"],
                condition=Q(state__in=["pending", "delivering"]),
                name="webhooks_delivery_due",
            ),
            models.Index(fields=["endpoint", "-created", "-id"], name="webhooks_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.state})"


class Attempt(models.Model):
    """One HTTP attempt of a delivery: its answer's status code, or the error."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["delivery", "-at"])]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
