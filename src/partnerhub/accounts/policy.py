"""The one permission policy (docs/reference/rules.md#roles-and-what-they-may-do).

Every view and API operation asks here and nowhere else:
- `customer_scope(user)` — the customers a person may see at all (everything else answers 404);
- `can(user, action, customer=None)` — whether the role allows an action (a "no" answers 403),
  and, given a customer, whether it is allowed on that customer;
- `get_customer(user, ext_id, action=None)` / `require(user, action, customer)` — the two combined.

An *external* customer is one of another partner (or of none) that the person is an external
administrator of. There the person acts only inside the customer's organization, within their
role's rights (`EXTERNAL_ACTIONS`): never orders, set-ups, trials, the managing partner's staff or
its commercial data — those belong to the partner that manages the customer
(docs/reference/external-administrators.md).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from partnerhub.core.choices import Role
from partnerhub.customers.models import Customer, CustomerManager, ExternalAdmin


class Action(StrEnum):
    """Everything a person can be allowed to do."""

    VIEW_CUSTOMERS = "view_customers"  # customer list, details, analytics, resources
    LAUNCH_ORG = "launch_org"  # open a customer's organization (read)
    MANAGE_CUSTOMER_ORG = "manage_customer_org"  # change users/licenses inside it
    MANAGE_TRIALS = "manage_trials"  # start / extend / end a trial
    SETUP_ORDER = "setup_order"  # the set-up wizard: provisioning -> active
    PLACE_ORDER = "place_order"  # POST /orders: new, change, renewal, cancel
    # A customer's invoices, orders and their amounts, and the managing partner's people
    # assigned to it (the Partner administrators tab, `partner_admins` in the API).
    VIEW_COMMERCIAL = "view_commercial"
    TAG = "tag"  # tag customers, rename and delete tags
    MANAGE_CUSTOMER_ADMINS = "manage_customer_admins"  # Partner administrators tab
    MANAGE_ROLES = "manage_roles"  # Users > Roles and security
    HELPDESK = "helpdesk"  # open and comment on cases
    VIEW_OWN_ORG = "view_own_org"  # the partner's own organization and its people
    MANAGE_OWN_ORG = "manage_own_org"  # set up the own organization, add/deactivate people
    INGEST = "ingest"  # POST /api/v1/ingest
    USE_API = "use_api"  # create personal API tokens
    # Every background job of the partner (exports, ingests), not only one's own.
    VIEW_PARTNER_JOBS = "view_partner_jobs"
    # Alerts, events and webhooks (docs/reference/events.md):
    VIEW_ALERTS = "view_alerts"  # the alerts center and a customer's open alerts (in scope)
    ACT_ON_ALERTS = "act_on_alerts"  # acknowledge, assign, snooze, resolve, comment (in scope)
    MANAGE_ALERT_RULES = "manage_alert_rules"  # the partner's alert rules
    VIEW_EVENTS = "view_events"  # the partner's event outbox (the Events page)
    MANAGE_WEBHOOKS = "manage_webhooks"  # webhook endpoints, their secrets and deliveries
    VIEW_SIGN_INS = "view_sign_ins"  # the partner's sign-in audit (every person's sign-ins)
    # The operator's Partner Helpdesk team (HELPDESK_TEAM_ACTIONS; no partner role has these):
    WORK_ALL_CASES = "work_all_cases"  # every partner's cases: read, answer, also when closed
    TRIAGE_CASES = "triage_cases"  # change a case's status, assign it to a team member


# What the operator's Partner Helpdesk team may do (`is_helpdesk_team`); nothing else.
HELPDESK_TEAM_ACTIONS: frozenset[Action] = frozenset({Action.WORK_ALL_CASES, Action.TRIAGE_CASES})
_PARTNER_ACTIONS: frozenset[Action] = frozenset(set(Action) - HELPDESK_TEAM_ACTIONS)


# Which role may do what; scope ("own scope" of sales admins) comes from customer_scope().
_ADMIN_ROLES = {
    Role.PARTNER_FULL_ADMIN,
    Role.SALES_FULL_ADMIN,
    Role.SALES_ADMIN,
    Role.PARTNER_READONLY_ADMIN,
}
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.PARTNER_FULL_ADMIN: _PARTNER_ACTIONS,
    Role.SALES_FULL_ADMIN: frozenset(
        _PARTNER_ACTIONS
        - {
            Action.MANAGE_ROLES,
            Action.INGEST,
            Action.MANAGE_OWN_ORG,
            Action.VIEW_PARTNER_JOBS,
            Action.MANAGE_ALERT_RULES,
            Action.VIEW_EVENTS,
            Action.MANAGE_WEBHOOKS,
            Action.VIEW_SIGN_INS,
        }
    ),
    Role.SALES_ADMIN: frozenset(
        {
            Action.VIEW_CUSTOMERS,
            Action.LAUNCH_ORG,
            Action.MANAGE_CUSTOMER_ORG,
            Action.MANAGE_TRIALS,
            Action.SETUP_ORDER,
            Action.PLACE_ORDER,
            Action.VIEW_COMMERCIAL,
            Action.TAG,
            Action.HELPDESK,
            Action.VIEW_OWN_ORG,
            Action.USE_API,
            Action.VIEW_ALERTS,
            Action.ACT_ON_ALERTS,
        }
    ),
    Role.PARTNER_READONLY_ADMIN: frozenset(
        {
            Action.VIEW_CUSTOMERS,
            Action.VIEW_COMMERCIAL,
            Action.LAUNCH_ORG,
            Action.HELPDESK,
            Action.VIEW_OWN_ORG,
            Action.USE_API,
            Action.VIEW_ALERTS,
        }
    ),
    Role.USER: frozenset(),
}
# Roles whose scope is every customer of the partner (plus external ones): `sees_all_customers`.
_ALL_CUSTOMER_ROLES = {Role.PARTNER_FULL_ADMIN, Role.SALES_FULL_ADMIN, Role.PARTNER_READONLY_ADMIN}
# What a person may do on an external customer, still only as far as their role allows: work
# inside the customer's organization. Orders, set-ups, trials, the customer's partner
# administrators and its commercial data stay with the managing partner; the person's own
# partner's tags stay theirs to put on any customer in scope (tags are per partner).
EXTERNAL_ACTIONS: frozenset[Action] = frozenset(
    {
        Action.VIEW_CUSTOMERS,
        Action.LAUNCH_ORG,
        Action.MANAGE_CUSTOMER_ORG,
        Action.TAG,
        Action.HELPDESK,
    }
)


def is_partner_admin(user: Any) -> bool:
    """A signed-in, active person of a partner with one of the administrator roles."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.partner_id is not None
        and user.role in _ADMIN_ROLES
    )


def may_choose_language(user: Any) -> bool:
    """Any signed-in, active person chooses the language of their own pages and e-mails,
    whatever their role (a `user`, the helpdesk team, the operator): it is their own profile
    only, so it is no role's action."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def may_use_two_step(user: Any) -> bool:
    """Who sets up a second step of signing in (twostep): the partner's administrators, the
    people who sign in to manage customers (the same people as the sessions page), and the
    operator's Partner Helpdesk team, who read every partner's cases. A person without a role
    has nothing to protect."""
    return (is_partner_admin(user) and can(user, Action.VIEW_OWN_ORG)) or is_helpdesk_team(user)


def is_helpdesk_team(user: Any) -> bool:
    """An active member of the operator's Partner Helpdesk team (never a partner's person)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "is_helpdesk", False)
        and user.partner_id is None
    )


def role_sees_all_customers(role: str) -> bool:
    """Whether a role's scope is every customer of the partner (not only assigned ones)."""
    return role in _ALL_CUSTOMER_ROLES


def sees_all_customers(user: Any) -> bool:
    """Whether the person's scope is every customer of their partner (not only assigned ones)."""
    return is_partner_admin(user) and role_sees_all_customers(user.role)


def all_customer_roles_q() -> Q:
    """People (a filter on User) whose role sees every customer of their partner."""
    return Q(role__in=_ALL_CUSTOMER_ROLES)


def helpdesk_team_q() -> Q:
    """People (a filter on User) of the operator's Partner Helpdesk team: `is_helpdesk_team`."""
    return Q(is_helpdesk=True, is_active=True, partner__isnull=True)


def customer_scope(user: Any) -> QuerySet[Customer]:
    """The customers `user` may see: all of the partner or assigned ones, plus external ones."""
    if not is_partner_admin(user):
        return Customer.objects.none()
    external = Q(id__in=ExternalAdmin.objects.filter(user=user).values("customer_id"))
    if sees_all_customers(user):
        return Customer.objects.filter(Q(partner_id=user.partner_id) | external)
    assigned = Q(
        partner_id=user.partner_id,
        id__in=CustomerManager.objects.filter(user=user).values("customer_id"),
    )
    return Customer.objects.filter(assigned | external)


def partner_customer_scope(user: Any) -> QuerySet[Customer]:
    """The customers of the person's own partner within their scope (analytics count these)."""
    if not is_partner_admin(user):
        return Customer.objects.none()
    return customer_scope(user).filter(partner_id=user.partner_id)


def is_external(user: Any, customer: Customer) -> bool:
    """Whether `customer` is not of the person's own partner (in scope only as an external one)."""
    return customer.partner_id is None or customer.partner_id != user.partner_id


def _role_allows(user: Any, action: Action) -> bool:
    if action in HELPDESK_TEAM_ACTIONS:
        return is_helpdesk_team(user)
    return is_partner_admin(user) and action in ROLE_ACTIONS.get(user.role, frozenset())


def _allowed_on(user: Any, action: Action, customer: Customer) -> bool:
    """The role allows `action` and the customer (known to be in scope) admits it."""
    return _role_allows(user, action) and (
        not is_external(user, customer) or action in EXTERNAL_ACTIONS
    )


def _in_scope(user: Any, customer: Customer) -> bool:
    return customer_scope(user).filter(pk=customer.pk).exists()


def can(user: Any, action: Action, customer: Customer | None = None) -> bool:
    """Whether the role allows `action`; for a customer, also that it is in the person's scope
    and that the action is allowed on it (an external customer admits only EXTERNAL_ACTIONS)."""
    if customer is None or action in HELPDESK_TEAM_ACTIONS:
        return _role_allows(user, action)
    return _allowed_on(user, action, customer) and _in_scope(user, customer)


def customer_actions(user: Any, customer: Customer) -> frozenset[Action]:
    """Every action the person may take on `customer` (empty when it is out of scope): one
    query, for pages that show or hide several buttons and tabs."""
    if not is_partner_admin(user) or not _in_scope(user, customer):
        return frozenset()
    return frozenset(a for a in Action if _allowed_on(user, a, customer))


def customer_scope_for(user: Any, action: Action) -> QuerySet[Customer]:
    """The customers in scope on which `action` is allowed (e.g. the customers one may start a
    trial for): all in scope for EXTERNAL_ACTIONS, else only the own partner's."""
    if not _role_allows(user, action):
        return Customer.objects.none()
    if action in EXTERNAL_ACTIONS:
        return customer_scope(user)
    return partner_customer_scope(user)


def get_customer(user: Any, ext_id: str, action: Action | None = None) -> Customer:
    """The customer with that id if it is in the person's scope, else 404 (ids never leak); with
    `action`, also 403 unless that action is allowed on it."""
    customer = customer_scope(user).filter(ext_id=ext_id).select_related("partner").first()
    if customer is None:
        raise Http404(_("No such customer."))
    if action is not None and not _allowed_on(user, action, customer):
        raise PermissionDenied
    return customer


def require(user: Any, action: Action, customer: Customer | None = None) -> None:
    """Raise 404 for a customer out of scope, 403 for an action the role does not allow or that
    is not allowed on that customer (an external one)."""
    if customer is not None and not _in_scope(user, customer):
        raise Http404(_("No such customer."))
    allowed = (
        _role_allows(user, action) if customer is None else _allowed_on(user, action, customer)
    )
    if not allowed:
        raise PermissionDenied


def managed_by(user: Any, customer: Customer) -> str:
    """'partner' for a customer of the person's partner, 'external' otherwise."""
    return "external" if is_external(user, customer) else "partner"
