"""The language switcher of the user menu and of the sign-in page (README, "Languages")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from partnerhub.accounts.policy import may_choose_language
from partnerhub.accounts.services import user_language_set
from partnerhub.core.views import forbid_unless


def _back(request: HttpRequest) -> str:
    """The page the language was chosen on (`next`, else the referring page), if it is one of
    ours; else the start page."""
    for candidate in (request.POST.get("next"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return reverse("home")


@require_POST
def language_choose(request: HttpRequest) -> HttpResponse:
    """Keep the chosen language and go back to the page it was chosen on.

    Signed in, any role: on the person's own profile (their pages and e-mails follow it) and in
    the language cookie (so the sign-in page speaks it after signing out). Before signing in:
    the cookie only, as Django's set_language does. "" hands the choice back to the browser; a
    language Partner Hub does not offer changes nothing.
    """
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_back(request))
    if language and language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        forbid_unless(may_choose_language(request.user))
        user_language_set(user=request.user, language=language)  # type: ignore[arg-type]
    where: dict[str, Any] = {
        "path": settings.LANGUAGE_COOKIE_PATH,
        "domain": settings.LANGUAGE_COOKIE_DOMAIN,
        "samesite": settings.LANGUAGE_COOKIE_SAMESITE,
    }
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            **where,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, **where)
    return response
