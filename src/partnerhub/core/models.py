"""The audit trail (every change a person makes, with before and after values) and the event
outbox (every change, for webhooks and alerts)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who did what, when, to which object, with the values before and after."""

    partner = models.ForeignKey(
        "accounts.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=128)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # True when a partner admin acted inside a customer's organization on its behalf.
    on_behalf = models.BooleanField(default=False)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["partner", "-at"]),
            models.Index(fields=["customer", "-at"]),
            # "When did this happen last?" (e.g. the interval between people's calling refreshes).
            models.Index(fields=["action", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


def new_event_id() -> str:
    """A unique, stable event id (`evt_` + 26 random base-32 characters): consumers de-duplicate
    on it (docs/reference/events.md#events)."""
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    return "evt_" + "".join(secrets.choice(alphabet) for _ in range(26))


class Event(models.Model):
    """One change, written in the transaction of the change: the outbox that webhooks deliver,
    alerts are opened from and the Events page lists (docs/reference/events.md)."""

    public_id = models.CharField(max_length=40, unique=True, default=new_event_id)
    type = models.CharField(_("type"), max_length=64)
    created = models.DateTimeField(_("created"), default=timezone.now)
    partner = models.ForeignKey("accounts.Partner", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as written: the payload names the customer and the actor even after they are gone.
    customer_ext_id = models.CharField(max_length=64, blank=True, default="")
    actor_email = models.CharField(max_length=254, blank=True, default="")
    # Dates and decimals as the API writes them (ISO 8601 strings, numbers as strings).
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["partner", "-created"]),
            models.Index(fields=["partner", "type", "-created"]),
            models.Index(fields=["customer", "-created"]),
            models.Index(fields=["created"]),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"

    def payload(self, partner_ext_id: str) -> dict[str, object]:
        """The event as webhooks send it and the Events page shows it."""
        return {
            "id": self.public_id,
            "type": self.type,
            "created": self.created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "partner_id": partner_ext_id,
            "customer_id": self.customer_ext_id or None,
            "actor": self.actor_email or None,
            "data": self.data,
        }
