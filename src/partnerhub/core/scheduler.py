"""The in-process scheduler of the embedded default: enqueues weekly jobs through the tasks API.

At scale, every web node but one runs `partnerhub serve --no-scheduler`; the one that keeps its
scheduler enqueues into the shared queue that the `partnerhub db_worker` processes read. The wait
is wall-clock time (`clock.now()`: when to run), not the as-of date; the jobs themselves compute
as of `clock.today()`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from django_tasks.base import Task

from partnerhub.alerts.tasks import (
    evaluate_alerts_task,
    send_digests_task,
    token_expiry_notices_task,
)
from partnerhub.analytics.tasks import snapshot_build_task
from partnerhub.calling.tasks import refresh_analytics_task
from partnerhub.core import clock
from partnerhub.core.tasks import events_prune_task
from partnerhub.signins.tasks import sign_ins_prune_task

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    """A django-tasks Task enqueued at `hour`:`minute` UTC on `weekday` (0 = Monday … 6 = Sunday;
    None: every day)."""

    task: Task[Any, Any]
    weekday: int | None
    hour: int
    minute: int = 0

    @property
    def name(self) -> str:
        """The task's dotted path (the thread's name and the log's)."""
        return self.task.module_path


# Every scheduled job, by name: a task renamed or removed fails at import, not in silence.
SCHEDULE: list[ScheduledJob] = [
    # The calling rollups of the week that ended (docs/reference/metrics.md).
    ScheduledJob(refresh_analytics_task, weekday=6, hour=0),
    # Today's subscriptions analytics snapshot, so the first visitor of the day does not wait.
    ScheduledJob(snapshot_build_task, weekday=None, hour=0),
    # The daily evaluation of alerts (and of statuses moved by the date), after the refresh.
    ScheduledJob(evaluate_alerts_task, weekday=None, hour=0, minute=15),
    # The e-mailed digests of alerts (daily, and weekly on Mondays).
    ScheduledJob(send_digests_task, weekday=None, hour=7),
    # Events past their retention (docs/reference/events.md).
    ScheduledJob(events_prune_task, weekday=None, hour=3),
    # Sign-in records past their retention (SIGN_IN_RETENTION_DAYS).
    ScheduledJob(sign_ins_prune_task, weekday=None, hour=3, minute=30),
    # The e-mails about API tokens that expire within 14 days (once per token).
    ScheduledJob(token_expiry_notices_task, weekday=None, hour=6),
]


def next_run(after: dt.datetime, weekday: int | None, hour: int, minute: int = 0) -> dt.datetime:
    """The first moment strictly after `after` at `hour`:`minute`:00 UTC, on `weekday` (None: any
    day)."""
    base = after.replace(hour=hour, minute=minute, second=0, microsecond=0)
    days = 0 if weekday is None else (weekday - after.weekday()) % 7
    candidate = base + dt.timedelta(days=days)
    if candidate <= after:
        candidate += dt.timedelta(days=1 if weekday is None else 7)
    return candidate


def _loop(job: ScheduledJob) -> None:
    while True:
        now = clock.now()
        due = next_run(now, job.weekday, job.hour, job.minute)
        time.sleep(max(1.0, (due - now).total_seconds()))
        try:
            job.task.enqueue()
        except Exception:
            log.exception("scheduled task %s failed", job.name)


def start_scheduler() -> list[threading.Thread]:
    """Start one daemon thread per scheduled job."""
    threads = []
    for job in SCHEDULE:
        thread = threading.Thread(target=_loop, args=(job,), daemon=True, name=job.name)
        thread.start()
        threads.append(thread)
    return threads
