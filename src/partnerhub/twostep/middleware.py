"""A person who must sign in with a second step and has none reaches only its set-up."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from partnerhub.accounts.policy import may_use_two_step
from partnerhub.twostep.selectors import two_step_enabled, two_step_required

# Set once this session's person has a second step: later requests ask the database nothing.
SESSION_DONE = "twostep_done"


def _open_paths() -> tuple[str, ...]:
    """What such a person may still open: the set-up itself (allauth's pages), confirming their
    password for it, signing out, the language switch, and static files."""
    return (
        reverse("mfa_index"),
        reverse("account_reauthenticate"),
        reverse("accounts:logout"),
        reverse("accounts:language"),
        "/static/",
    )


class TwoStepRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.open_paths: tuple[str, ...] | None = None
        self.allauth_paths: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and request.path.startswith(self._allauth_paths())
            and not may_use_two_step(user)
        ):
            # allauth's pages go through the one permission policy like every other page.
            raise PermissionDenied
        if (
            user.is_authenticated
            and not request.session.get(SESSION_DONE)
            and two_step_required(user)
        ):
            if two_step_enabled(user):
                request.session[SESSION_DONE] = True
            else:
                return self._set_up_first(request) or self.get_response(request)
        return self.get_response(request)

    def _allauth_paths(self) -> tuple[str, ...]:
        if self.allauth_paths is None:
            self.allauth_paths = (reverse("mfa_index"), reverse("account_reauthenticate"))
        return self.allauth_paths

    def _set_up_first(self, request: HttpRequest) -> HttpResponse | None:
        if self.open_paths is None:
            self.open_paths = _open_paths()
        if request.path.startswith(self.open_paths):
            return None
        text = _(
            "Your partner requires two-step sign-in. Set up an authenticator app or a security "
            "key to continue."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": text}, status=403)
        if request.headers.get("HX-Request"):
            # A fragment (the alerts badge): on the set-up page itself it stays empty; anywhere
            # else the whole page goes to the set-up.
            current = urlsplit(request.headers.get("HX-Current-URL", "")).path
            if current.startswith(self.open_paths):
                return HttpResponse(status=204)
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("mfa_index")
            return response
        if request.method == "GET":
            messages.warning(request, text)
        return redirect("mfa_index")
