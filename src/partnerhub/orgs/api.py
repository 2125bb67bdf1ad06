"""The organizations API: a customer's users, services and license assignment, done on its
behalf (`/customers/{id}/org/…`), and the partner's own organization (`/org…`)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from partnerhub.accounts.models import Partner, User
from partnerhub.accounts.people_schemas import InviteIn
from partnerhub.accounts.people_services import user_invite
from partnerhub.accounts.policy import Action, get_customer, require
from partnerhub.api.errors import InputError
from partnerhub.core import clock
from partnerhub.core.paging import page_slice
from partnerhub.customers.models import Customer, CustomerUser
from partnerhub.orgs.schemas import (
    AssignmentIn,
    AssignmentOut,
    CustomerUserIn,
    CustomerUserOut,
    CustomerUserPage,
    OrgPersonOut,
    OwnOrgOut,
    OwnOrgSetupIn,
    PersonPage,
    ServicesOut,
)
from partnerhub.orgs.selectors import (
    customer_item,
    customer_services,
    customer_users,
    own_org_people,
)
from partnerhub.orgs.services import (
    assignment_body,
    customer_user_add,
    licenses_assign,
    licenses_unassign,
    own_org_setup,
    person_set_active,
)

router = Router(tags=["organizations"])


def _user_out(user: CustomerUser) -> dict[str, Any]:
    return {
        "id": user.ext_id,
        "email": user.email,
        "name": user.name,
        "active": user.is_active,
        "licenses": [
            {"item_id": a.item.ext_id, "product": a.product}
            for a in getattr(user, "active_assignments", [])
        ],
    }


@router.get("/customers/{customer_id}/org/users", response=CustomerUserPage)
def org_users(
    request: HttpRequest, customer_id: str, q: str = "", page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """The customer's users (search `q` by name or e-mail) with their licenses today."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.LAUNCH_ORG)
    customer = get_customer(user, customer_id, Action.LAUNCH_ORG)
    result = page_slice(customer_users(customer, clock.as_of(request), q=q), page, page_size)
    return {"count": result["count"], "items": [_user_out(u) for u in result["items"]]}


@router.post("/customers/{customer_id}/org/users", response={201: CustomerUserOut})
def org_users_add(
    request: HttpRequest, customer_id: str, payload: CustomerUserIn
) -> tuple[int, dict[str, Any]]:
    """Add a user to the customer's organization."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_CUSTOMER_ORG)
    customer = get_customer(user, customer_id, Action.MANAGE_CUSTOMER_ORG)
    added = customer_user_add(actor=user, customer=customer, email=payload.email, name=payload.name)
    return 201, _user_out(added)


@router.get("/customers/{customer_id}/org/licenses", response=ServicesOut)
def org_licenses(request: HttpRequest, customer_id: str) -> dict[str, Any]:
    """The customer's subscriptions and trials with licenses, assigned, available, overage."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.LAUNCH_ORG)
    customer = get_customer(user, customer_id, Action.LAUNCH_ORG)
    day = clock.as_of(request)
    return {
        "customer_id": customer.ext_id,
        "as_of": day,
        "items": [
            {
                "id": row.item.ext_id,
                "is_trial": row.item.is_trial,
                "state": row.item.state,
                "start": row.item.start,
                "end": row.item.end,
                "in_force": row.in_force,
                "assignable": row.open,
                "lines": row.lines,
            }
            for row in customer_services(customer, day)
        ],
    }


def _users_of(customer: Customer, ids: list[str]) -> list[CustomerUser]:
    users = list(CustomerUser.objects.filter(customer=customer, ext_id__in=ids))
    unknown = sorted(set(ids) - {u.ext_id for u in users})
    if unknown:
        raise InputError(
            [
                {
                    "loc": ["body", "user_ids"],
                    "msg": _("Not users of %(customer)s: %(ids)s.")
                    % {"customer": customer.ext_id, "ids": ", ".join(unknown)},
                }
            ]
        )
    return users


@router.post("/customers/{customer_id}/org/assignments", response={201: AssignmentOut})
def org_assign(
    request: HttpRequest, customer_id: str, payload: AssignmentIn
) -> tuple[int, dict[str, Any]]:
    """Assign a product on a subscription or trial to users; beyond the purchased number it
    answers 422 on `confirm_overage` unless that is true."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_CUSTOMER_ORG)
    customer = get_customer(user, customer_id, Action.MANAGE_CUSTOMER_ORG)
    item = customer_item(customer, payload.item_id)
    users = _users_of(customer, payload.user_ids)
    result = licenses_assign(
        actor=user,
        customer=customer,
        item=item,
        product=payload.product,
        users=users,
        confirm_overage=payload.confirm_overage,
    )
    return 201, assignment_body(item.ext_id, payload.product, result)


@router.delete("/customers/{customer_id}/org/assignments", response=AssignmentOut)
def org_unassign(
    request: HttpRequest,
    customer_id: str,
    item_id: str,
    product: str,
    user_id: list[str] = Query(...),  # noqa: B008
) -> dict[str, Any]:
    """Unassign a product on a subscription or trial from users (`user_id` repeatable)."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_CUSTOMER_ORG)
    customer = get_customer(user, customer_id, Action.MANAGE_CUSTOMER_ORG)
    item = customer_item(customer, item_id)
    users = _users_of(customer, user_id)
    result = licenses_unassign(
        actor=user, customer=customer, item=item, product=product, users=users
    )
    return assignment_body(item.ext_id, product, result)


# --- the partner's own organization ----------------------------------------------------------


def _own_out(partner: Partner) -> dict[str, Any]:
    people = User.objects.filter(partner=partner)
    return {
        "id": partner.ext_id,
        "name": partner.name,
        "set_up": partner.org_setup_at is not None,
        "org_setup_at": partner.org_setup_at,
        "terms_accepted_at": partner.terms_accepted_at,
        "terms_accepted_by": partner.terms_accepted_by.email if partner.terms_accepted_by else None,
        "people_active": people.filter(is_active=True).count(),
        "people_total": people.count(),
    }


def _person_out(person: User) -> dict[str, Any]:
    return {
        "email": person.email,
        "name": person.name,
        "role": person.role,
        "active": person.is_active,
    }


@router.get("/org", response=OwnOrgOut)
def own_org(request: HttpRequest) -> dict[str, Any]:
    """The partner's own organization."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.VIEW_OWN_ORG)
    return _own_out(Partner.objects.select_related("terms_accepted_by").get(pk=user.partner_id))


@router.post("/org/setup", response=OwnOrgOut)
def own_org_set_up(request: HttpRequest, payload: OwnOrgSetupIn) -> dict[str, Any]:
    """The first-time set-up: `{"accept_terms": true}` accepts the terms and sets it up."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_OWN_ORG)
    return _own_out(own_org_setup(actor=user, accept_terms=payload.accept_terms))


@router.get("/org/people", response=PersonPage)
def own_people(
    request: HttpRequest, q: str = "", page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """The people of the partner's own organization."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.VIEW_OWN_ORG)
    result = page_slice(own_org_people(user.partner, q=q), page, page_size)
    return {"count": result["count"], "items": [_person_out(p) for p in result["items"]]}


@router.post("/org/people", response={201: OrgPersonOut})
def own_people_add(request: HttpRequest, payload: InviteIn) -> tuple[int, dict[str, Any]]:
    """Add a person to the own organization; they are e-mailed a link to choose a password."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_OWN_ORG)
    person = user_invite(
        actor=user,
        email=payload.email,
        name=payload.name,
        role=payload.role,
        base_url=request.build_absolute_uri("/"),
    )
    return 201, _person_out(person)


def _own_person(user: User, email: str) -> User:
    person = User.objects.filter(partner=user.partner, email__iexact=email).first()
    if person is None:
        raise Http404(_("No such person in your organization."))
    return person


@router.post("/org/people/{email}/deactivate", response=OrgPersonOut)
def own_people_deactivate(request: HttpRequest, email: str) -> dict[str, Any]:
    """Deactivate a person of the own organization: they can no longer sign in."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_OWN_ORG)
    return _person_out(person_set_active(actor=user, person=_own_person(user, email), active=False))


@router.post("/org/people/{email}/reactivate", response=OrgPersonOut)
def own_people_reactivate(request: HttpRequest, email: str) -> dict[str, Any]:
    """Reactivate a deactivated person of the own organization."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.MANAGE_OWN_ORG)
    return _person_out(person_set_active(actor=user, person=_own_person(user, email), active=True))
