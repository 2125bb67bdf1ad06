"""The REST API (`/api/v1`): one NinjaAPI, session and token auth, errors as `{"detail": …}`.

Each app contributes `router` from its `api.py`, mounted at the end of this module by name;
paths are those of docs/reference/api.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer, SessionAuth

from partnerhub.accounts.api import router as accounts_router
from partnerhub.accounts.models import ApiToken
from partnerhub.accounts.services import TokenRefused, token_authenticate
from partnerhub.accounts.signals import token_used
from partnerhub.accounts.throttle import client_ip
from partnerhub.alerts.api import router as alerts_router
from partnerhub.analytics.api import router as analytics_router
from partnerhub.api.docs import OfflineSwagger
from partnerhub.api.errors import (
    InputError,
    JsonParser,
    document_errors,
    reject_nul_in_url,
    translated_errors,
)
from partnerhub.calling.api import router as calling_router
from partnerhub.core.api import router as core_router
from partnerhub.core.clock import AsOfError
from partnerhub.core.language import accept_language, person_language
from partnerhub.core.middleware import use_language
from partnerhub.core.paging import PageError
from partnerhub.customers.api import router as customers_router
from partnerhub.helpdesk.api import router as helpdesk_router
from partnerhub.ingest.api import router as ingest_router
from partnerhub.jobs.api import router as jobs_router
from partnerhub.orgs.api import router as orgs_router
from partnerhub.resources.api import router as resources_router
from partnerhub.signins.api import router as signins_router
from partnerhub.subscriptions.api import router as subscriptions_router
from partnerhub.tags.api import router as tags_router
from partnerhub.trials.api import router as trials_router
from partnerhub.twostep.api import router as twostep_router
from partnerhub.webhooks.api import router as webhooks_router


def speak_to(request: HttpRequest, user: Any) -> None:
    """The API answers in the request's Accept-Language when it names a language Partner Hub
    speaks (core/middleware.py has already switched to it), else in the language the caller's
    person chose; LocaleMiddleware names it in Content-Language."""
    if not accept_language(request):
        use_language(request, person_language(user, fallback=translation.get_language()))


# A read-only token may make these requests only (docs/reference/api.md#authentication).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """`Authorization: Bearer TOKEN`: the token acts as its person, within its limits.

    A revoked or expired token answers 401, one from an address its allow-list does not name or
    a read-only one asked to write answers 403, each with its reason in `detail`. The first use
    of a token on a UTC day sends `accounts.signals.token_used` (the sign-in audit records it).
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            use = token_authenticate(
                token,
                address=client_ip(request),
                write=(request.method or "GET").upper() not in READ_METHODS,
            )
        except TokenRefused as refused:
            raise HttpError(refused.status, refused.message) from None
        if use is None:
            return None
        request.user = use.user
        speak_to(request, use.user)
        if use.first_today:
            token_used.send(sender=ApiToken, token=use.token, request=request)
        return use.user


class CookieSessionAuth(SessionAuth):
    """The signed-in browser session, with Django's CSRF check; never for a token request.

    A request carrying `Authorization` is a script's: its token alone decides (an invalid or
    revoked one answers 401, not the CSRF check's 403). A request without a session cookie has
    no session to forge, so it too is simply not authenticated here (401).
    """

    def __call__(self, request: HttpRequest) -> Any:
        if "authorization" in request.headers or self.param_name not in request.COOKIES:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user:
            speak_to(request, user)
        return user


class PartnerHubAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document also declares the error answers of every operation."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(schema)
        return schema


api = PartnerHubAPI(
    title="Partner Hub API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), CookieSessionAuth()],
    docs_url="/docs",
    docs=OfflineSwagger(),
    parser=JsonParser(),
)
api.add_decorator(reject_nul_in_url, mode="view")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc) or _("Your role does not allow this.")}, status=403
    )


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": _("Authentication required: send Authorization: Bearer TOKEN.")},
        status=401,
    )


@api.exception_handler(AsOfError)
def _bad_as_of(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request, {"detail": [{"loc": ["query", "as_of"], "msg": str(exc)}]}, status=422
    )


@api.exception_handler(PageError)
def _bad_page(request: HttpRequest, exc: PageError) -> HttpResponse:
    return api.create_response(
        request, {"detail": [{"loc": ["query", exc.field], "msg": str(exc)}]}, status=422
    )


@api.exception_handler(InputError)
def _bad_input(request: HttpRequest, exc: InputError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.detail}, status=422)


@api.exception_handler(DjangoValidationError)
def _django_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        detail: Any = [
            {"loc": ["body", field], "msg": " ".join(str(m) for m in msgs)}
            for field, msgs in exc.message_dict.items()
        ]
    else:
        detail = [{"loc": ["body"], "msg": " ".join(exc.messages)}]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(NinjaValidationError)
def _ninja_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": translated_errors(exc.errors)}, status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, NinjaValidationError):  # a body JsonParser refused: 422
        return _ninja_invalid(request, exc.__cause__)
    if isinstance(exc.__cause__, SuspiciousOperation):  # the body could not be read at all
        return _suspicious(request, exc.__cause__)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A body over Django's limits (DATA_UPLOAD_MAX_*) answers 413 JSON, not an HTML 400."""
    if isinstance(exc, RequestDataTooBig):
        detail = _(
            "The request body is too large: at most %(limit)s bytes "
            "(setting DATA_UPLOAD_MAX_MEMORY_SIZE)."
        ) % {"limit": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}"}
        return api.create_response(request, {"detail": detail}, status=413)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        detail = _("The request body has too many fields or files.")
        return api.create_response(request, {"detail": detail}, status=413)
    return api.create_response(request, {"detail": _("The request could not be read.")}, status=400)


class MeOut(Schema):
    email: str
    name: str
    role: str
    partner_id: str | None
    partner: str | None


@api.get("/me", response=MeOut, tags=["accounts"], summary="The person the token acts as")
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the caller is: e-mail, name, role and partner."""
    user: Any = request.user
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "partner_id": user.partner.ext_id if user.partner_id else None,
        "partner": user.partner.name if user.partner_id else None,
    }


# Every app's router, mounted by name in this order: a module renamed or removed fails at start-up.
api.add_router("", accounts_router)
api.add_router("", customers_router)
api.add_router("", tags_router)
api.add_router("", trials_router)
api.add_router("", subscriptions_router)
api.add_router("", orgs_router)
api.add_router("", ingest_router)
api.add_router("", analytics_router)
api.add_router("", calling_router)
api.add_router("", resources_router)
api.add_router("", helpdesk_router)
api.add_router("", jobs_router)
api.add_router("", alerts_router)
api.add_router("", webhooks_router)
api.add_router("", signins_router)
api.add_router("", twostep_router)
api.add_router("", core_router)
