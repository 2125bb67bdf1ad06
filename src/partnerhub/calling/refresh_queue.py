"""Calling refreshes that people ask for ("Refresh now"): queued once, and spaced out.

A refresh recomputes every partner's rollups (seconds to minutes at scale) and any partner full
administrator may ask for one, so: while a refresh is queued or running a request starts no
other one (and says so), and refreshes started by people are at least
CALLING_REFRESH_MIN_INTERVAL_S apart (`RefreshTooSoon`, answered 429). The weekly scheduler
enqueues `refresh_analytics_task` itself and is exempt.

Each request is recorded as its audit row (`calling.refresh_requested`), which is also what the
interval is measured from. Requests are serialised (an advisory lock on PostgreSQL, SQLite's
IMMEDIATE transactions), so two at the same moment cannot both start one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from partnerhub.calling.services import ADVISORY_LOCK_KEY as REFRESH_LOCK_KEY
from partnerhub.calling.tasks import refresh_analytics_task
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.models import AuditEvent

REQUESTED = "calling.refresh_requested"
REQUEST_LOCK_KEY = 0x43524551  # "CREQ": serialises people's requests (PostgreSQL)
# A queued or running refresh task older than this is presumed lost (a worker killed with it)
# and no longer blocks a new request.
STALE_AFTER = dt.timedelta(hours=1)


class RefreshTooSoon(Exception):
    """People started a refresh less than CALLING_REFRESH_MIN_INTERVAL_S ago."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after  # seconds


@dataclass(frozen=True)
class RefreshRequestOutcome:
    """Whether the request started a refresh, and what to tell the person."""

    started: bool
    message: str


def _refresh_in_progress(now: dt.datetime) -> bool:
    """A refresh running now (it holds its advisory lock, PostgreSQL) or queued for the database
    task workers and not finished."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Taken, the lock is ours until this short transaction ends; held, a refresh runs.
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [REFRESH_LOCK_KEY])
            if not cursor.fetchone()[0]:
                return True
    return DBTaskResult.objects.filter(
        task_path=refresh_analytics_task.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        enqueued_at__gte=now - STALE_AFTER,
    ).exists()


def calling_refresh_request(*, actor: Any, as_of: dt.date) -> RefreshRequestOutcome:
    """A person asks for a refresh as of `as_of`: started (audited, then handed to the tasks
    backend) unless one is queued or running; RefreshTooSoon when people started
    one less than CALLING_REFRESH_MIN_INTERVAL_S ago."""
    interval = dt.timedelta(seconds=settings.CALLING_REFRESH_MIN_INTERVAL_S)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REQUEST_LOCK_KEY])
        now = clock.now()
        if _refresh_in_progress(now):
            return RefreshRequestOutcome(
                False,
                _(
                    "A refresh of calling analytics is already queued or running (it refreshes "
                    "every customer); no other one was started. The page shows its figures when "
                    "it is done."
                ),
            )
        last = (
            AuditEvent.objects.filter(action=REQUESTED, at__gt=now - interval)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        if last is not None:
            free_at = last + interval
            minutes = max(1, interval.seconds // 60 + interval.days * 1440)
            raise RefreshTooSoon(
                ngettext(
                    "Calling analytics were last refreshed on request at %(last)s UTC; a refresh "
                    "can be started at most every %(minutes)d minute, so the next one after "
                    "%(next)s UTC.",
                    "Calling analytics were last refreshed on request at %(last)s UTC; a refresh "
                    "can be started at most every %(minutes)d minutes, so the next one after "
                    "%(next)s UTC.",
                    minutes,
                )
                % {
                    "last": f"{last.astimezone(dt.UTC):%H:%M}",
                    "minutes": minutes,
                    "next": f"{free_at.astimezone(dt.UTC):%H:%M}",
                },
                max(1, int((free_at - now).total_seconds()) + 1),
            )
        audit_record(
            actor=actor,
            action=REQUESTED,
            obj_type="calling_refresh",
            obj_id=as_of.isoformat(),
            after={"as_of": as_of.isoformat()},
        )
    # After the commit: the request is on record before the refresh (which, with the embedded
    # tasks backend, runs right here) starts.
    refresh_analytics_task.enqueue(as_of=as_of.isoformat())
    return RefreshRequestOutcome(
        True, _("The refresh of calling analytics as of %(day)s was started.") % {"day": as_of}
    )
