"""The customer list (query filters, tags, exports, saved filters) and the customer details page."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from partnerhub.accounts.models import User
from partnerhub.accounts.policy import Action, can, customer_actions, get_customer
from partnerhub.alerts.selectors import customer_open_alerts
from partnerhub.core import clock
from partnerhub.core.audit_selectors import audit_entries, customer_audit
from partnerhub.core.exports import export_response
from partnerhub.core.paging import paginate
from partnerhub.core.sql import without_jit
from partnerhub.core.tables import Column
from partnerhub.core.views import is_htmx, partner_view
from partnerhub.customers.export import EXPORT_COLUMNS, EXPORT_INLINE_MAX
from partnerhub.customers.filtersets import (
    MANAGED_BY,
    PRODUCTS,
    SORTS,
    TYPES,
    CustomerFilter,
    merge_panel,
)
from partnerhub.customers.links import attach_links
from partnerhub.customers.models import CustomerExport, ExportState, SavedFilter
from partnerhub.customers.selectors import (
    PRODUCT_LABELS,
    customer_admin_sign_ins,
    customer_license_totals,
    customer_list,
    customer_partner_admins,
    customer_rows,
    customer_subscriptions,
    customer_trials,
    customer_with_statuses,
    decorate_customers,
)
from partnerhub.customers.services import (
    customer_admin_add,
    customer_admin_remove,
    customer_export_request,
    saved_filter_create,
    saved_filter_delete,
)
from partnerhub.customers.statuses import STATUS_ORDER, Status
from partnerhub.customers.suggest import suggestions
from partnerhub.customers.tasks import export_dir
from partnerhub.tags.selectors import tag_names

COLUMNS: list[Column] = [
    Column("name", gettext_lazy("Name")),
    Column("status", gettext_lazy("Status")),
    Column("products", gettext_lazy("Products"), sortable=False, wide_only=True),
    Column("tags", gettext_lazy("Tags"), sortable=False, wide_only=True),
    Column("managed_by", gettext_lazy("Managed by"), sortable=False, wide_only=True),
    Column("created", gettext_lazy("Date added"), wide_only=True),
]
TABS: list[tuple[str, Any]] = [
    ("overview", gettext_lazy("Overview")),
    ("subscriptions", gettext_lazy("Subscriptions")),
    ("trials", gettext_lazy("Trials")),
    ("admins", gettext_lazy("Partner administrators")),
    ("activity", gettext_lazy("Activity")),
]
# Tabs shown only to whom the policy allows an action on the customer: the Partner administrators
# tab lists the managing partner's staff, which an external administrator does not see.
TAB_ACTIONS: dict[str, Action] = {"admins": Action.VIEW_COMMERCIAL}


def _day(request: HttpRequest) -> dt.date:
    """The as-of date of the page (`?as_of=`), falling back to today with a message."""
    try:
        return clock.as_of(request)
    except clock.AsOfError as exc:
        messages.error(request, str(exc))
        return clock.today()


def _list_url(
    q: str, sort: str = "", page: int | None = None, as_of: str = "", export: str = ""
) -> str:
    params: dict[str, Any] = {}
    if q:
        params["q"] = q
    if sort and sort != "name":
        params["sort"] = sort
    if page and page > 1:
        params["page"] = page
    if as_of:
        params["as_of"] = as_of
    if export:
        params["export"] = export
    base = reverse("customers:list")
    return f"{base}?{urlencode(params)}" if params else base


def _request_filter(request: HttpRequest) -> tuple[CustomerFilter, bool]:
    """The filter of the request: the query box, merged with the filter panel when it was used."""
    flt = CustomerFilter.parse(request.GET.get("q", ""))
    from_panel = request.GET.get("panel") == "1"
    if from_panel:
        errors = flt.errors
        flt = merge_panel(flt, request.GET)
        flt.errors = list(dict.fromkeys(errors + flt.errors))  # the term limit may be in both
    return flt, from_panel


@partner_view(Action.VIEW_CUSTOMERS)
def customer_list_view(request: HttpRequest) -> HttpResponse:
    """The landing page: the person's customers with statuses, filtered by the query, sorted."""
    user: Any = request.user
    day = _day(request)
    flt, from_panel = _request_filter(request)
    query = flt.to_query()
    sort = request.GET.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    as_of = request.GET.get("as_of", "") if "as_of" in request.GET and day != clock.today() else ""
    if from_panel and not is_htmx(request):
        return redirect(_list_url(query, sort, as_of=as_of))
    qs = customer_list(user=user, day=day, flt=flt, sort=sort)

    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        return _export(request, qs, query=query, sort=sort, day=day, fmt=fmt)

    with without_jit():
        page = paginate(request, qs, one_query=True)
        rows = list(page.object_list)
        decorate_customers(rows, user=user, day=day)
    attach_links(rows)
    context: dict[str, Any] = {
        "page": page,
        "rows": rows,
        "sort": sort,
        "query": query,
        "flt": flt,
        "as_of": as_of,
        "day": day,
        "can_tag": can(user, Action.TAG),
        "can_launch": can(user, Action.LAUNCH_ORG),
        "headers": _headers(query, sort, as_of),
        "page_urls": {
            "prev": _list_url(query, sort, page.previous_page_number(), as_of)
            if page.has_previous()
            else "",
            "next": _list_url(query, sort, page.next_page_number(), as_of)
            if page.has_next()
            else "",
        },
        "export_csv": _list_url(query, sort, as_of=as_of, export="csv"),
        "export_xlsx": _list_url(query, sort, as_of=as_of, export="xlsx"),
        "push_url": _list_url(query, sort, page.number, as_of),
        "from_panel": from_panel,
        # The filter panel shows the query's state; HTMX answers refresh it out of band.
        "panel": _panel(flt, user),
    }
    if is_htmx(request):
        context["oob_panel"] = True
        response = render(request, "customers/_table.html", context)
        # The address bar shows the canonical query (as typed by the panel, or tidied up).
        response["HX-Push-Url"] = context["push_url"]
        return response
    # The person's exports of the last day that were not downloaded yet: ready ones are offered.
    recent_exports = list(
        CustomerExport.objects.filter(
            user=user, downloaded_at=None, created_at__gte=clock.now() - dt.timedelta(days=1)
        )[:10]
    )
    context.update(
        {
            "saved_filters": list(SavedFilter.objects.filter(user=user).order_by("name")),
            "ready_exports": [e for e in recent_exports if e.state != ExportState.PENDING],
            "pending_exports": sum(e.state == ExportState.PENDING for e in recent_exports),
            "can_trial": can(user, Action.MANAGE_TRIALS),
        }
    )
    return render(request, "customers/list.html", context)


def _panel(flt: CustomerFilter, user: Any) -> dict[str, Any]:
    """The filter panel's choices, checked as the query says."""
    wanted_tags = {n.lower() for n in flt.tags}
    return {
        "statuses": [(code, Status(code).label, code in flt.statuses) for code in STATUS_ORDER],
        "products": [(p, PRODUCT_LABELS[p], p in flt.products) for p in PRODUCTS],
        "types": [(t, _type_label(t), t in flt.types) for t in TYPES],
        "managed_by": [(m, _managed_label(m), m in flt.managed_by) for m in MANAGED_BY],
        "tags": [(name, name.lower() in wanted_tags) for name in tag_names(user=user)],
    }


def _headers(query: str, sort: str, as_of: str) -> list[dict[str, Any]]:
    """Column headings with their sort links (a second click reverses the order)."""
    out = []
    for col in COLUMNS:
        state = "none"
        if sort == col.key:
            state = "ascending"
        elif sort == f"-{col.key}":
            state = "descending"
        next_sort = f"-{col.key}" if sort == col.key else col.key
        out.append(
            {
                "key": col.key,
                "label": col.label,
                "sortable": col.sortable,
                "wide_only": col.wide_only,
                "state": state,
                "url": _list_url(query, next_sort, as_of=as_of) if col.sortable else "",
            }
        )
    return out


def _type_label(value: str) -> str:
    return _("Subscription") if value == "subscription" else _("Trial")


def _managed_label(value: str) -> str:
    return _("Partner") if value == "partner" else _("External")


def _export(
    request: HttpRequest, qs: Any, *, query: str, sort: str, day: dt.date, fmt: str
) -> HttpResponse:
    """Small exports download at once; large ones run in the background and notify when ready."""
    user: Any = request.user
    total = qs.count()
    if total > EXPORT_INLINE_MAX:
        customer_export_request(actor=user, query=query, sort=sort, as_of=day, fmt=fmt)
        messages.info(
            request,
            ngettext(
                "Your export of %(n)s customer is being prepared. It will be listed above the "
                "table with a download link when it is ready.",
                "Your export of %(n)s customers is being prepared. It will be listed above the "
                "table with a download link when it is ready.",
                total,
            )
            % {"n": intcomma(total)},
        )
        return redirect(_list_url(query, sort))
    rows = customer_rows(qs.iterator(chunk_size=2000), user=user, day=day)
    stamp = day.isoformat()
    response = export_response(fmt, f"customers-{stamp}", EXPORT_COLUMNS, rows)
    return response  # type: ignore[return-value]


@partner_view(Action.VIEW_CUSTOMERS)
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Download a finished background export (only the person who asked for it)."""
    export = get_object_or_404(CustomerExport, pk=pk, user=request.user, state=ExportState.READY)
    path = export_dir() / export.file
    if not export.file or not path.exists():
        raise Http404(_("This export is no longer available."))
    CustomerExport.objects.filter(pk=export.pk).update(downloaded_at=clock.now())
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"customers-{export.as_of.isoformat()}.{export.fmt}",
    )
    return response  # type: ignore[return-value]  # a streaming file response


@partner_view(Action.VIEW_CUSTOMERS)
def suggest(request: HttpRequest) -> HttpResponse:
    """Suggestions under the query box for what is being typed (keys, values, tags, names)."""
    query = request.GET.get("q", "")
    return render(
        request,
        "customers/_suggestions.html",
        {"suggestions": suggestions(user=request.user, query=query)},
    )


@require_POST
@partner_view(Action.VIEW_CUSTOMERS)
def filter_save(request: HttpRequest) -> HttpResponse:
    """Save the current query under a name (the person's own list of filters)."""
    query = request.POST.get("q", "")
    try:
        saved = saved_filter_create(
            actor=request.user, name=request.POST.get("name", ""), query=query
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_list_url(CustomerFilter.parse(query).to_query()))
    messages.success(request, _("The filter “%(name)s” was saved.") % {"name": saved.name})
    return redirect(_list_url(saved.query))


@require_POST
@partner_view(Action.VIEW_CUSTOMERS)
def filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the person's saved filters (another person's answers 404)."""
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    saved_filter_delete(actor=request.user, saved=saved)
    messages.success(request, _("The filter “%(name)s” was deleted.") % {"name": saved.name})
    return redirect("customers:list")


# --- Details ---------------------------------------------------------------------------------


@partner_view(Action.VIEW_CUSTOMERS)
def customer_detail(request: HttpRequest, ext_id: str) -> HttpResponse:
    """A customer's details: overview, subscriptions, trials, partner administrators, activity."""
    user: Any = request.user
    customer = get_customer(user, ext_id)
    allowed = customer_actions(user, customer)
    tabs = [
        (key, label)
        for key, label in TABS
        if TAB_ACTIONS.get(key, Action.VIEW_CUSTOMERS) in allowed
    ]
    day = _day(request)
    tab = request.GET.get("tab", "overview")
    if tab not in dict(tabs):
        tab = "overview"
    with without_jit():
        customer = customer_with_statuses(customer=customer, user=user, day=day)
    attach_links([customer])
    context: dict[str, Any] = {
        "customer": customer,
        "tab": tab,
        "tabs": tabs,
        "day": day,
        "can_tag": Action.TAG in allowed,
        "can_launch": Action.LAUNCH_ORG in allowed,
        "can_manage_trials": Action.MANAGE_TRIALS in allowed,
        "can_manage_admins": Action.MANAGE_CUSTOMER_ADMINS in allowed,
        # Invoices and orders are the managing partner's business with the customer.
        "can_view_commercial": Action.VIEW_COMMERCIAL in allowed,
    }
    if context["can_tag"] and not is_htmx(request):
        context["partner_tags"] = tag_names(user=user)
    if tab == "overview":
        context["customer_alerts"] = customer_open_alerts(user, customer)
        context["licenses"] = customer_license_totals(customer=customer, day=day)
        context["sign_ins"] = customer_admin_sign_ins(customer=customer, day=day)
    elif tab == "subscriptions":
        context["subscriptions"] = customer_subscriptions(customer=customer, day=day)
    elif tab == "trials":
        trials = customer_trials(customer=customer, day=day)
        context["trials"] = trials
        context["has_trial_in_force"] = any(t.in_force for t in trials)  # type: ignore[attr-defined]
    elif tab == "admins":
        admins = list(customer_partner_admins(customer=customer))
        context["partner_admins"] = admins
        if context["can_manage_admins"]:
            assigned = {a.user_id for a in admins}
            context["candidates"] = [
                p
                for p in User.objects.filter(partner_id=user.partner_id, is_active=True)
                .exclude(role="user")
                .order_by("name", "email")
                if p.pk not in assigned
            ]
    elif tab == "activity":
        page = paginate(request, customer_audit(user=user, customer=customer), per_page=25)
        context["events_page"] = page
        context["events"] = audit_entries(viewer=user, events=page.object_list)
    template = "customers/detail.html"
    if is_htmx(request):
        template = "customers/_detail_tab.html"
    return render(request, template, context)


def _named(person: User) -> str:
    """A person as the Partner administrators tab's messages name them, adding and removing
    alike: "Anna Nowak (anna@northwind.example)", or the e-mail alone when they have no name."""
    return f"{person.name} ({person.email})" if person.name else person.email


@require_POST
@partner_view(Action.MANAGE_CUSTOMER_ADMINS)
def admin_add(request: HttpRequest, ext_id: str) -> HttpResponse:
    """Assign a partner person to manage the customer (full and sales-full admins)."""
    customer = get_customer(request.user, ext_id, Action.MANAGE_CUSTOMER_ADMINS)
    try:
        person, created = customer_admin_add(
            actor=request.user, customer=customer, email=request.POST.get("email", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(
                request,
                _("%(person)s now manages %(customer)s.")
                % {"person": _named(person), "customer": customer.name},
            )
        else:
            messages.info(
                request,
                _("%(person)s already manages this customer.") % {"person": _named(person)},
            )
    return redirect(reverse("customers:detail", args=[customer.ext_id]) + "?tab=admins")


@require_POST
@partner_view(Action.MANAGE_CUSTOMER_ADMINS)
def admin_remove(request: HttpRequest, ext_id: str) -> HttpResponse:
    """Remove a partner person from the customer's administrators."""
    customer = get_customer(request.user, ext_id, Action.MANAGE_CUSTOMER_ADMINS)
    email = request.POST.get("email", "").strip()
    assigned = (
        customer_partner_admins(customer=customer).filter(user__email__iexact=email).first()
        if email
        else None
    )
    if assigned is None or not customer_admin_remove(
        actor=request.user, customer=customer, email=email
    ):
        raise Http404(_("That person does not manage this customer."))
    messages.success(
        request,
        _("%(person)s no longer manages %(customer)s.")
        % {"person": _named(assigned.user), "customer": customer.name},
    )
    return redirect(reverse("customers:detail", args=[customer.ext_id]) + "?tab=admins")
