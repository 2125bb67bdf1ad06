"""Background work of the sign-in audit, through Django's tasks API (settings.TASKS)."""

from __future__ import annotations

from django_tasks import task

from partnerhub.signins.services import sign_ins_prune


@task()
def sign_ins_prune_task() -> dict[str, int]:
    """Delete sign-ins and ended sessions past SIGN_IN_RETENTION_DAYS (scheduled daily)."""
    return sign_ins_prune()
