"""`POST /trials`, `/trials/{id}/extend`, `/trials/{id}/end` (docs/reference/api.md#trials)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from partnerhub.accounts.policy import Action, get_customer, require
from partnerhub.subscriptions.schemas import trial_body
from partnerhub.subscriptions.scoped_selectors import item_in_scope
from partnerhub.trials.schemas import TrialExtendIn, TrialExtendOut, TrialIn, TrialOut
from partnerhub.trials.services import (
    trial_end,
    trial_extend,
    trial_extend_dry_run,
    trial_start,
)

router = Router(tags=["trials"])


@router.post("/trials", response={201: TrialOut})
def trials_start(request: HttpRequest, payload: TrialIn) -> tuple[int, dict[str, Any]]:
    """Start a trial for an existing customer (`customer_id`) or a `new_customer`."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_TRIALS)
    # Trials of an external customer are its managing partner's: 403 (trial_start checks too).
    customer = (
        get_customer(user, payload.customer_id, Action.MANAGE_TRIALS)
        if payload.customer_id
        else None
    )
    trial = trial_start(
        actor=user,
        customer=customer,
        new_customer=payload.new_customer.dict() if payload.new_customer else None,
        lines=[line.dict() for line in payload.lines],
        days=payload.days,
    )
    return 201, trial_body(trial)


@router.post("/trials/{trial_id}/extend", response=TrialExtendOut)
def trials_extend(
    request: HttpRequest,
    trial_id: str,
    dry_run: bool = False,
    payload: TrialExtendIn | None = None,
) -> dict[str, Any]:
    """Extend a trial in force: its end becomes today + 30 days. When that is earlier than its
    end now (more than 30 days left), send `{"confirm_shorten": true}`, else 422 and nothing
    changes. `?dry_run=true` answers the trial as it would be, changing nothing."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_TRIALS)
    trial = item_in_scope(user, trial_id, is_trial=True)
    require(user, Action.MANAGE_TRIALS, trial.customer)
    previous_end = trial.end
    if dry_run:
        extension = trial_extend_dry_run(actor=user, trial=trial)
        trial.end = extension.new_end  # the answer only; nothing is saved
    else:
        confirm = bool(payload and payload.confirm_shorten)
        trial = trial_extend(actor=user, trial=trial, confirm_shorten=confirm)
    return {**trial_body(trial), "previous_end": previous_end}


@router.post("/trials/{trial_id}/end", response=TrialOut)
def trials_end(request: HttpRequest, trial_id: str) -> dict[str, Any]:
    """End a trial in force now."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_TRIALS)
    trial = item_in_scope(user, trial_id, is_trial=True)
    require(user, Action.MANAGE_TRIALS, trial.customer)
    return trial_body(trial_end(actor=user, trial=trial))
