"""The one permission policy (rules.md, "Roles and what they may do").

Every view and API operation asks here and nowhere else:
- `customer_scope(user)` — the customers a person may see at all (everything else answers 404);
- `can(user, action, customer=None)` — whether the role allows an action (a "no" answers 403);
- `get_customer(user, ext_id)` / `require(user, action, customer)` — the two combined.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from partnerhub.core.choices import Role

if TYPE_CHECKING:
    from partnerhub.customers.models import Customer


class Action(StrEnum):
    """Everything a person can be allowed to do."""

    VIEW_CUSTOMERS = "view_customers"  # customer list, details, analytics, resources
    LAUNCH_ORG = "launch_org"  # open a customer's organization (read)
    MANAGE_CUSTOMER_ORG = "manage_customer_org"  # change users/licenses inside it
    MANAGE_TRIALS = "manage_trials"  # start / extend / end a trial
    SETUP_ORDER = "setup_order"  # provisioning -> active; place orders
    TAG = "tag"  # tag customers, rename and delete tags
    MANAGE_CUSTOMER_ADMINS = "manage_customer_admins"  # Partner administrators tab
    MANAGE_ROLES = "manage_roles"  # Users > Roles and security
    HELPDESK = "helpdesk"  # open and comment on cases
    VIEW_OWN_ORG = "view_own_org"  # the partner's own organization and its people
    MANAGE_OWN_ORG = "manage_own_org"  # set up the own organization, add/deactivate people
    INGEST = "ingest"  # POST /api/v1/ingest
    USE_API = "use_api"  # create personal API tokens


# Which role may do what; scope ("own scope" of sales admins) comes from customer_scope().
_ADMIN_ROLES = {
    Role.PARTNER_FULL_ADMIN,
    Role.SALES_FULL_ADMIN,
    Role.SALES_ADMIN,
    Role.PARTNER_READONLY_ADMIN,
}
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.PARTNER_FULL_ADMIN: frozenset(Action),
    Role.SALES_FULL_ADMIN: frozenset(
        set(Action) - {Action.MANAGE_ROLES, Action.INGEST, Action.MANAGE_OWN_ORG}
    ),
    Role.SALES_ADMIN: frozenset(
        {
            Action.VIEW_CUSTOMERS,
            Action.LAUNCH_ORG,
            Action.MANAGE_CUSTOMER_ORG,
            Action.MANAGE_TRIALS,
            Action.SETUP_ORDER,
            Action.TAG,
            Action.HELPDESK,
            Action.VIEW_OWN_ORG,
            Action.USE_API,
        }
    ),
    Role.PARTNER_READONLY_ADMIN: frozenset(
        {
            Action.VIEW_CUSTOMERS,
            Action.LAUNCH_ORG,
            Action.HELPDESK,
            Action.VIEW_OWN_ORG,
            Action.USE_API,
        }
    ),
    Role.USER: frozenset(),
}
# Roles whose scope is every customer of the partner (plus external ones).
ALL_CUSTOMER_ROLES = {Role.PARTNER_FULL_ADMIN, Role.SALES_FULL_ADMIN, Role.PARTNER_READONLY_ADMIN}


def is_partner_admin(user: Any) -> bool:
    """A signed-in, active person of a partner with one of the administrator roles."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.partner_id is not None
        and user.role in _ADMIN_ROLES
    )


def is_helpdesk_team(user: Any) -> bool:
    """An active member of the operator's Partner Helpdesk team (never a partner's person)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "is_helpdesk", False)
        and user.partner_id is None
    )


def customer_scope(user: Any) -> QuerySet[Customer]:
    """The customers `user` may see: all of the partner or assigned ones, plus external ones."""
    from partnerhub.customers.models import Customer, CustomerManager, ExternalAdmin

    if not is_partner_admin(user):
        return Customer.objects.none()
    external = Q(id__in=ExternalAdmin.objects.filter(user=user).values("customer_id"))
    if user.role in ALL_CUSTOMER_ROLES:
        return Customer.objects.filter(Q(partner_id=user.partner_id) | external)
    assigned = Q(
        partner_id=user.partner_id,
        id__in=CustomerManager.objects.filter(user=user).values("customer_id"),
    )
    return Customer.objects.filter(assigned | external)


def partner_customer_scope(user: Any) -> QuerySet[Customer]:
    """The customers of the person's own partner within their scope (analytics count these)."""
    if not is_partner_admin(user):
        from partnerhub.customers.models import Customer

        return Customer.objects.none()
    return customer_scope(user).filter(partner_id=user.partner_id)


def can(user: Any, action: Action, customer: Customer | None = None) -> bool:
    """Whether the role allows `action`; for a customer, also that it is in the person's scope."""
    if not is_partner_admin(user):
        return False
    if action not in ROLE_ACTIONS.get(user.role, frozenset()):
        return False
    if customer is None:
        return True
    return customer_scope(user).filter(pk=customer.pk).exists()


def get_customer(user: Any, ext_id: str) -> Customer:
    """The customer with that id if it is in the person's scope, else 404 (ids never leak)."""
    customer = customer_scope(user).filter(ext_id=ext_id).select_related("partner").first()
    if customer is None:
        raise Http404("No such customer.")
    return customer


def require(user: Any, action: Action, customer: Customer | None = None) -> None:
    """Raise 404 for a customer out of scope, 403 for an action the role does not allow."""
    if customer is not None and not customer_scope(user).filter(pk=customer.pk).exists():
        raise Http404("No such customer.")
    if not can(user, action):
        raise PermissionDenied


def managed_by(user: Any, customer: Customer) -> str:
    """'partner' for a customer of the person's partner, 'external' otherwise."""
    return "partner" if customer.partner_id == user.partner_id else "external"
