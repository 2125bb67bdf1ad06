"""What customers' users do: meetings, calls and call queues, and the daily usage derived from them.

Calls and meetings are the largest tables (millions of rows): integer keys, the source id under a
unique index, a stored `week` (the Sunday that starts the call's week) for weekly rollups.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Endpoint(models.TextChoices):
    WEBEX_APP_DESKTOP = "webex_app_desktop", _("Webex App (desktop)")
    WEBEX_APP_MOBILE = "webex_app_mobile", _("Webex App (mobile)")
    WEBEX_APP_WEB = "webex_app_web", _("Webex App (web)")
    IP_PHONE = "ip_phone", _("IP phone")
    ROOM_DEVICE = "room_device", _("Room device")
    ANALOG_ADAPTER = "analog_adapter", _("Analog adapter")
    THIRD_PARTY = "third_party", _("Third-party device")


# A small integer per endpoint type, stored beside the text (`Call.endpoint_code`): the calling
# refresh counts calls per type with integer comparisons, which cost a tenth of a second less over
# 5,000,000 calls than text ones (bench/bench_calling_refresh.py). Append new types at the end.
ENDPOINT_CODES: dict[str, int] = {value: code for code, value in enumerate(Endpoint.values)}


class CallType(models.TextChoices):
    WEBEX_CALLING = "webex_calling", _("Webex Calling")
    CALL_ON_WEBEX = "call_on_webex", _("Call on Webex")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")
    INTERNAL = "internal", _("Internal")


class QueueOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    OVERFLOW = "overflow", _("Overflow")
    ABANDONED = "abandoned", _("Abandoned")
    VOICEMAIL = "voicemail", _("Voicemail")


# Call features are stored as a bit mask so one pass can count every feature.
FEATURES: tuple[str, ...] = (
    "call_queue",
    "hunt_group",
    "auto_attendant",
    "transfer",
    "call_park",
    "call_pickup",
    "voicemail",
    "conference",
    "call_recording",
)
FEATURE_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(FEATURES)}


def features_to_mask(names: list[str]) -> int:
    """Bit mask of a list of feature names."""
    mask = 0
    for name in names:
        mask |= FEATURE_BITS[name]
    return mask


def mask_to_features(mask: int) -> list[str]:
    """Feature names of a bit mask."""
    return [name for name, bit in FEATURE_BITS.items() if mask & bit]


class CallQueue(models.Model):
    """A Webex Calling call queue; a customer with one has the call-queue feature."""

    ext_id = models.CharField(_("id"), max_length=64, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="call_queues"
    )
    name = models.CharField(_("name"), max_length=200)

    def __str__(self) -> str:
        return self.name


class Call(models.Model):
    """One call made or received by a customer user."""

    ext_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("customers.CustomerUser", on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    week = models.DateField()
    duration_s = models.FloatField()
    endpoint = models.CharField(max_length=20, choices=Endpoint.choices)
    # Computed by the database from `endpoint` (written by no one else; NULL for an unknown type).
    endpoint_code = models.GeneratedField(
        expression=models.Case(
            *(
                models.When(endpoint=value, then=models.Value(code))
                for value, code in ENDPOINT_CODES.items()
            ),
            output_field=models.SmallIntegerField(),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    call_type = models.CharField(max_length=16, choices=CallType.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    mos = models.FloatField(null=True)
    jitter_ms = models.FloatField(null=True)
    loss_pct = models.FloatField(null=True)
    latency_ms = models.FloatField(null=True)
    features = models.IntegerField(default=0)
    queue = models.ForeignKey(CallQueue, null=True, on_delete=models.SET_NULL, related_name="+")
    queue_wait_s = models.FloatField(null=True)
    queue_outcome = models.CharField(max_length=10, choices=QueueOutcome.choices, null=True)

    class Meta:
        indexes = [
            models.Index(fields=["week", "customer"]),
            models.Index(fields=["user", "start"]),
        ]


class Meeting(models.Model):
    """A meeting hosted by a customer user."""

    ext_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    host = models.ForeignKey("customers.CustomerUser", on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    duration_s = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["customer", "start"])]


class MeetingParticipant(models.Model):
    """A customer user who took part in a meeting (the host is not repeated here)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey("customers.CustomerUser", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="uniq_meeting_participant")
        ]


class UsageDay(models.Model):
    """A day a customer user used a product (docs/reference/rules.md#usage); derived by the loader.

    used7/used90 become an EXISTS over a narrow index instead of a scan of calls and meetings.
    """

    user = models.ForeignKey("customers.CustomerUser", on_delete=models.CASCADE, related_name="+")
    product = models.CharField(max_length=32)
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "product", "day"], name="uniq_usage_day")
        ]


class UserCallWeek(models.Model):
    """How many `webex_calling` calls one customer user made or received in one week: derived.

    The loader keeps it in step with the calls (per chunk, as deltas of the calls it adds and
    replaces; in one pass after a load that dwarfs the tables), so that the weekly calling refresh
    counts users by call volume from about a million narrow rows instead of grouping every call
    by user. The refresh checks it against the calls' own per customer-week totals and repairs the
    customer-weeks that differ (calls written by other means than the loader).
    """

    # Derived rows written in bulk: no database-level FK checks (each would be a deferred
    # trigger per row at commit) and no FK indexes (the unique key and the index below lead
    # with them); deleting a customer or a user still cascades, through the ORM.
    week = models.DateField()
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    user = models.ForeignKey(
        "customers.CustomerUser",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    calls = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "customer", "user"], name="activity_uniq_user_call_week"
            )
        ]
        # The refresh looks up the weeks of the few users not licensed in all of them (a
        # nested loop over this index, answered from the index alone on PostgreSQL: 0.03 s
        # instead of 0.15 s for a scan of the weeks at 5,000,000 calls).
        indexes = [
            models.Index(
                fields=["user", "week"],
                include=["customer", "calls"],
                name="activity_callweek_user_week",
            )
        ]
