"""Cross-cutting HTTP behaviour: security headers, NUL characters, the person's language."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation
from django.utils.translation import gettext as _

from partnerhub.core.language import accept_language, supported


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


def use_language(request: HttpRequest, language: str) -> None:
    """Answer this request in `language` (LocaleMiddleware names it in Content-Language)."""
    translation.activate(language)
    request.LANGUAGE_CODE = language  # type: ignore[attr-defined]


class PersonLanguageMiddleware:
    """Pages: a signed-in person's chosen language wins over the cookie and Accept-Language
    that LocaleMiddleware went by. Placed after AuthenticationMiddleware: the person is the one
    the page loads anyway, so it costs no query. The API: Accept-Language, when it names one of
    LANGUAGES, wins over the cookie; the token's person is known only once the API has
    authenticated it (api/api.py). See core/language.py."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            if asked := accept_language(request):
                use_language(request, asked)
        else:
            user = getattr(request, "user", None)
            chosen = ""
            if user is not None and user.is_authenticated:
                chosen = supported(getattr(user, "language", ""))
            if chosen:
                use_language(request, chosen)
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
