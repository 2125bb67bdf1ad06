"""Alert rules, the alerts they open, their history and comments, and the digests sent
(docs/reference/events.md#alert-rules-and-alerts, #digests)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    """The kinds of rule, in the order of the contract's table."""

    TRIAL_EXPIRING = "trial_expiring", _("Trial expiring")
    SUBSCRIPTION_EXPIRING = "subscription_expiring", _("Subscription expiring")
    LICENSE_OVERAGE = "license_overage", _("License overage")
    SUSPENDED = "suspended", _("Suspended")
    NO_RECENT_ACTIVITY = "no_recent_activity", _("No recent activity")
    SETUP_PENDING = "setup_pending", _("Set-up pending")
    LOW_ASSIGNMENT = "low_assignment", _("Low license assignment")
    POOR_CALL_QUALITY = "poor_call_quality", _("Poor call quality")
    QUEUE_ABANDONMENT = "queue_abandonment", _("Queue abandonment")


class Severity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


# Per kind: the default threshold (None: the kind has none) and the severity of its alerts.
RULE_DEFAULTS: dict[str, tuple[int | None, str]] = {
    RuleKind.TRIAL_EXPIRING: (14, Severity.MEDIUM),
    RuleKind.SUBSCRIPTION_EXPIRING: (30, Severity.MEDIUM),
    RuleKind.LICENSE_OVERAGE: (None, Severity.HIGH),
    RuleKind.SUSPENDED: (None, Severity.HIGH),
    RuleKind.NO_RECENT_ACTIVITY: (None, Severity.LOW),
    RuleKind.SETUP_PENDING: (7, Severity.MEDIUM),
    RuleKind.LOW_ASSIGNMENT: (None, Severity.LOW),
    RuleKind.POOR_CALL_QUALITY: (10, Severity.MEDIUM),
    RuleKind.QUEUE_ABANDONMENT: (20, Severity.MEDIUM),
}


class Scope(models.TextChoices):
    ALL = "all", _("All customers")
    TAG = "tag", _("Customers with a tag")
    SAVED_FILTER = "saved_filter", _("Customers of a saved filter")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


def default_channels() -> list[str]:
    return [Channel.IN_APP.value]


class AlertRule(models.Model):
    """One partner's rule of one kind; created with the defaults the first time it is read."""

    partner = models.ForeignKey(
        "accounts.Partner", on_delete=models.CASCADE, related_name="alert_rules"
    )
    kind = models.CharField(_("rule"), max_length=32, choices=RuleKind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Days (expiring, set-up pending) or a percentage (call quality, abandonment); None: no
    # threshold for this kind.
    threshold = models.PositiveIntegerField(_("threshold"), null=True, blank=True)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.ALL)
    # A tag exists only while a customer carries it, so the rule keeps the tag's name.
    scope_tag = models.CharField(_("tag"), max_length=25, blank=True, default="")
    scope_filter = models.ForeignKey(
        "customers.SavedFilter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("saved filter"),
    )
    # People of the partner told of its alerts (digests, e-mail); none: everyone in scope.
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("recipients")
    )
    channels = models.JSONField(_("channels"), default=default_channels)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        constraints = [
            models.UniqueConstraint(fields=["partner", "kind"], name="alerts_one_rule_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.kind}"


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


UNRESOLVED = (AlertState.OPEN.value, AlertState.ACKNOWLEDGED.value)


def new_alert_id() -> str:
    """A public alert id: `alr_` + 20 random base-32 characters."""
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    return "alr_" + "".join(secrets.choice(alphabet) for _ in range(20))


class Alert(models.Model):
    """One (rule kind, customer, item or none) while its condition holds."""

    public_id = models.CharField(max_length=32, unique=True, default=new_alert_id)
    partner = models.ForeignKey("accounts.Partner", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("rule"), max_length=32, choices=RuleKind.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="alerts"
    )
    item = models.ForeignKey(
        "subscriptions.Item", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=AlertState.choices, default=AlertState.OPEN
    )
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    opened = models.DateTimeField(_("opened"))
    # The as-of date of the evaluation that opened it.
    opened_on = models.DateField()
    resolved = models.DateTimeField(_("resolved"), null=True, blank=True)
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    # The figures that opened it (the summary sentence is written from them when read).
    detail = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-opened", "-id"]
        constraints = [
            models.UniqueConstraint(
                "kind",
                "customer",
                Coalesce("item", Value(0)),
                condition=~Q(state="resolved"),
                name="alerts_one_unresolved_per_subject",
            )
        ]
        indexes = [
            models.Index(fields=["partner", "state", "-opened"]),
            models.Index(fields=["customer", "state"]),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_resolved(self) -> bool:
        return self.state == AlertState.RESOLVED


class AlertChange(models.Model):
    """One step of an alert's history: opened, acknowledged, assigned, snoozed, resolved."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    what = models.CharField(max_length=16)
    # The new value where there is one (an assignee's e-mail, a snooze date).
    value = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.what}"


class AlertComment(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"))
    created = models.DateTimeField()

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.body[:40]}"


class DigestSent(models.Model):
    """A digest e-mailed to a person for a period (`2026-12-07` daily, `2026-W49` weekly): at most
    one per person and period, however often the command runs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=10)
    sent_at = models.DateTimeField()
    alerts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="alerts_one_digest_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.period}"
