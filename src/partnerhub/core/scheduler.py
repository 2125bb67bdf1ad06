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

from partnerhub.analytics.tasks import snapshot_build_task
from partnerhub.calling.tasks import refresh_analytics_task
from partnerhub.core import clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    """A django-tasks Task enqueued at `hour`:00 UTC on `weekday` (0 = Monday … 6 = Sunday;
    None: every day)."""

    task: Task[Any, Any]
    weekday: int | None
    hour: int

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
]


def next_run(after: dt.datetime, weekday: int | None, hour: int) -> dt.datetime:
    """The first moment strictly after `after` at `hour`:00:00 UTC, on `weekday` (None: any day)."""
    base = after.replace(hour=hour, minute=0, second=0, microsecond=0)
    days = 0 if weekday is None else (weekday - after.weekday()) % 7
    candidate = base + dt.timedelta(days=days)
    if candidate <= after:
        candidate += dt.timedelta(days=1 if weekday is None else 7)
    return candidate


def _loop(job: ScheduledJob) -> None:
    while True:
        now = clock.now()
        due = next_run(now, job.weekday, job.hour)
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
