"""Background work of core, through Django's tasks API (settings.TASKS)."""

from __future__ import annotations

from django_tasks import task

from partnerhub.core.events import events_prune


@task()
def events_prune_task() -> dict[str, int]:
    """Delete the events past their retention (EVENT_RETENTION_DAYS; scheduled daily)."""
    return {"deleted": events_prune()}
