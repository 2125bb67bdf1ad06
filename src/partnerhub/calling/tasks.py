"""Background work of the calling app, through Django's tasks API (settings.TASKS)."""

from __future__ import annotations

from django_tasks import task

from partnerhub.calling.services import refresh_analytics
from partnerhub.core import clock


@task()
def refresh_analytics_task(as_of: str | None = None) -> dict[str, str | int]:
    """The weekly refresh (scheduled Sundays 00:00 UTC by core.scheduler, or on demand)."""
    refresh = refresh_analytics(as_of=clock.parse_date(as_of) if as_of else None)
    return {
        "refresh_id": refresh.pk,
        "week_start": refresh.week_start.isoformat(),
        "duration_ms": refresh.duration_ms,
    }
