"""Signing in with single sign-on (the sign-in page's e-mail, handed to allauth), and the full
administrator's page: Users › Roles and security › Single sign-on."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerhub.accounts.policy import Action
from partnerhub.core.forms import apply_errors
from partnerhub.core.views import partner_view
from partnerhub.sso.forms import SignInEmailForm, SingleSignOnForm
from partnerhub.sso.models import provider_id_of
from partnerhub.sso.selectors import single_sign_on_for_email, single_sign_on_of_partner
from partnerhub.sso.services import sso_remove, sso_set


@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    """The sign-in page's "Sign in with single sign-on": the e-mail's domain names the partner's
    identity provider, and allauth's OpenID Connect login takes this same (CSRF-checked) POST on
    to it. An e-mail of no configured domain is told so on the sign-in page."""
    form = SignInEmailForm(request.POST)
    sso = single_sign_on_for_email(form.data.get("email", "")) if form.is_valid() else None
    if sso is None:
        messages.error(
            request,
            _("Single sign-on is not set up for this e-mail's domain. Sign in with your password.")
            if form.is_valid()
            else _("E-mail: enter a valid e-mail address to sign in with single sign-on."),
        )
        return redirect("accounts:login")
    # The identity provider is told who is signing in (OpenID Connect's login_hint).
    query = request.GET.copy()
    query["auth_params"] = urlencode({"login_hint": form.cleaned_data["email"]})
    request.GET = query  # type: ignore[assignment]
    response = oidc_views.login(request, provider_id=sso.app.provider_id)
    if response.status_code != 302:
        return response
    # Not a redirect: the sign-in page's policy lets its forms go only to Partner Hub
    # (form-action 'self', which browsers apply to a form's redirects too), so this page sends
    # the browser on to the identity provider itself.
    return render(
        request,
        "sso/to_provider.html",
        {"url": response["Location"], "provider": sso.app.name},
    )


@partner_view(Action.MANAGE_ROLES)
def settings_page(request: HttpRequest) -> HttpResponse:
    """The partner's identity provider: set up, change (the secret is write-only) or remove."""
    user: Any = request.user
    partner = user.partner
    current = single_sign_on_of_partner(partner)
    if request.method == "POST" and request.POST.get("remove"):
        if sso_remove(user, partner):
            messages.success(
                request, _("Single sign-on was removed; people sign in with passwords.")
            )
        return redirect("sso:settings")
    if request.method == "POST":
        form = SingleSignOnForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sso_set(
                    user,
                    partner,
                    issuer=data["issuer"],
                    client_id=data["client_id"],
                    client_secret=data["client_secret"],
                    domain=data["domain"],
                    passwords_barred=data["passwords_barred"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Single sign-on was saved."))
                return redirect("sso:settings")
    else:
        initial = (
            {
                "issuer": current.issuer,
                "client_id": current.app.client_id,
                "domain": current.domain,
                "passwords_barred": current.passwords_barred,
            }
            if current
            else {}
        )
        form = SingleSignOnForm(initial=initial)
    # What the identity provider must allow as the redirect URI of this client.
    callback = request.build_absolute_uri(
        reverse("openid_connect_callback", kwargs={"provider_id": provider_id_of(partner)})
    )
    return render(
        request,
        "sso/settings.html",
        {"form": form, "current": current, "partner": partner, "callback_url": callback},
    )
