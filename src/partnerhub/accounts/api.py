"""REST API of the partner's people (docs/reference/api.md#people-and-roles): roles, invitations."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router

from partnerhub.accounts.people_schemas import InviteIn, PersonOut, PersonPageOut, RoleIn
from partnerhub.accounts.people_selectors import (
    partner_people,
    partner_role_holders,
    person_of_partner,
)
from partnerhub.accounts.people_services import user_invite, user_set_role
from partnerhub.accounts.policy import Action, can, role_sees_all_customers
from partnerhub.core.paging import page_slice

router = Router(tags=["people"])


def _person(user: Any) -> dict[str, Any]:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "all_customers": role_sees_all_customers(user.role),
    }


def _need(request: HttpRequest, action: Action) -> Any:
    if not can(request.user, action):
        raise PermissionDenied
    return request.user


@router.get("/admins", response=PersonPageOut)
def list_admins(request: HttpRequest, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    """The partner's people holding a partner administrator role, with their roles."""
    user = _need(request, Action.VIEW_OWN_ORG)
    result = page_slice(partner_role_holders(user=user), page, page_size)
    return {"count": result["count"], "items": [_person(p) for p in result["items"]]}


@router.get("/users", response=PersonPageOut)
def list_users(
    request: HttpRequest, q: str = "", role: str = "", page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """Every person of the partner organization (searchable by name or e-mail, and role)."""
    user = _need(request, Action.VIEW_OWN_ORG)
    result = page_slice(
        partner_people(user=user, q=q.strip(), role=role, sort="email"), page, page_size
    )
    return {"count": result["count"], "items": [_person(p) for p in result["items"]]}


@router.post("/users", response={201: PersonOut})
def invite_user(request: HttpRequest, payload: InviteIn) -> tuple[int, dict[str, Any]]:
    """Invite a person by e-mail with a role; they get a link to set their password."""
    user = _need(request, Action.MANAGE_ROLES)
    person = user_invite(
        actor=user,
        email=payload.email,
        name=payload.name,
        role=payload.role,
        base_url=request.build_absolute_uri("/"),
    )
    return 201, _person(person)


@router.put("/users/{email}/role", response=PersonOut)
def set_role(request: HttpRequest, email: str, payload: RoleIn) -> dict[str, Any]:
    """Give a person of the caller's partner another role (partner full administrators only)."""
    user = _need(request, Action.MANAGE_ROLES)
    person = person_of_partner(user=user, email=email)
    return _person(user_set_role(actor=user, person=person, role=payload.role))
