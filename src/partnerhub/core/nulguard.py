"""A NUL character in any field of a page's form answers 400 naming the field, before the view.

PostgreSQL cannot store or compare a NUL, so a form that reached the database with one answered
500 there while SQLite stored it. Django's forms.CharField already refuses NUL, but views that
read `request.POST` directly, or fields that are not CharFields, did not; this middleware is the
one place every page form passes. The API refuses the same in its JSON parser (422), and
`core.middleware.RejectNulMiddleware` does it for the address (400).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.utils.translation import gettext as _

NUL = "\x00"


def nul_field(data: QueryDict) -> str | None:
    """The name of the first field whose name or value holds a NUL character, else None."""
    for key, values in data.lists():
        if NUL in key:
            return key.replace(NUL, "\\u0000")
        if any(NUL in value for value in values):
            return key
    return None


class RejectNulFormMiddleware:
    """400 for a page form (POST) holding a NUL character; list it after CsrfViewMiddleware.

    It reads `request.POST` only where the CSRF check already has: views exempt from that check
    (the API, which answers 422 itself; the helpdesk's uploads, which install their size limits
    before the body is read) are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        field = nul_field(request.POST)
        if field is None:
            return None
        return HttpResponseBadRequest(
            _(
                "The form field “%(field)s” contains a NUL character (\\u0000), which cannot be "
                "stored. Remove it and send the form again."
            )
            % {"field": field}
        )
