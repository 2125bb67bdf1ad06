"""The set-up wizard of an order: organization name → administrator e-mail → start date → review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from partnerhub.accounts.policy import Action, require
from partnerhub.core import clock
from partnerhub.core.views import partner_view
from partnerhub.subscriptions.forms import STEP_FIELDS, STEP_NAMES, STEPS, SetupForm
from partnerhub.subscriptions.models import ItemState
from partnerhub.subscriptions.scoped_selectors import item_in_scope
from partnerhub.subscriptions.selectors import item_lines
from partnerhub.subscriptions.services import subscription_setup


@partner_view(Action.SETUP_ORDER)
def setup(request: HttpRequest, ext_id: str) -> HttpResponse:
    """One wizard, one URL: each POST carries every value so far and says which step it left."""
    item = item_in_scope(request.user, ext_id, is_trial=False)
    customer = item.customer
    require(request.user, Action.SETUP_ORDER, customer)
    initial = {
        "organization_name": customer.name,
        "admin_email": customer.admin_email,
        "start": item.start,
    }
    step = "organization"
    form = SetupForm(initial=initial)
    if request.method == "POST":
        form = SetupForm(request.POST)
        left = request.POST.get("step", "organization")
        left = left if left in STEP_NAMES else "organization"
        index = STEP_NAMES.index(left)
        direction = request.POST.get("go", "next")
        # The fields whose errors the page shows: those of the steps confirmed so far.
        shown: set[str] = set()
        if direction == "back":
            step = STEP_NAMES[max(0, index - 1)]
            form.errors.clear()
        else:
            # Validate the fields of every step up to the one being left.
            fields = [f for name, names, _label in STEPS[: index + 1] for f in names]
            bad = [f for f in fields if f in form.errors]
            if bad:
                step = next(name for name, names, _l in STEPS if bad[0] in names)
                shown = _fields_through(step)
            elif left != "review":
                step = STEP_NAMES[index + 1]
                # Arriving at a step, its fields are not confirmed yet: whatever they hold (an
                # empty e-mail from the record), they show no error until the step is left.
                shown = _fields_through(left)
            else:
                shown = set(form.fields)
                try:
                    subscription_setup(
                        actor=request.user,
                        subscription=item,
                        organization_name=form.cleaned_data["organization_name"],
                        admin_email=form.cleaned_data["admin_email"],
                        start=form.cleaned_data["start"],
                    )
                except ValidationError as exc:
                    step = "review"
                    for key, msgs in exc.message_dict.items():
                        form.add_error(key if key in form.fields else None, msgs)
                else:
                    messages.success(
                        request,
                        _("%(id)s is set up and active; %(customer)s is ready.")
                        % {"id": item.ext_id, "customer": form.cleaned_data["organization_name"]},
                    )
                    return redirect(_after_setup(customer.ext_id, item.ext_id))
        _hide_errors(form, set(form.fields) - shown)
    context: dict[str, Any] = {
        "item": item,
        "customer": customer,
        "form": form,
        "step": step,
        "steps": [
            (name, label, i < STEP_NAMES.index(step)) for i, (name, _f, label) in enumerate(STEPS)
        ],
        "step_fields": [form[f] for f in STEP_FIELDS[step]],
        "carried": [form[f] for f in form.fields if f not in STEP_FIELDS[step]],
        "lines": item_lines(item, clock.today()),
        "ready": item.state == ItemState.PROVISIONING,
    }
    return render(request, "subscriptions/setup.html", context)


def _hide_errors(form: SetupForm, names: set[str]) -> None:
    """Drop the errors of `names` and their is-invalid mark (validation put it on the widget)."""
    for name in names:
        form.errors.pop(name, None)
        widget = form.fields[name].widget
        classes = [c for c in widget.attrs.get("class", "").split() if c != "is-invalid"]
        widget.attrs["class"] = " ".join(classes)


def _fields_through(step: str) -> set[str]:
    index = STEP_NAMES.index(step)
    return {f for _name, names, _label in STEPS[: index + 1] for f in names}


def _after_setup(customer_id: str, item_id: str) -> str:
    """The customer's page once its order is set up (the wizard's own page if there is none)."""
    try:
        return reverse("customers:detail", args=[customer_id])
    except NoReverseMatch:
        return reverse("subscriptions:setup", args=[item_id])
