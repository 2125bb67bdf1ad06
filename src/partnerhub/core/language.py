"""Which language a person reads: their profile's choice, else the request's, else the default.

Pages: a signed-in person's `language` wins (core/middleware.py); before signing in, or while
they have not chosen, the `django_language` cookie of the sign-in page's switcher, then
Accept-Language (Django's LocaleMiddleware). The API: Accept-Language when it names one of
LANGUAGES, else the token's person's choice. E-mails: the recipient's choice, whoever sends them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import HttpRequest
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.utils.translation.trans_real import parse_accept_lang_header


def supported(code: str | None) -> str:
    """`code` when it is one of LANGUAGES (a regional variant such as pl-PL counts), else ""."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return ""


def terminal_language(environ: dict[str, str]) -> str:
    """The language of a person at a terminal: the first of LANGUAGE (a colon list), LC_ALL,
    LC_MESSAGES and LANG that is set (POSIX's order; "C" and "POSIX" mean no choice), if
    Partner Hub speaks it (pl_PL.UTF-8 is Polish), else LANGUAGE_CODE."""
    names = [*environ.get("LANGUAGE", "").split(":")]
    names += [environ.get(key, "") for key in ("LC_ALL", "LC_MESSAGES", "LANG")]
    for name in names:
        code = name.split(".")[0].split("@")[0].replace("_", "-")
        if code and code not in {"C", "POSIX"}:
            return supported(code) or settings.LANGUAGE_CODE
    return settings.LANGUAGE_CODE


class LocalizedCommand(BaseCommand):
    """A management command whose `help` may be lazy: --help reads in the active language."""

    # The command-line option each service field is typed as ("expires_in" -> "--expires-in").
    option_of_field: dict[str, str] = {}

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def option_errors(self, error: ValidationError) -> CommandError:
        """A service's refusal, one line per message, each naming the option it is about."""
        return CommandError(
            "\n".join(
                f"{self.option_of_field.get(field, field)}: {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            )
        )


def person_language(person: Any, fallback: str | None = None) -> str:
    """The language to address `person` in: their choice, else `fallback`, else LANGUAGE_CODE."""
    return (
        supported(getattr(person, "language", "")) or supported(fallback) or settings.LANGUAGE_CODE
    )


def accept_language(request: HttpRequest) -> str:
    """The first language of the request's Accept-Language header that Partner Hub speaks, or ""
    when the header is absent or names none of them."""
    header = request.headers.get("Accept-Language", "")
    for code, _quality in parse_accept_lang_header(header):
        if code != "*" and (found := supported(code)):
            return found
    return ""


@contextmanager
def speaking_to(person: Any, fallback: str | None = None) -> Iterator[str]:
    """Render what is inside (an e-mail) in `person`'s language; yields that language."""
    language = person_language(person, fallback)
    with translation.override(language):
        yield language


def by_language(
    people: Iterable[tuple[str, str]], fallback: str | None = None
) -> dict[str, list[str]]:
    """Group (e-mail, language) pairs by the language to write to each in (one e-mail each)."""
    groups: dict[str, list[str]] = {}
    for email, language in people:
        groups.setdefault(
            supported(language) or supported(fallback) or settings.LANGUAGE_CODE, []
        ).append(email)
    return groups


# --- Figures in the reader's language ------------------------------------------------------


def grouped(value: Any, decimals: int | None = None) -> str:
    """`value` with the active language's separators ("1,234.5" in English, "1 234,5" in Polish,
    a no-break space grouping); at most `decimals` decimal places when given."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if decimals is not None:
        # 12.0 reads 12 and 12.50 reads 12.5: no trailing zeros on a figure read at a glance.
        number = round(number, decimals).normalize()
    return number_format(number, use_l10n=True, force_grouping=True)


def percent(value: Any, decimals: int = 1) -> str:
    """A percentage: "12.5%" in English, "12,5%" in Polish; "—" for no value."""
    if value is None or value == "":
        return "—"
    return _("%(number)s%%") % {"number": grouped(value, decimals)}


def license_count(n: int) -> str:
    """A count of licenses in words, with the language's plural forms: "1 license", "2 licenses";
    in Polish "1 licencja", "2 licencje", "5 licencji", "22 licencje"."""
    return ngettext("%(n)s license", "%(n)s licenses", n) % {"n": grouped(n)}
