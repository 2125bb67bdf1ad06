"""The form that invites a person of the partner (Users > Invite, and My organization > People)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from partnerhub.core.choices import Role
from partnerhub.core.forms import StyledForm


class InviteForm(StyledForm):
    """A person's e-mail, name and role; `accounts.people_services.user_invite` takes it on.
    The role offered first is a sales administrator's (My organization passes `initial` user)."""

    email = forms.EmailField(label=gettext_lazy("E-mail"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=Role.choices, initial=Role.SALES_ADMIN
    )
