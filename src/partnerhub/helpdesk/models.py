"""Partner Helpdesk cases: the thread with the operator's helpdesk team, and its history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Area(models.TextChoices):
    CALLING = "calling", _("Webex Calling")
    CONTACT_CENTER = "contact_center", _("Contact Center")


class Severity(models.IntegerChoices):
    """What each severity means (shown beside the choice on the case form)."""

    S1 = 1, _("1 — Service down for many users")
    S2 = 2, _("2 — Major function impaired")
    S3 = 3, _("3 — Minor issue, or a workaround exists")
    S4 = 4, _("4 — Question or request")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_ON_PARTNER = "waiting_on_partner", _("Waiting on partner")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_PARTNER)


class Case(models.Model):
    """A partner's request to the Partner Helpdesk; `number` is what people quote."""

    number = models.CharField(_("number"), max_length=20, unique=True, null=True, editable=False)
    partner = models.ForeignKey(
        "accounts.Partner", on_delete=models.CASCADE, related_name="helpdesk_cases"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helpdesk_cases",
        verbose_name=_("customer"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        limit_choices_to={"is_helpdesk": True, "partner__isnull": True},
        verbose_name=_("assignee"),
    )
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("helpdesk case")
        verbose_name_plural = _("helpdesk cases")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "status", "-updated_at"]),
            models.Index(fields=["status", "-updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Comment(models.Model):
    """One message of a case's thread, from the partner or the helpdesk team."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whether the author wrote as the helpdesk team (kept even if the person changes later).
    by_helpdesk = models.BooleanField(default=False)
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.body[:40]}"


class StatusChange(models.Model):
    """One step of a case's status history (the opening is the first, from nothing to new)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CaseStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status or '-'} → {self.to_status}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored under MEDIA_ROOT by case, under a random name (the original name is kept aside)."""
    return f"helpdesk/{instance.case_id}/{filename}"


class Attachment(models.Model):
    """A file attached to a case (or to one of its comments); served only through a checked view."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name
