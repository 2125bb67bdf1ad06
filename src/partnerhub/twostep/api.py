"""`/api/v1/security` and a person's two-step reset (docs/reference/api.md#two-step-sign-in)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema

from partnerhub.accounts.people_selectors import person_of_partner
from partnerhub.accounts.policy import Action, require
from partnerhub.twostep.selectors import people_without_two_step
from partnerhub.twostep.services import partner_require_two_step, two_step_reset

router = Router(tags=["two-step sign-in"])


class SecurityIn(Schema):
    require_two_step: bool


class SecurityOut(Schema):
    require_two_step: bool
    required_by_operator: bool
    people_without: int


class ResetOut(Schema):
    removed: int


def _security(user: Any) -> dict[str, Any]:
    return {
        "require_two_step": user.partner.require_two_step,
        "required_by_operator": settings.PARTNERHUB_REQUIRE_MFA,
        "people_without": people_without_two_step(user.partner_id),
    }


@router.get("/security", response=SecurityOut)
def get_security(request: HttpRequest) -> dict[str, Any]:
    """The partner's two-step requirement and how many of its active people have no second
    step (partner full administrators)."""
    require(request.user, Action.MANAGE_ROLES)
    return _security(request.user)


@router.put("/security", response=SecurityOut)
def put_security(request: HttpRequest, payload: SecurityIn) -> dict[str, Any]:
    """Require (or stop requiring) two-step sign-in of every person of the partner; audited."""
    require(request.user, Action.MANAGE_ROLES)
    partner_require_two_step(actor=request.user, require=payload.require_two_step)
    return _security(request.user)


@router.post("/users/{email}/two-step/reset", response=ResetOut)
def reset_two_step(request: HttpRequest, email: str) -> dict[str, int]:
    """Remove a person's authenticator app, security keys and recovery codes; audited, e-mailed,
    and the person is signed out everywhere. Another partner's person answers 404."""
    require(request.user, Action.MANAGE_ROLES)
    person = person_of_partner(user=request.user, email=email)
    return {"removed": two_step_reset(actor=request.user, person=person)}
