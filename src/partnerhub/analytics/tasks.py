"""Background work of the analytics app, through Django's tasks API (settings.TASKS)."""

from __future__ import annotations

from django_tasks import task

from partnerhub.analytics.services import snapshot_build
from partnerhub.core import clock


@task()
def snapshot_build_task(as_of: str | None = None) -> str:
    """Build today's subscriptions-analytics snapshot (scheduled daily 00:00 UTC by
    core.scheduler), so the first visitor of the day does not wait for it."""
    day = clock.parse_date(as_of) if as_of else clock.today()
    snapshot_build(as_of=day)
    return day.isoformat()
