"""Background work of webhooks, through Django's tasks API (settings.TASKS)."""

from __future__ import annotations

from django_tasks import task

from partnerhub.webhooks.delivery import deliver_due


@task()
def deliver_webhooks_task() -> dict[str, int]:
    """Deliver every due webhook delivery, then return (enqueued when events are committed)."""
    return {"attempts": deliver_due()}
