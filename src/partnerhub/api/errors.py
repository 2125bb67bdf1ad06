"""The API's error answers (docs/reference/api.md#errors): their schema in the OpenAPI document, and
input no database can store (NUL characters) or no JSON parser accepts, refused as 422 naming
the field before it reaches a view."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

NUL = "\x00"


class InputError(Exception):
    """Invalid input: answered 422 with the field and the reason."""

    def __init__(self, detail: Any) -> None:
        super().__init__(str(detail))
        self.detail = detail


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


# Pydantic's own messages for invalid input are English only: in another language, each kind of
# error (its `type`) is answered with one of these instead (its `ctx` fills the placeholders).
# English answers keep pydantic's exact words, which the API reference quotes.
_VALIDATION_MESSAGES: dict[str, Any] = {
    "missing": gettext_lazy("Field required"),
    "extra_forbidden": gettext_lazy("Extra inputs are not permitted"),
    "string_type": gettext_lazy("Input should be a valid string"),
    "int_type": gettext_lazy("Input should be a valid integer"),
    "int_parsing": gettext_lazy("Input should be a valid integer"),
    "int_parsing_size": gettext_lazy("Input should be a valid integer"),
    "int_from_float": gettext_lazy(
        "Input should be a valid integer, got a number with a fractional part"
    ),
    "float_type": gettext_lazy("Input should be a valid number"),
    "float_parsing": gettext_lazy("Input should be a valid number"),
    "decimal_type": gettext_lazy("Input should be a valid number"),
    "decimal_parsing": gettext_lazy("Input should be a valid number"),
    "finite_number": gettext_lazy("Input should be a finite number"),
    "bool_type": gettext_lazy("Input should be a valid boolean"),
    "bool_parsing": gettext_lazy("Input should be a valid boolean"),
    "date_type": gettext_lazy("Input should be a valid date as YYYY-MM-DD"),
    "date_parsing": gettext_lazy("Input should be a valid date as YYYY-MM-DD"),
    "date_from_datetime_parsing": gettext_lazy("Input should be a valid date as YYYY-MM-DD"),
    "date_from_datetime_inexact": gettext_lazy("Input should be a date without a time of day"),
    "datetime_type": gettext_lazy("Input should be a valid date and time (ISO 8601)"),
    "datetime_parsing": gettext_lazy("Input should be a valid date and time (ISO 8601)"),
    "datetime_from_date_parsing": gettext_lazy("Input should be a valid date and time (ISO 8601)"),
    "list_type": gettext_lazy("Input should be a valid list"),
    "dict_type": gettext_lazy("Input should be a JSON object"),
    "model_type": gettext_lazy("Input should be a JSON object"),
    "model_attributes_type": gettext_lazy("Input should be a JSON object"),
    "json_invalid": gettext_lazy("Invalid JSON"),
    "literal_error": gettext_lazy("Input should be %(expected)s"),
    "enum": gettext_lazy("Input should be %(expected)s"),
    "greater_than": gettext_lazy("Input should be greater than %(gt)s"),
    "greater_than_equal": gettext_lazy("Input should be greater than or equal to %(ge)s"),
    "less_than": gettext_lazy("Input should be less than %(lt)s"),
    "less_than_equal": gettext_lazy("Input should be less than or equal to %(le)s"),
}


def _counted_message(kind: str, ctx: dict[str, Any]) -> str | None:
    """The messages of length limits, whose noun agrees with the limit."""
    if kind in {"string_too_short", "too_short"}:
        n = ctx.get("min_length")
        if kind == "string_too_short":
            text = ngettext(
                "String should have at least %(n)s character",
                "String should have at least %(n)s characters",
                n or 0,
            )
        else:
            text = ngettext(
                "Should have at least %(n)s item", "Should have at least %(n)s items", n or 0
            )
    elif kind in {"string_too_long", "too_long"}:
        n = ctx.get("max_length")
        if kind == "string_too_long":
            text = ngettext(
                "String should have at most %(n)s character",
                "String should have at most %(n)s characters",
                n or 0,
            )
        else:
            text = ngettext(
                "Should have at most %(n)s item", "Should have at most %(n)s items", n or 0
            )
    else:
        return None
    return text % {"n": n} if isinstance(n, int) else None


def translated_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validation errors with `msg` in the active language (pydantic's own words in English)."""
    if (get_language() or "en").split("-")[0] == "en":
        return errors
    out = []
    for error in errors:
        kind, ctx = error.get("type"), error.get("ctx") or {}
        message = _counted_message(kind, ctx) if isinstance(kind, str) else None
        template = _VALIDATION_MESSAGES.get(kind) if isinstance(kind, str) else None
        if message is None and template is not None:
            values = dict(ctx)
            if isinstance(values.get("expected"), str):
                # pydantic joins the allowed values with an English "or"
                word = pgettext("one value or another", "or")
                values["expected"] = values["expected"].replace(" or ", f" {word} ")
            try:
                message = str(template) % values
            except (KeyError, TypeError, ValueError):
                message = None
        out.append({**error, "msg": message} if message is not None else error)
    return out


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
