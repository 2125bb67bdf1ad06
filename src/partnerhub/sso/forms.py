"""The full administrator's single sign-on form and the sign-in page's e-mail for it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from partnerhub.core.forms import StyledForm


class SingleSignOnForm(StyledForm):
    issuer = forms.CharField(
        label=_("Issuer URL"),
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://login.example.com"}),
        help_text=_(
            "Your identity provider's issuer; its /.well-known/openid-configuration is read "
            "from there."
        ),
    )
    client_id = forms.CharField(label=_("Client ID"), required=False, max_length=191)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        max_length=191,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    domain = forms.CharField(
        label=_("E-mail domain"),
        required=False,
        max_length=253,
        widget=forms.TextInput(attrs={"placeholder": "example.com"}),
        help_text=_(
            "People whose e-mail is in this domain sign in through your identity provider."
        ),
    )
    passwords_barred = forms.BooleanField(
        label=_("Bar passwords for this domain"),
        required=False,
        help_text=_("People of this domain can then sign in only with single sign-on."),
    )


class SignInEmailForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
