"""Background work of alerts, through Django's tasks API (settings.TASKS)."""

from __future__ import annotations

from django_tasks import task

from partnerhub.accounts.services import tokens_expiry_notify
from partnerhub.alerts.digests import send_digests
from partnerhub.alerts.services import alerts_evaluate
from partnerhub.core import clock


@task()
def evaluate_alerts_task(
    as_of: str | None = None, partner_ids: list[int] | None = None
) -> dict[str, int]:
    """The evaluation of alerts (scheduled daily 00:15 UTC by core.scheduler; also after every
    load and calling refresh, for the partners concerned)."""
    result = alerts_evaluate(
        partner_ids=partner_ids, as_of=clock.parse_date(as_of) if as_of else None
    )
    return {"partners": result.partners, "opened": result.opened, "resolved": result.resolved}


@task()
def send_digests_task(as_of: str | None = None) -> dict[str, int]:
    """The e-mailed digests of alerts (scheduled daily 07:00 UTC by core.scheduler)."""
    result = send_digests(as_of=clock.parse_date(as_of) if as_of else None)
    return {"sent": result.sent, "empty": result.empty, "already": result.already}


@task()
def token_expiry_notices_task() -> dict[str, int]:
    """E-mail the people whose API tokens expire within 14 days, once per token (scheduled daily
    06:00 UTC by core.scheduler; beside the digests, the other e-mail a person gets unasked)."""
    return {"sent": tokens_expiry_notify()}
