"""Cross-cutting HTTP behaviour: security headers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _


class RejectNulMiddleware:
    """A NUL character in a page's path or query answers 400 (PostgreSQL cannot store or
    compare it; the API answers 422 for the same through its own decorator)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/") and (
            "\x00" in request.path
            or any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists())
        ):
            return HttpResponseBadRequest(_("The address contains a NUL character."))
        return self.get_response(request)


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    """Content Security Policy (no third-party origins: every asset is served by the app)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Every page, the API docs included (their Swagger UI is served by the app itself).
        response.setdefault("Content-Security-Policy", CSP)
        return response
