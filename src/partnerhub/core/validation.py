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

import hashlib
import os
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
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


class BreachedPasswordValidator:
    """Refuse a password found in a breached-password list kept offline (AUTH_PASSWORD_VALIDATORS).

    The list is a local file (`PASSWORD_BREACHED_FILE`, or the `path` option) of lines
    "SHA1HEX:count" sorted by hash, as the "Pwned Passwords" downloads are: the password's SHA-1 is
    looked up by binary search on the file, read a line at a time, so a list of any size needs no
    memory and nothing leaves the machine. With no file named it checks nothing (the default); a
    named file that cannot be read is a configuration error, not a silent pass. No network
    (k-anonymity) look-up is made.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, min_count: int = 1) -> None:
        self.path = path
        self.min_count = min_count

    def _file(self) -> str:
        return os.fspath(self.path or getattr(settings, "PASSWORD_BREACHED_FILE", "") or "")

    def validate(self, password: str, user: Any = None) -> None:
        path = self._file()
        if not path:
            return
        digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
        try:
            count = breached_count(path, digest)
        except OSError as exc:
            raise ImproperlyConfigured(
                f"PASSWORD_BREACHED_FILE: cannot read {path!r} ({exc.strerror or exc})"
            ) from exc
        if count >= self.min_count:
            raise ValidationError(
                _(
                    "This password appears in a list of passwords exposed in data breaches; "
                    "choose another."
                ),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        if not self._file():
            return ""
        return _("Your password can’t be one exposed in a known data breach.")


def breached_count(path: str, digest: str) -> int:
    """How often the SHA-1 `digest` (hex) is listed in the sorted "HASH:count" file `path`
    (0 when it is not; a line without a count counts once)."""
    key = digest.strip().upper().encode()
    with open(path, "rb") as file:
        size = file.seek(0, os.SEEK_END)
        lo, hi = 0, size
        # The first position whose next whole line holds a hash >= key (lines are sorted).
        while lo < hi:
            mid = (lo + hi) // 2
            line = _line_from(file, mid)
            if line and _hash_of(line) < key:
                lo = mid + 1
            else:
                hi = mid
        line = _line_from(file, lo)
    if not line or _hash_of(line) != key:
        return 0
    _hash, _sep, count = line.strip().partition(b":")
    try:
        return max(int(count), 1) if count else 1
    except ValueError:
        return 1


def _line_from(file: IO[bytes], position: int) -> bytes:
    """The first whole line that starts at or after `position`."""
    if position == 0:
        file.seek(0)
    else:
        file.seek(position - 1)
        file.readline()  # the rest of the line that holds position - 1
    return file.readline()


def _hash_of(line: bytes) -> bytes:
    return line.split(b":", 1)[0].strip().upper()
