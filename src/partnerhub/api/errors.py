"""The API's error answers (docs/reference/api.md#errors): their schema in the OpenAPI document, and
input no database can store (NUL characters) or no JSON parser accepts, refused as 422 naming
the field before it reaches a view."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

NUL = "\x00"


class ErrorOut(Schema):
    """An error: `detail` is a message, or (422) a list of `{"loc": [where, field], "msg": why}`."""

    detail: str | list[dict[str, Any]]


# The answers every operation may give besides its own (docs/reference/api.md#errors).
COMMON_ERRORS = {
    401: gettext_lazy("No valid token: send Authorization: Bearer TOKEN."),
    403: gettext_lazy("The caller's role does not allow this action."),
    404: gettext_lazy("Not found, or outside the caller's scope."),
    422: gettext_lazy("Invalid input: `detail` names each field and the reason."),
}


def document_errors(schema: dict[str, Any]) -> None:
    """Declare `ErrorOut` answers for COMMON_ERRORS on every operation that declares none of its
    own for that status, so the document lists every status code the API answers."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                if status not in responses and str(status) not in responses:
                    responses[status] = {"description": str(description), "content": content}


def _nul_paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Where in a decoded JSON value a string (or an object key) holds a NUL character."""
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield (*path, key)
            else:
                yield from _nul_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, (*path, index))


def _nul_message() -> str:
    return _("must not contain NUL (\\u0000) characters")


def _reject_constant(name: str) -> Any:
    raise ValueError(_("%(name)s is not a JSON number") % {"name": name})


class JsonParser(Parser):
    """Strict JSON bodies: invalid JSON (NaN and Infinity included) or a NUL character in any
    string is a 422 naming where, not a 400 or a database error."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            data = json.loads(request.body, parse_constant=_reject_constant)
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN/Infinity
            reason = _("not valid JSON: %(reason)s") % {"reason": exc}
            raise NinjaValidationError([{"loc": ["body"], "msg": reason}]) from exc
        bad = [{"loc": ["body", *where], "msg": _nul_message()} for where in _nul_paths(data)]
        if bad:
            # django-ninja answers any parser error as a 400; api.api unwraps this one to a 422.
            raise NinjaValidationError(bad)
        return data


def reject_nul_in_url(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view decorator: a NUL character in a path or query parameter answers 422 naming it."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        bad = [
            {"loc": ["path", name], "msg": _nul_message()}
            for name, value in kwargs.items()
            if isinstance(value, str) and NUL in value
        ]
        bad += [
            {"loc": ["query", key], "msg": _nul_message()}
            for key, values in request.GET.lists()
            if NUL in key or any(NUL in value for value in values)
        ]
        if bad:
            return JsonResponse({"detail": bad}, status=422)
        return run(request, *args, **kwargs)

    return wrapper
