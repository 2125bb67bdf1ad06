"""Forms of the organizations' pages: first-time set-up, customer users (people are invited
with `accounts.people_forms.InviteForm`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from partnerhub.core.forms import StyledForm


class TermsForm(StyledForm):
    """The first-time wizard's last step: accept the terms, then Get started."""

    accept_terms = forms.BooleanField(
        label=gettext_lazy("I accept the Partner Hub terms on behalf of my organization"),
        required=False,
    )


class CustomerUserForm(StyledForm):
    """Add a user to a customer's organization."""

    email = forms.EmailField(label=gettext_lazy("E-mail"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
