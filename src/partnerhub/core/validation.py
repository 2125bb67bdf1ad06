"""Small checks shared by the services that validate a form's worth of input at once.

Each check adds at most one message under its field to an `errors` dict (field -> messages),
the shape the services raise as `ValidationError(errors)`. Messages that differ between
callers are passed in, already translated, so each stays wrapped in `_()` where it is written.

Names (tags, saved filters, company names) are also refused when they hold a NUL character
(PostgreSQL cannot store one; SQLite would, and every later comparison would differ between the
two) or an invisible bidirectional control character: those reorder how the text around them
is displayed ("Trojan Source", CVE-2021-42574), so a name could show as something it is not.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

Errors = dict[str, list[str]]

NAME_MAX = 200

NUL = "\x00"
# Explicit embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the implicit
# marks (U+200E, U+200F, U+061C): none of them has a place in a short name.
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)


def unsafe_name_reason(value: str, *, label: str) -> str | None:
    """Why `value` cannot be a name (a NUL or a bidirectional control character), or None;
    `label` (translated) names the field: "The tag name", "The filter name"."""
    if NUL in value:
        return _("%(label)s must not contain NUL (\\u0000) characters.") % {"label": label}
    found = next((ch for ch in value if ch in BIDI_CONTROLS), None)
    if found is not None:
        return _(
            "%(label)s must not contain the invisible text-direction character U+%(code)04X "
            "(it changes how the text around it is displayed); remove it."
        ) % {"label": label, "code": ord(found)}
    return None


def validate_name_characters(value: str, *, field: str, label: str) -> None:
    """Raise a ValidationError under `field` when `value` holds a NUL or a bidirectional control
    character (see unsafe_name_reason)."""
    reason = unsafe_name_reason(value, label=label)
    if reason is not None:
        raise ValidationError({field: [reason]})


def check_name(
    errors: Errors, field: str, value: str, *, missing: str, too_long: str, limit: int = NAME_MAX
) -> None:
    """Note `missing` when the (already stripped) `value` is empty, `too_long` past `limit`, and
    a NUL or a bidirectional control character in it."""
    if not value:
        errors[field] = [missing]
    elif len(value) > limit:
        errors[field] = [too_long]
    elif (reason := unsafe_name_reason(value, label=_("The name"))) is not None:
        errors[field] = [reason]


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
