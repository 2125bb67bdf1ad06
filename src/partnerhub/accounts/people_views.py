"""The partner's people: Administrators, Users, a person's Roles and security, and invitations."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from partnerhub.accounts.people_forms import InviteForm
from partnerhub.accounts.people_selectors import (
    PEOPLE_SORTS,
    ROLE_DESCRIPTIONS,
    partner_all_customer_admins,
    partner_people,
    person_of_partner,
)
from partnerhub.accounts.people_services import user_invite, user_set_role
from partnerhub.accounts.policy import Action, can
from partnerhub.core.choices import Role
from partnerhub.core.paging import paginate
from partnerhub.core.views import partner_view, render_page_or_fragment
from partnerhub.twostep.selectors import two_step_methods

PEOPLE_COLUMNS: list[tuple[str, Any]] = [
    ("name", gettext_lazy("Name")),
    ("email", gettext_lazy("E-mail")),
    ("role", gettext_lazy("Role")),
    ("last_login", gettext_lazy("Last sign-in")),
]


def _headers(sort: str, extra: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for key, label in PEOPLE_COLUMNS:
        state = "ascending" if sort == key else "descending" if sort == f"-{key}" else "none"
        params = {**extra, "sort": f"-{key}" if sort == key else key}
        out.append({"key": key, "label": label, "state": state, "url": "?" + urlencode(params)})
    return out


@partner_view(Action.VIEW_OWN_ORG)
def admins(request: HttpRequest) -> HttpResponse:
    """People of the partner whose role gives access to all customers, with their roles."""
    sort = request.GET.get("sort", "name")
    if sort not in PEOPLE_SORTS:
        sort = "name"
    page = paginate(request, partner_all_customer_admins(user=request.user, sort=sort))
    context = {
        "page": page,
        "rows": list(page.object_list),
        "headers": _headers(sort, {}),
        "pager_query": urlencode({"sort": sort}) + "&",
        "can_manage_roles": can(request.user, Action.MANAGE_ROLES),
    }
    return render(request, "accounts/admins.html", context)


@partner_view(Action.VIEW_OWN_ORG)
def users(request: HttpRequest) -> HttpResponse:
    """Every person of the partner organization; search by name or e-mail, filter by role."""
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    if role not in Role.values:
        role = ""
    sort = request.GET.get("sort", "name")
    if sort not in PEOPLE_SORTS:
        sort = "name"
    page = paginate(request, partner_people(user=request.user, q=q, role=role, sort=sort))
    extra = {k: v for k, v in (("q", q), ("role", role)) if v}
    context = {
        "page": page,
        "rows": list(page.object_list),
        "q": q,
        "role": role,
        "roles": Role.choices,
        "headers": _headers(sort, extra),
        "pager_query": urlencode({**extra, "sort": sort}) + "&",
        "can_manage_roles": can(request.user, Action.MANAGE_ROLES),
    }
    return render_page_or_fragment(
        request, "accounts/users.html", "accounts/_users_table.html", context
    )


def _render_detail(request: HttpRequest, person: Any) -> HttpResponse:
    user: Any = request.user
    roles = [
        {
            "value": value,
            "label": label,
            "description": ROLE_DESCRIPTIONS[value],
            "current": value == person.role,
        }
        for value, label in Role.choices
    ]
    managed = list(
        person.managed_customers.filter(partner_id=user.partner_id)
        .order_by("name")
        .values("ext_id", "name")[:50]
    )
    context = {
        "person": person,
        "roles": roles,
        "may_change": can(user, Action.MANAGE_ROLES),
        "managed": managed,
        "two_step": two_step_methods(person),
    }
    return render(request, "accounts/user_detail.html", context)


@partner_view(Action.VIEW_OWN_ORG)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A person: Roles and security › Administrator roles (changeable by full administrators)."""
    return _render_detail(request, person_of_partner(user=request.user, pk=pk))


@require_POST
@partner_view(Action.MANAGE_ROLES)
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the person another role (partner full administrators only); audited."""
    person = person_of_partner(user=request.user, pk=pk)
    before = person.role
    try:
        person = user_set_role(actor=request.user, person=person, role=request.POST.get("role", ""))
    except ValidationError as exc:
        # Back to the person's page (this address answers POST only): the refusal travels as a
        # message, so reloading or sharing the page shows the person, not a stale form post.
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:user_detail", pk=person.pk)
    if person.role != before:
        messages.success(
            request,
            _("%(person)s is now %(role)s.")
            % {"person": person.display_name, "role": person.get_role_display()},
        )
    return redirect("accounts:user_detail", pk=person.pk)


@partner_view(Action.MANAGE_ROLES)
def invite(request: HttpRequest) -> HttpResponse:
    """Invite a person by e-mail with a role: they get a link to set their password."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = user_invite(
                actor=request.user,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _(
                    "%(email)s was invited as %(role)s; "
                    "an e-mail with a link to set a password is on its way."
                )
                % {"email": person.email, "role": person.get_role_display()},
            )
            return redirect("accounts:users")
    return render(request, "accounts/invite.html", {"form": form})
