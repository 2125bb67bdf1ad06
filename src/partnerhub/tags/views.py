"""Tag pages: the tag manager, and adding / removing tags on one customer or many."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from partnerhub.accounts.policy import (
    Action,
    can,
    customer_scope,
    get_customer,
    sees_all_customers,
)
from partnerhub.core import clock
from partnerhub.core.paging import paginate
from partnerhub.core.views import is_htmx, partner_view
from partnerhub.customers.links import attach_links
from partnerhub.customers.models import Customer
from partnerhub.customers.selectors import decorate_customers
from partnerhub.tags.forms import TagBulkForm
from partnerhub.tags.models import CustomerTag, Tag
from partnerhub.tags.selectors import can_edit_tag, tag_list
from partnerhub.tags.services import (
    tag_assign,
    tag_clean_name,
    tag_delete,
    tag_remove,
    tag_rename,
)

TAG_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "customers": ("customer_count", "name"),
    "-customers": ("-customer_count", "name"),
}


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@partner_view(Action.VIEW_CUSTOMERS)
def manage(request: HttpRequest) -> HttpResponse:
    """The partner's tags with customer counts; rename and delete for those allowed."""
    user: Any = request.user
    q = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "name")
    if sort not in TAG_SORTS:
        sort = "name"
    page = paginate(request, tag_list(user=user, q=q).order_by(*TAG_SORTS[sort]))
    rows = list(page.object_list)
    may_tag = can(user, Action.TAG)
    if may_tag and rows and not sees_all_customers(user):
        # Tags carried by a customer outside a limited scope cannot be renamed by the person.
        blocked = set(
            CustomerTag.objects.filter(tag__in=rows)
            .exclude(customer__in=customer_scope(user))
            .values_list("tag_id", flat=True)
        )
    else:
        blocked = set()
    for tag in rows:
        tag.editable = may_tag and tag.pk not in blocked  # type: ignore[attr-defined]
    params = {k: v for k, v in (("q", q), ("sort", sort)) if v}
    return render(
        request,
        "tags/manage.html",
        {
            "page": page,
            "rows": rows,
            "q": q,
            "sort": sort,
            "pager_query": urlencode(params) + "&" if params else "",
        },
    )


def _own_tag(request: HttpRequest, pk: int) -> Tag:
    user: Any = request.user
    tag = get_object_or_404(Tag, pk=pk, partner_id=user.partner_id)
    if not can_edit_tag(user, tag):
        raise PermissionDenied(_("This tag is also on customers outside your scope."))
    return tag


@require_POST
@partner_view(Action.TAG)
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a tag on every customer carrying it."""
    tag = _own_tag(request, pk)
    old = tag.name
    try:
        tag = tag_rename(actor=request.user, tag=tag, name=request.POST.get("name", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if tag.name != old:
            messages.success(
                request, _("The tag “%(old)s” is now “%(new)s”.") % {"old": old, "new": tag.name}
            )
    return redirect(_next(request, "tags:manage"))


@require_POST
@partner_view(Action.TAG)
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a tag from every customer."""
    tag = _own_tag(request, pk)
    name = tag.name
    n = tag_delete(actor=request.user, tag=tag)
    messages.success(
        request,
        ngettext(
            "The tag “%(name)s” was deleted from %(n)d customer.",
            "The tag “%(name)s” was deleted from %(n)d customers.",
            n,
        )
        % {"name": name, "n": n},
    )
    return redirect("tags:manage")


def _cell(
    request: HttpRequest, customer: Customer, *, error: str = "", message: str = ""
) -> HttpResponse:
    """The tags cell of one customer, re-rendered for HTMX."""
    decorate_customers([customer], user=request.user, day=clock.today())
    attach_links([customer])
    return render(
        request,
        "tags/_customer_tags.html",
        {
            "customer": customer,
            "can_tag": True,
            "compact": request.POST.get("compact") == "1",
            "tag_error": error,
            "tag_message": message,
        },
    )


@require_POST
@partner_view(Action.TAG)
def customer_add(request: HttpRequest, ext_id: str) -> HttpResponse:
    """Put a tag on one customer (HTMX answers the customer's tags cell)."""
    customer = get_customer(request.user, ext_id)
    error = message = ""
    try:
        tag = tag_assign(actor=request.user, customer=customer, name=request.POST.get("name", ""))
    except ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        message = _("Tagged “%(tag)s”.") % {"tag": tag.name}
    if is_htmx(request):
        return _cell(request, customer, error=error, message=message)
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("%(customer)s: %(message)s") % {"customer": customer.name, "message": message},
        )
    return redirect(_next(request, customer_url(customer)))


@require_POST
@partner_view(Action.TAG)
def customer_remove(request: HttpRequest, ext_id: str, pk: int) -> HttpResponse:
    """Take a tag off one customer (a tag nobody carries any more disappears)."""
    customer = get_customer(request.user, ext_id)
    user: Any = request.user
    tag = get_object_or_404(Tag, pk=pk, partner_id=user.partner_id)
    error = message = ""
    try:
        tag_remove(actor=user, customer=customer, tag=tag)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        message = _("Removed “%(tag)s”.") % {"tag": tag.name}
    if is_htmx(request):
        return _cell(request, customer, error=error, message=message)
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("%(customer)s: %(message)s") % {"customer": customer.name, "message": message},
        )
    return redirect(_next(request, customer_url(customer)))


def customer_url(customer: Customer) -> str:
    """The customer's details page."""
    return reverse("customers:detail", args=[customer.ext_id])


@require_POST
@partner_view(Action.TAG)
def bulk(request: HttpRequest) -> HttpResponse:
    """Add or remove one tag on the selected customers; says which ones could not be changed."""
    user: Any = request.user
    back = _next(request, "customers:list")
    form = TagBulkForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            text = " ".join(str(e) for e in errors)
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {text}" if label else text)
        return redirect(back)
    op = form.cleaned_data["op"] or "add"
    name = form.cleaned_data["name"]
    ids = form.cleaned_data["customers"]
    if not ids:
        messages.error(request, _("Select at least one customer first."))
        return redirect(back)
    customers = list(customer_scope(user).filter(ext_id__in=ids[:500]).order_by("name"))
    if len(customers) != len(set(ids[:500])):
        messages.error(request, _("Some of the selected customers are not yours to tag."))
        return redirect(back)
    done: list[str] = []
    failed: list[str] = []
    tag = None
    try:
        name = tag_clean_name(name)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    if op == "remove":
        tag = Tag.objects.filter(partner_id=user.partner_id, name__iexact=name).first()
        if tag is None:
            messages.error(request, _("Your organization has no tag “%(name)s”.") % {"name": name})
            return redirect(back)
    for customer in customers:
        try:
            if op == "remove":
                assert tag is not None
                if CustomerTag.objects.filter(customer=customer, tag=tag).exists():
                    tag_remove(actor=user, customer=customer, tag=tag)
                    done.append(customer.name)
            else:
                tag_assign(actor=user, customer=customer, name=name)
                done.append(customer.name)
        except ValidationError as exc:
            failed.append(" ".join(exc.messages))
    if done and op == "remove":
        text = ngettext(
            "Removed “%(tag)s” from %(n)d customer.",
            "Removed “%(tag)s” from %(n)d customers.",
            len(done),
        )
        messages.success(request, text % {"n": len(done), "tag": name})
    elif done:
        text = ngettext(
            "Tagged %(n)d customer “%(tag)s”.", "Tagged %(n)d customers “%(tag)s”.", len(done)
        )
        messages.success(request, text % {"n": len(done), "tag": name})
    for reason in failed:
        messages.warning(request, reason)
    return redirect(back)
