"""Launch my organization (first-time wizard, people, services and usage) and Launch organization
for a customer (its services and licenses, users, license assignment on its behalf)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from partnerhub.accounts.models import Partner, User
from partnerhub.accounts.people_forms import InviteForm
from partnerhub.accounts.people_services import user_invite
from partnerhub.accounts.policy import Action, can, customer_actions, get_customer
from partnerhub.core import clock
from partnerhub.core.choices import Product, Role
from partnerhub.core.paging import paginate
from partnerhub.core.tables import Column
from partnerhub.core.views import partner_view, render_page_or_fragment, sort_key_from
from partnerhub.customers.models import Customer, CustomerUser
from partnerhub.orgs.forms import CustomerUserForm, TermsForm
from partnerhub.orgs.selectors import (
    assignment_candidates,
    customer_item,
    customer_services,
    customer_user_counts,
    customer_users,
    item_product_figures,
    own_org_customer,
    own_org_figures,
    own_org_people,
    own_org_usage,
)
from partnerhub.orgs.services import (
    LicenseOverage,
    customer_user_add,
    licenses_assign,
    licenses_unassign,
    own_org_setup,
    person_set_active,
)

PEOPLE_COLUMNS = [
    Column("name", gettext_lazy("Name")),
    Column("email", gettext_lazy("E-mail")),
    Column("role", gettext_lazy("Role"), sortable=False),
    Column("active", gettext_lazy("Status"), sortable=False),
]
USER_COLUMNS = [
    Column("name", gettext_lazy("Name")),
    Column("email", gettext_lazy("E-mail")),
    Column("licenses", gettext_lazy("Licenses"), sortable=False),
    Column("active", gettext_lazy("Status"), sortable=False),
]


def _sort_headers(
    request: HttpRequest, columns: Sequence[Column], sort: str
) -> list[dict[str, Any]]:
    """Each column's heading with the link that sorts by it (toggling the direction)."""
    headers = []
    for column in columns:
        url = None
        if column.sortable:
            params = request.GET.copy()
            params.pop("page", None)
            params["sort"] = f"-{column.key}" if sort == column.key else column.key
            url = "?" + params.urlencode()
        headers.append(
            {
                "label": column.label,
                "url": url,
                "active": sort.lstrip("-") == column.key,
                "desc": sort.startswith("-"),
                "key": column.key,
            }
        )
    return headers


def _page_query(request: HttpRequest) -> str:
    """The current query string without `page`, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _day(request: HttpRequest) -> dt.date:
    """The as-of date of a page's figures (`?as_of=`), falling back to today with a message."""
    try:
        return clock.as_of(request)
    except clock.AsOfError as exc:
        messages.error(request, str(exc))
        return clock.today()


# --- the partner's own organization ---------------------------------------------------------


def _partner(request: HttpRequest) -> Partner:
    partner_id: int = getattr(request.user, "partner_id", 0)
    return Partner.objects.select_related("terms_accepted_by").get(pk=partner_id)


def _wizard(request: HttpRequest, partner: Partner, form: TermsForm | None = None) -> HttpResponse:
    today = _day(request)
    step = "terms" if form is not None or request.GET.get("step") == "terms" else "plan"
    own = own_org_customer(partner)
    context = {
        "partner": partner,
        "step": step,
        "form": form or TermsForm(),
        "figures": own_org_figures(partner, today),
        "services": customer_services(own, today) if own else [],
        "can_set_up": can(request.user, Action.MANAGE_OWN_ORG),
    }
    return render(request, "orgs/wizard.html", context)


@partner_view(Action.VIEW_OWN_ORG)
def my_org(request: HttpRequest) -> HttpResponse:
    """Launch my organization: the first-time wizard until it is set up, then its overview."""
    partner = _partner(request)
    if partner.org_setup_at is None:
        return _wizard(request, partner)
    return render(
        request,
        "orgs/my_org.html",
        {
            "partner": partner,
            "tab": "overview",
            "figures": own_org_figures(partner, _day(request)),
            "welcome": request.GET.get("welcome") == "1",
        },
    )


@require_POST
@partner_view(Action.MANAGE_OWN_ORG)
def my_org_setup(request: HttpRequest) -> HttpResponse:
    """Accept the terms and Get started: the own organization is set up."""
    form = TermsForm(request.POST)
    form.is_valid()
    try:
        own_org_setup(actor=request.user, accept_terms=bool(form.cleaned_data.get("accept_terms")))  # type: ignore[arg-type]
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, msgs)
        return _wizard(request, _partner(request), form)
    messages.success(request, _("Your organization is set up. Welcome to Partner Hub!"))
    return redirect(reverse("orgs:my_org") + "?welcome=1")


def _require_set_up(request: HttpRequest) -> Partner | HttpResponse:
    partner = _partner(request)
    if partner.org_setup_at is None:
        return redirect("orgs:my_org")
    return partner


@partner_view(Action.VIEW_OWN_ORG)
def my_org_people(request: HttpRequest) -> HttpResponse:
    """The own organization's people: search, sort, page; add and deactivate for full admins."""
    partner = _require_set_up(request)
    if isinstance(partner, HttpResponse):
        return partner
    sort = sort_key_from(request, PEOPLE_COLUMNS, "name")
    q = request.GET.get("q", "")
    status = request.GET.get("status", "")
    page = paginate(request, own_org_people(partner, q=q, sort=sort, status=status))
    context = {
        "partner": partner,
        "tab": "people",
        "page": page,
        "q": q,
        "status": status,
        "headers": _sort_headers(request, PEOPLE_COLUMNS, sort),
        "page_query": _page_query(request),
        "can_manage": can(request.user, Action.MANAGE_OWN_ORG),
        "form": InviteForm(initial={"role": Role.USER}),
    }
    return render_page_or_fragment(
        request, "orgs/my_org_people.html", "orgs/_people_table.html", context
    )


@require_POST
@partner_view(Action.MANAGE_OWN_ORG)
def my_org_person_add(request: HttpRequest) -> HttpResponse:
    """Add a person to the own organization (they are e-mailed a link to choose a password)."""
    partner = _require_set_up(request)
    if isinstance(partner, HttpResponse):
        return partner
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            person = user_invite(
                actor=request.user,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            for key, msgs in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, msgs)
        else:
            messages.success(
                request,
                _("%(email)s was added and e-mailed a sign-in link.") % {"email": person.email},
            )
            return redirect("orgs:my_org_people")
    page = paginate(request, own_org_people(partner, sort="name"))
    context = {
        "partner": partner,
        "tab": "people",
        "page": page,
        "q": "",
        "status": "",
        "headers": _sort_headers(request, PEOPLE_COLUMNS, "name"),
        "page_query": "",
        "can_manage": True,
        "form": form,
    }
    return render(request, "orgs/my_org_people.html", context)


@require_POST
@partner_view(Action.MANAGE_OWN_ORG)
def my_org_person_active(request: HttpRequest, pk: int, active: int) -> HttpResponse:
    """Deactivate (active=0) or reactivate (active=1) a person of the own organization."""
    person = get_object_or_404(User, pk=pk, partner_id=request.user.partner_id)  # type: ignore[union-attr]
    try:
        person_set_active(actor=request.user, person=person, active=bool(active))  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if active:
            messages.success(request, _("%(email)s can sign in again.") % {"email": person.email})
        else:
            messages.success(
                request,
                _("%(email)s was deactivated and can no longer sign in.") % {"email": person.email},
            )
    return redirect("orgs:my_org_people")


@partner_view(Action.VIEW_OWN_ORG)
def my_org_services(request: HttpRequest) -> HttpResponse:
    """The own organization's services (subscriptions and licenses) and license usage."""
    partner = _require_set_up(request)
    if isinstance(partner, HttpResponse):
        return partner
    today = _day(request)
    own = own_org_customer(partner)
    context = {
        "partner": partner,
        "tab": "services",
        "today": today,
        "own": own,
        "services": customer_services(own, today) if own else [],
        "usage": own_org_usage(own, today) if own else [],
        "figures": own_org_figures(partner, today),
    }
    return render(request, "orgs/my_org_services.html", context)


# --- a customer's organization ---------------------------------------------------------------


def _customer_context(request: HttpRequest, customer: Customer, tab: str) -> dict[str, Any]:
    # Asked about this customer: on an external one the person manages users and licenses (as
    # far as the role allows) but never sets up its managing partner's orders.
    allowed = customer_actions(request.user, customer)
    return {
        "customer": customer,
        "tab": tab,
        "today": _day(request),
        "can_manage": Action.MANAGE_CUSTOMER_ORG in allowed,
        "can_setup": Action.SETUP_ORDER in allowed,
    }


@partner_view(Action.LAUNCH_ORG)
def customer_org(request: HttpRequest, ext_id: str) -> HttpResponse:
    """Launch organization: the customer's services and licenses per product."""
    customer = get_customer(request.user, ext_id, Action.LAUNCH_ORG)
    context = _customer_context(request, customer, "services")
    context["services"] = customer_services(customer, context["today"])
    context["counts"] = customer_user_counts(customer, context["today"])
    return render(request, "orgs/customer_services.html", context)


@partner_view(Action.LAUNCH_ORG)
def customer_org_users(request: HttpRequest, ext_id: str) -> HttpResponse:
    """The customer's users with their licenses: search, sort, page; add for those who may."""
    customer = get_customer(request.user, ext_id, Action.LAUNCH_ORG)
    context = _customer_context(request, customer, "users")
    sort = sort_key_from(request, USER_COLUMNS, "name")
    q = request.GET.get("q", "")
    context.update(
        {
            "q": q,
            "page": paginate(request, customer_users(customer, context["today"], q=q, sort=sort)),
            "headers": _sort_headers(request, USER_COLUMNS, sort),
            "page_query": _page_query(request),
            "form": CustomerUserForm(),
        }
    )
    return render_page_or_fragment(
        request, "orgs/customer_users.html", "orgs/_users_table.html", context
    )


@require_POST
@partner_view(Action.MANAGE_CUSTOMER_ORG)
def customer_org_user_add(request: HttpRequest, ext_id: str) -> HttpResponse:
    """Add a user to the customer's organization, on its behalf."""
    customer = get_customer(request.user, ext_id, Action.MANAGE_CUSTOMER_ORG)
    form = CustomerUserForm(request.POST)
    if form.is_valid():
        try:
            user = customer_user_add(
                actor=request.user,  # type: ignore[arg-type]
                customer=customer,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            for key, msgs in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, msgs)
        else:
            messages.success(
                request,
                _("%(email)s was added to %(customer)s.")
                % {"email": user.email, "customer": customer.name},
            )
            return redirect("orgs:customer_org_users", customer.ext_id)
    context = _customer_context(request, customer, "users")
    context.update(
        {
            "q": "",
            "page": paginate(request, customer_users(customer, context["today"])),
            "headers": _sort_headers(request, USER_COLUMNS, "name"),
            "page_query": "",
            "form": form,
        }
    )
    return render(request, "orgs/customer_users.html", context)


def _assign_context(
    request: HttpRequest, customer: Customer, item_id: str, product: str
) -> dict[str, Any]:
    if product not in Product.values:
        raise Http404(_("No such product."))
    context = _customer_context(request, customer, "services")
    item = customer_item(customer, item_id)
    context["item"] = item
    context["figures"] = item_product_figures(item, product, context["today"])
    return context


@partner_view(Action.LAUNCH_ORG)
def customer_org_assign(
    request: HttpRequest, ext_id: str, item_id: str, product: str
) -> HttpResponse:
    """License assignment of one product on one subscription or trial: who holds it, who may."""
    customer = get_customer(request.user, ext_id, Action.LAUNCH_ORG)
    context = _assign_context(request, customer, item_id, product)
    sort = sort_key_from(request, USER_COLUMNS, "name")
    q = request.GET.get("q", "")
    show = request.GET.get("show", "all")
    users = assignment_candidates(
        customer, context["item"], product, context["today"], q=q, show=show, sort=sort
    )
    context.update(
        {
            "q": q,
            "show": show,
            "page": paginate(request, users),
            "headers": _sort_headers(request, USER_COLUMNS[:2], sort),
            "page_query": _page_query(request),
            "back_query": request.GET.urlencode(),
        }
    )
    return render_page_or_fragment(
        request, "orgs/customer_assign.html", "orgs/_assign_table.html", context
    )


@require_POST
@partner_view(Action.MANAGE_CUSTOMER_ORG)
def customer_org_assign_change(
    request: HttpRequest, ext_id: str, item_id: str, product: str
) -> HttpResponse:
    """Assign or unassign the chosen users (one or many); beyond the purchased number the person
    is warned first and may confirm to exceed."""
    customer = get_customer(request.user, ext_id, Action.MANAGE_CUSTOMER_ORG)
    context = _assign_context(request, customer, item_id, product)
    item = context["item"]
    ids = request.POST.getlist("user")
    users = list(CustomerUser.objects.filter(customer=customer, ext_id__in=ids))
    back = reverse("orgs:customer_org_assign", args=[customer.ext_id, item.ext_id, product])
    back_query = request.POST.get("back_query", "")
    if back_query:
        back += "?" + back_query
    operation = request.POST.get("operation")
    try:
        if operation == "unassign":
            result = licenses_unassign(
                actor=request.user,  # type: ignore[arg-type]
                customer=customer,
                item=item,
                product=product,
                users=users,
            )
            n = len(result.changed)
            messages.success(
                request,
                ngettext(
                    "Unassigned from %(n)s user; %(assigned)s of %(licenses)s now assigned.",
                    "Unassigned from %(n)s users; %(assigned)s of %(licenses)s now assigned.",
                    n,
                )
                % {
                    "n": intcomma(n),
                    "assigned": intcomma(result.assigned),
                    "licenses": intcomma(result.licenses),
                },
            )
        else:
            result = licenses_assign(
                actor=request.user,  # type: ignore[arg-type]
                customer=customer,
                item=item,
                product=product,
                users=users,
                confirm_overage=request.POST.get("confirm_overage") == "1",
            )
            n = len(result.changed)
            text = ngettext(
                "Assigned to %(n)s user; %(assigned)s of %(licenses)s now assigned.",
                "Assigned to %(n)s users; %(assigned)s of %(licenses)s now assigned.",
                n,
            ) % {
                "n": intcomma(n),
                "assigned": intcomma(result.assigned),
                "licenses": intcomma(result.licenses),
            }
            if result.overage:
                text += " " + _("License overage: %(over)s over the purchased number.") % {
                    "over": intcomma(result.overage)
                }
            messages.success(request, text)
    except LicenseOverage as warning:
        context.update({"warning": warning, "users": users, "back": back, "back_query": back_query})
        return render(request, "orgs/customer_assign_confirm.html", context)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)
