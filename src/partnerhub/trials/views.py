"""Trial pages: Start trial, a trial's page, and Extend / End now with confirmation."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from partnerhub.accounts.policy import (
    Action,
    customer_actions,
    customer_scope_for,
    get_customer,
    require,
)
from partnerhub.core import clock
from partnerhub.core.views import partner_view
from partnerhub.subscriptions.models import Item, ItemState
from partnerhub.subscriptions.scoped_selectors import item_in_scope
from partnerhub.subscriptions.selectors import item_lines
from partnerhub.trials.forms import EXISTING, TrialStartForm
from partnerhub.trials.services import (
    trial_end,
    trial_extend,
    trial_extension_preview,
    trial_start,
)


def _next_url(request: HttpRequest, default: str) -> str:
    """Where to go after a trial action: `next`, else the page the person came from (e.g. the
    customer's Trials tab posting straight here), else `default` — only ever this site."""
    candidates = [
        request.POST.get("next"),
        request.GET.get("next"),
        request.headers.get("Referer"),
    ]
    for target in candidates:
        if (
            target
            and request.path not in target
            and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
        ):
            return target
    return default


def _day(request: HttpRequest) -> dt.date:
    """The as-of date of a page's figures (`?as_of=`), falling back to today with a message."""
    try:
        return clock.as_of(request)
    except clock.AsOfError as exc:
        messages.error(request, str(exc))
        return clock.today()


@partner_view(Action.MANAGE_TRIALS)
def start(request: HttpRequest) -> HttpResponse:
    """Start a trial for a new customer or one of the person's customers."""
    preset = request.GET.get("customer", "")
    initial = {}
    if preset:
        customer = get_customer(request.user, preset, Action.MANAGE_TRIALS)
        initial = {"customer_mode": EXISTING, "customer": customer.ext_id}
    form = TrialStartForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            trial = trial_start(
                actor=request.user,
                customer=form.cleaned_data.get("customer_obj"),
                new_customer=form.new_customer(),
                lines=form.lines(),
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("Trial %(id)s started for %(customer)s; it runs until %(end)s.")
                % {"id": trial.ext_id, "customer": trial.customer.name, "end": trial.end},
            )
            if trial.customer.admin_email:
                messages.info(
                    request,
                    _("The invitation was e-mailed to %(email)s.")
                    % {"email": trial.customer.admin_email},
                )
            else:
                messages.warning(
                    request,
                    _(
                        "No invitation was sent: %(customer)s has no administrator e-mail on "
                        "record. It is confirmed when an order is set up."
                    )
                    % {"customer": trial.customer.name},
                )
            return redirect("trials:detail", trial.ext_id)
    return render(request, "trials/start.html", {"form": form, "preset": preset})


@partner_view(Action.MANAGE_TRIALS)
def customer_options(request: HttpRequest) -> HttpResponse:
    """The `<option>`s of the customers whose name or id contains what was typed (at most 20):
    only those one may start a trial for (never an external customer)."""
    text = (request.GET.get("customer") or "").strip()
    customers = customer_scope_for(request.user, Action.MANAGE_TRIALS)
    if text:
        customers = customers.filter(Q(name__icontains=text) | Q(ext_id__icontains=text))
    rows = customers.order_by("name", "ext_id").values("ext_id", "name")[:20]
    return render(request, "trials/_customer_options.html", {"customers": rows})


def _trial_context(request: HttpRequest, trial: Item) -> dict[str, object]:
    today = clock.today()
    in_force = trial.state == ItemState.ACTIVE and trial.start <= today <= trial.end
    allowed = customer_actions(request.user, trial.customer)
    extension = trial_extension_preview(trial=trial, today=today)
    return {
        "trial": trial,
        "customer": trial.customer,
        "today": today,
        "in_force": in_force,
        "days_left": (trial.end - today).days if in_force else None,
        "can_manage": Action.MANAGE_TRIALS in allowed,
        "can_launch": Action.LAUNCH_ORG in allowed,
        "extension": extension,
    }


@partner_view(Action.VIEW_CUSTOMERS)
def detail(request: HttpRequest, ext_id: str) -> HttpResponse:
    """A trial: its customer, term, state and licenses (assigned and available)."""
    trial = item_in_scope(request.user, ext_id, is_trial=True)
    context = _trial_context(request, trial)
    context["lines"] = item_lines(trial, _day(request))
    return render(request, "trials/detail.html", context)


def _confirm(request: HttpRequest, ext_id: str, verb: str) -> HttpResponse:
    trial = item_in_scope(request.user, ext_id, is_trial=True)
    require(request.user, Action.MANAGE_TRIALS, trial.customer)
    default = reverse("trials:detail", args=[trial.ext_id])
    context = _trial_context(request, trial)
    context.update(
        {"verb": verb, "next": _next_url(request, default), "error": None, "refused": None}
    )
    if request.method == "POST":
        try:
            if verb == "extend":
                # A shortening happens only when the person confirmed that very page (confirm=1
                # is sent only by the form that says it shortens); the service refuses the rest.
                trial = trial_extend(
                    actor=request.user,
                    trial=trial,
                    confirm_shorten=request.POST.get("confirm") == "1",
                )
                messages.success(
                    request,
                    _("%(id)s now runs until %(end)s.") % {"id": trial.ext_id, "end": trial.end},
                )
            else:
                trial = trial_end(actor=request.user, trial=trial)
                messages.success(request, _("%(id)s has ended.") % {"id": trial.ext_id})
        except ValidationError as exc:
            if "confirm_shorten" in getattr(exc, "error_dict", {}):
                # Refused, nothing changed: the page asks for the confirmation it lacked.
                context["refused"] = " ".join(exc.message_dict["confirm_shorten"])
                return render(request, "trials/confirm.html", context, status=409)
            context["error"] = " ".join(exc.messages)
        else:
            return redirect(str(context["next"]))
    elif not context["in_force"]:
        context["error"] = _("%(id)s is not in force, so it can no longer be changed.") % {
            "id": trial.ext_id
        }
    return render(request, "trials/confirm.html", context)


@partner_view(Action.MANAGE_TRIALS)
def extend(request: HttpRequest, ext_id: str) -> HttpResponse:
    """Show the current and the new end (today + 30 days), then extend; a shortening only when
    confirmed (a POST that would shorten without `confirm=1` is refused: 409, nothing changed)."""
    return _confirm(request, ext_id, "extend")


@partner_view(Action.MANAGE_TRIALS)
def end(request: HttpRequest, ext_id: str) -> HttpResponse:
    """Confirm, then end a trial in force today."""
    return _confirm(request, ext_id, "end")
