"""The set-up wizard's form: organization name, the customer's administrator e-mail, start date."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from partnerhub.core.forms import StyledForm

# The wizard's steps in order, each with the fields it confirms ("review" confirms them all).
STEPS: list[tuple[str, list[str], object]] = [
    ("organization", ["organization_name"], gettext_lazy("Organization")),
    ("admin", ["admin_email"], gettext_lazy("Administrator")),
    ("start", ["start"], gettext_lazy("Start date")),
    ("review", [], gettext_lazy("Review")),
]
STEP_NAMES = [s[0] for s in STEPS]
STEP_FIELDS = {name: fields for name, fields, _label in STEPS}


class SetupForm(StyledForm):
    """Every value the wizard confirms; each step validates only its own fields."""

    organization_name = forms.CharField(label=gettext_lazy("Organization name"), max_length=200)
    admin_email = forms.EmailField(
        label=gettext_lazy("Customer's administrator e-mail"),
        help_text=gettext_lazy("The administrator is told when the organization is ready."),
    )
    start = forms.DateField(
        label=gettext_lazy("Start date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
