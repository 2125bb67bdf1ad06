"""Background jobs a person started (a large ingest, bulk actions): state, progress, outcome.

The work itself runs as a django-tasks task (settings.TASKS); this row is what the person polls
(`GET /api/v1/jobs/{id}`), so it outlives the task backend's own records and is scoped to a partner.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.models import Partner


class JobState(models.TextChoices):
    """Where a job is: waiting for a worker, running, finished, or given up."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def new_public_id() -> str:
    """A public id that says nothing about how many jobs exist: `job_` and 16 random bytes."""
    return "job_" + secrets.token_urlsafe(16)


class Job(models.Model):
    """One background job of a partner: what it is, how far it got, and what came out."""

    public_id = models.CharField(max_length=40, unique=True, default=new_public_id)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    kind = models.CharField(max_length=40)
    state = models.CharField(max_length=8, choices=JobState.choices, default=JobState.QUEUED)
    # What the task needs to run (never shown through the API).
    params = models.JSONField(default=dict, blank=True)
    total = models.PositiveBigIntegerField(null=True, blank=True)  # null: not known yet
    done = models.PositiveBigIntegerField(default=0)
    results = models.JSONField(default=list, blank=True)  # one outcome per item (bulk actions)
    result = models.JSONField(null=True, blank=True)  # the summary, as a synchronous answer
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.kind}, {self.state})"
