"""The evaluation listens to `core.events.figures_changed`: a dataset load or ingest, a calling
refresh. The senders send it once their transaction has committed; the evaluation is queued on
the tasks backend (run at once with the immediate backend: it takes seconds)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.dispatch import receiver

from partnerhub.alerts.tasks import evaluate_alerts_task
from partnerhub.core.events import figures_changed

log = logging.getLogger(__name__)


@receiver(figures_changed, dispatch_uid="alerts.evaluate_on_figures_changed")
def on_figures_changed(
    sender: Any,
    *,
    partner_ids: Iterable[int] | None = None,
    as_of: dt.date | None = None,
    **kwargs: Any,
) -> None:
    """Evaluate the alerts of the partners whose figures changed (None: every partner)."""
    evaluate_alerts_task.enqueue(
        as_of=as_of.isoformat() if as_of else None,
        partner_ids=sorted(partner_ids) if partner_ids is not None else None,
    )
