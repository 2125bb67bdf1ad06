"""Small checks shared by the services that validate a form's worth of input at once.

Each check adds at most one message under its field to an `errors` dict (field -> messages),
the shape the services raise as `ValidationError(errors)`. Messages that differ between
callers are passed in, already translated, so each stays wrapped in `_()` where it is written.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

Errors = dict[str, list[str]]

NAME_MAX = 200


def check_name(
    errors: Errors, field: str, value: str, *, missing: str, too_long: str, limit: int = NAME_MAX
) -> None:
    """Note `missing` when the (already stripped) `value` is empty, `too_long` past `limit`."""
    if not value:
        errors[field] = [missing]
    elif len(value) > limit:
        errors[field] = [too_long]


def check_email(errors: Errors, field: str, value: str, *, missing: str | None = None) -> None:
    """Note `missing` when the (already normalised) `value` is empty, or that it is not a valid
    e-mail address; with no `missing` message, an empty value is simply not a valid address."""
    if not value and missing is not None:
        errors[field] = [missing]
        return
    try:
        validate_email(value)
    except ValidationError:
        errors[field] = [_("Enter a valid e-mail address.")]
