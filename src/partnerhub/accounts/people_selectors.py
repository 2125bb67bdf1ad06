"""Reads about a partner's people: the Administrators and Users pages and GET /admins."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.models import User
from partnerhub.accounts.policy import all_customer_roles_q
from partnerhub.core.choices import Role
from partnerhub.core.collation import name_order

# What each role may do, in words, for Roles and security > Administrator roles.
ROLE_DESCRIPTIONS: dict[str, Any] = {
    Role.PARTNER_FULL_ADMIN: _(
        "Everything: all customers, trials, orders, tags, partner administrators, and giving roles."
    ),
    Role.SALES_FULL_ADMIN: _(
        "All customers: trials, orders, tags and assigning partner administrators; "
        "cannot give roles."
    ),
    Role.SALES_ADMIN: _(
        "Only the customers they are assigned to or created through a trial, plus external ones."
    ),
    Role.PARTNER_READONLY_ADMIN: _("Sees what a full administrator sees, changes nothing."),
    Role.USER: _("No access to the partner features of Partner Hub."),
}
PEOPLE_SORTS: dict[str, tuple[Any, ...]] = {
    "name": (name_order("name").asc(), "email"),
    "-name": (name_order("name").desc(), "-email"),
    "email": ("email",),
    "-email": ("-email",),
    "role": ("role", name_order("name").asc(), "email"),
    "-role": ("-role", name_order("name").asc(), "email"),
    "last_login": ("last_login", "email"),
    "-last_login": ("-last_login", "email"),
}


def partner_people(*, user: Any, q: str = "", role: str = "", sort: str = "name") -> QuerySet[User]:
    """The people of the person's partner, optionally searched by name/e-mail and role."""
    people = User.objects.filter(partner_id=user.partner_id)
    if q:
        people = people.filter(Q(name__icontains=q) | Q(email__icontains=q))
    if role in Role.values:
        people = people.filter(role=role)
    return people.annotate(managed_count=Count("customermanager")).order_by(
        *PEOPLE_SORTS.get(sort, PEOPLE_SORTS["name"])
    )


def partner_all_customer_admins(*, user: Any, sort: str = "name") -> QuerySet[User]:
    """People of the partner whose role sees every customer (the Administrators page)."""
    return User.objects.filter(all_customer_roles_q(), partner_id=user.partner_id).order_by(
        *PEOPLE_SORTS.get(sort, PEOPLE_SORTS["name"])
    )


def partner_role_holders(*, user: Any) -> QuerySet[User]:
    """People of the partner holding a partner administrator role (GET /admins)."""
    return User.objects.filter(partner_id=user.partner_id).exclude(role=Role.USER).order_by("email")


def person_of_partner(*, user: Any, email: str | None = None, pk: int | None = None) -> User:
    """A person of the same partner, else 404 (other partners' people do not leak)."""
    people = User.objects.filter(partner_id=user.partner_id)
    if email is not None:
        person = people.filter(email__iexact=email).first()
    else:
        person = people.filter(pk=pk or 0).first()
    if person is None:
        raise Http404(_("No such person in your organization."))
    return person


def partner_role_givers(*, user: Any) -> QuerySet[User]:
    """The active partner full administrators of the person's partner: who can give them a role
    (the landing page of a person without one names them)."""
    if getattr(user, "partner_id", None) is None:
        return User.objects.none()
    return User.objects.filter(
        partner_id=user.partner_id, role=Role.PARTNER_FULL_ADMIN, is_active=True
    ).order_by(*PEOPLE_SORTS["name"])
