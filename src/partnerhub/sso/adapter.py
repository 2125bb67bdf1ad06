"""django-allauth's social account adapter: a partner's identity provider signs in people who
already exist, never anyone new (SOCIALACCOUNT_ADAPTER)."""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal.datakit import parse_bool_safely
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from partnerhub.accounts.backends import sign_in_identity
from partnerhub.accounts.models import User
from partnerhub.sso.selectors import domain_of, single_sign_on_of_provider

# How the sign-in audit names a sign-in through single sign-on (signins.models.Method), told
# through the request, as its listener reads it (features do not import each other).
SSO_METHOD = "sso"


def refusal(request: HttpRequest, text: str, status: int = 403) -> ImmediateHttpResponse:
    return ImmediateHttpResponse(
        render(
            request,
            "registration/message.html",
            {
                "title": _("Single sign-on did not sign you in"),
                "text": text,
                "link": reverse("accounts:login"),
                "link_label": _("Back to signing in"),
            },
            status=status,
        )
    )


def _claims(sociallogin: Any) -> dict[str, Any]:
    """The identity provider's claims (its userinfo, else the ID token)."""
    data = sociallogin.account.extra_data or {}
    return data.get("userinfo") or data.get("id_token") or data


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Nobody is created by signing in: people are invited by their full administrator.
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """Sign in the active person of the provider's partner: the one already linked, else the
        one whose e-mail the provider says is theirs and verified, in the partner's domain (the
        first sign-in links them). Anything else is refused; no account is ever created."""
        sso = single_sign_on_of_provider(sociallogin.account.provider)
        if sso is None:
            raise refusal(request, _("Single sign-on is not set up for this organization."))
        claims = _claims(sociallogin)
        email = sign_in_identity(str(claims.get("email") or ""))
        if sociallogin.is_existing:
            person = sociallogin.user
        else:
            if not email or not parse_bool_safely(claims.get("email_verified")):
                raise refusal(
                    request,
                    _(
                        "Your identity provider did not confirm a verified e-mail address, so "
                        "Partner Hub cannot tell who you are. Ask your administrator."
                    ),
                )
            if domain_of(email) != sso.domain:
                raise refusal(
                    request,
                    _(
                        "Your e-mail %(email)s is not in the domain %(domain)s that this "
                        "identity provider signs in."
                    )
                    % {"email": email, "domain": sso.domain},
                )
            person = User.objects.filter(email=email).first()
        if person is None or not person.is_active or person.partner_id != sso.partner_id:
            raise refusal(
                request,
                _(
                    "There is no active Partner Hub account for %(email)s in this organization. "
                    "Single sign-on signs in only people who were invited; ask your "
                    "administrator."
                )
                % {"email": email or _("your e-mail")},
            )
        if not sociallogin.is_existing:
            sociallogin.connect(request, person)
        request.sign_in_method = SSO_METHOD  # type: ignore[attr-defined]

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        """The identity provider refused, was cancelled, or could not be reached: Partner Hub's
        own page says so (allauth's own pages are not mounted)."""
        raise refusal(
            request,
            _(
                "Signing in with your identity provider did not complete. Try again, or ask "
                "your administrator to check the single sign-on settings."
            ),
            status=400,
        )
