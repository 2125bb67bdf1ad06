"""`POST /trials`, `POST /trials/{id}/extend`, `POST /trials/{id}/end` (api.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from partnerhub.accounts.policy import Action, get_customer, require
from partnerhub.core.choices import Product
from partnerhub.subscriptions.models import Item
from partnerhub.subscriptions.selectors import item_in_scope
from partnerhub.trials.schemas import TrialIn, TrialOut
from partnerhub.trials.services import trial_end, trial_extend, trial_start

router = Router(tags=["trials"])


def trial_out(trial: Item) -> dict[str, Any]:
    """The answer body of a trial."""
    order = {p: i for i, p in enumerate(Product.values)}
    lines = sorted(trial.lines.values("product", "licenses"), key=lambda r: order[r["product"]])
    return {
        "id": trial.ext_id,
        "customer_id": trial.customer.ext_id,
        "start": trial.start,
        "end": trial.end,
        "state": trial.state,
        "lines": lines,
    }


@router.post("/trials", response={201: TrialOut})
def trials_start(request: HttpRequest, payload: TrialIn) -> tuple[int, dict[str, Any]]:
    """Start a trial for an existing customer (`customer_id`) or a `new_customer`."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_TRIALS)
    customer = get_customer(user, payload.customer_id) if payload.customer_id else None
    trial = trial_start(
        actor=user,
        customer=customer,
        new_customer=payload.new_customer.dict() if payload.new_customer else None,
        lines=[line.dict() for line in payload.lines],
        days=payload.days,
    )
    return 201, trial_out(trial)


@router.post("/trials/{trial_id}/extend", response=TrialOut)
def trials_extend(request: HttpRequest, trial_id: str) -> dict[str, Any]:
    """Extend a trial in force: its end becomes today + 30 days."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_TRIALS)
    trial = item_in_scope(user, trial_id, is_trial=True)
    return trial_out(trial_extend(actor=user, trial=trial))


@router.post("/trials/{trial_id}/end", response=TrialOut)
def trials_end(request: HttpRequest, trial_id: str) -> dict[str, Any]:
    """End a trial in force now."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_TRIALS)
    trial = item_in_scope(user, trial_id, is_trial=True)
    return trial_out(trial_end(actor=user, trial=trial))
