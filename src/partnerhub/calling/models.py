"""Weekly calling rollups (docs/reference/metrics.md#refresh), stored per refresh.

A refresh builds every rollup row under its own id inside one transaction and only then becomes
the current refresh of its week: a refresh that dies half-way leaves the previous one visible.
The page and the API read a few small queries over these rows, never the calls themselves.
One row per customer and week holds every figure, the endpoint types' included (one wide row
writes far faster than a row per endpoint type).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from partnerhub.activity.models import FEATURES, Endpoint


class RefreshStatus(models.TextChoices):
    """Outcome of a refresh run."""

    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Refresh(models.Model):
    """One run of the calling refresh: the rollups of the weeks W7 … W0 as of `as_of`."""

    as_of = models.DateField(_("as of"))
    # W0: the Sunday that starts the last completed week as of `as_of`.
    week_start = models.DateField(_("last completed week"))
    refreshed_at = models.DateTimeField(_("refreshed at"))
    duration_ms = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=RefreshStatus.choices)
    # The one refresh per W0 that pages read; flipped at the very end of a successful run.
    is_current = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    # Seconds per step of the run, for the operator (and bench/bench_calling_refresh.py).
    timings = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("calling analytics refresh")
        verbose_name_plural = _("calling analytics refreshes")
        constraints = [
            models.UniqueConstraint(
                fields=["week_start"],
                condition=models.Q(is_current=True),
                name="calling_one_current_refresh_per_week",
            )
        ]
        indexes = [models.Index(fields=["week_start", "is_current"])]

    def __str__(self) -> str:
        return f"{self.week_start} ({self.status})"


class CustomerWeek(models.Model):
    """One customer in calling scope in one week of a refresh, with every per-customer figure.

    Counts and sums only: ratios are derived when read, so partners' totals add up exactly.
    """

    # Derived rows written in bulk by the refresh: no database-level FK checks (each would be a
    # deferred trigger per row at commit) and no FK indexes (the unique key leads with refresh);
    # deleting a customer or a refresh still cascades, through the ORM.
    refresh = models.ForeignKey(
        Refresh, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    week = models.DateField()
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    calling_licenses = models.PositiveIntegerField(default=0)
    queues = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    prev_calls = models.PositiveIntegerField(default=0)  # the week before, for calls_change_pct
    duration_s = models.FloatField(default=0)
    poor_calls = models.PositiveIntegerField(default=0)
    active_users = models.PositiveIntegerField(default=0)
    users_none = models.PositiveIntegerField(default=0)
    users_low = models.PositiveIntegerField(default=0)
    users_medium = models.PositiveIntegerField(default=0)
    users_high = models.PositiveIntegerField(default=0)
    worst_endpoint = models.CharField(max_length=20, choices=Endpoint.choices, null=True)
    queue_calls = models.PositiveIntegerField(default=0)
    queue_answered = models.PositiveIntegerField(default=0)
    queue_abandoned = models.PositiveIntegerField(default=0)
    wait_answered_s = models.FloatField(default=0)
    wait_abandoned_s = models.FloatField(default=0)
    feature_call_queue = models.PositiveIntegerField(default=0)
    feature_hunt_group = models.PositiveIntegerField(default=0)
    feature_auto_attendant = models.PositiveIntegerField(default=0)
    feature_transfer = models.PositiveIntegerField(default=0)
    feature_call_park = models.PositiveIntegerField(default=0)
    feature_call_pickup = models.PositiveIntegerField(default=0)
    feature_voicemail = models.PositiveIntegerField(default=0)
    feature_conference = models.PositiveIntegerField(default=0)
    feature_call_recording = models.PositiveIntegerField(default=0)
    # Calls and poor calls by endpoint type (the week's "call quality by endpoint type").
    calls_webex_app_desktop = models.PositiveIntegerField(default=0)
    poor_webex_app_desktop = models.PositiveIntegerField(default=0)
    calls_webex_app_mobile = models.PositiveIntegerField(default=0)
    poor_webex_app_mobile = models.PositiveIntegerField(default=0)
    calls_webex_app_web = models.PositiveIntegerField(default=0)
    poor_webex_app_web = models.PositiveIntegerField(default=0)
    calls_ip_phone = models.PositiveIntegerField(default=0)
    poor_ip_phone = models.PositiveIntegerField(default=0)
    calls_room_device = models.PositiveIntegerField(default=0)
    poor_room_device = models.PositiveIntegerField(default=0)
    calls_analog_adapter = models.PositiveIntegerField(default=0)
    poor_analog_adapter = models.PositiveIntegerField(default=0)
    calls_third_party = models.PositiveIntegerField(default=0)
    poor_third_party = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["refresh", "week", "customer"], name="calling_uniq_customer_week"
            )
        ]


# Every feature and endpoint type of the dataset has its columns above (checked here, at import).
assert all(hasattr(CustomerWeek, f"feature_{name}") for name in FEATURES)
assert all(
    hasattr(CustomerWeek, f"calls_{e}") and hasattr(CustomerWeek, f"poor_{e}")
    for e in Endpoint.values
)
