"""Names sort as people of the current language read them, on both databases.

Code-point order puts "Dąbrowski" after "Donau" and "Łukasz" after "Zawisza". PostgreSQL sorts
with its ICU collations (`pl-x-icu` for Polish, the root `und-x-icu` otherwise); SQLite has no
locale collations, so two are registered on every connection (`ph_pl`, `ph_root`) from the sort
keys below, which follow the same rules for the letters partner data holds: case and accents
are secondary differences (Dab < dąb < Dąbrowski < Donau), and in Polish the letters ą ć ę ł ń
ó ś ź ż are letters of their own that follow their base letter (Lwów < Łukasz < Mazur).

`name_order("name")` is the ORDER BY expression; it reads the active language when the query is
compiled, so one queryset sorts for whoever is asking.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Func, TextField
from django.db.models.sql.compiler import SQLCompiler
from django.utils import translation

SQLITE_COLLATIONS = {"pl": "ph_pl", "root": "ph_root"}
POSTGRESQL_COLLATIONS = {"pl": "pl-x-icu", "root": "und-x-icu"}

_POLISH_ALPHABET = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"
_POLISH_RANK = {letter: rank for rank, letter in enumerate(_POLISH_ALPHABET)}
# Letters with no decomposition that sort with a base letter outside Polish.
_BASE_OF = {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "ß": "ss"}


def _language_key() -> str:
    language = (translation.get_language() or "en").split("-")[0]
    return "pl" if language == "pl" else "root"


@functools.lru_cache(maxsize=65536)
def sort_key(text: str, language: str = "root") -> tuple[Any, ...]:
    """The collation key of `text`: primary letters, then accents, then case, then the text."""
    primary: list[tuple[int, int]] = []
    accents: list[str] = []
    cases: list[int] = []
    for char in text:
        lower = char.lower()
        cases.append(0 if char == lower else 1)
        if language == "pl" and lower in _POLISH_RANK:
            primary.append((2, _POLISH_RANK[lower]))
            accents.append("")
            continue
        decomposed = unicodedata.normalize("NFD", lower)
        base, marks = decomposed[0], decomposed[1:]
        if base in _BASE_OF:
            marks = "\u0338" + marks  # a stroke: a secondary difference from the base letter
            base = _BASE_OF[base]
        for letter in base:
            if letter.isalpha():
                rank = _POLISH_RANK.get(letter)
                primary.append((2, rank if rank is not None else 100 + ord(letter)))
            elif letter.isdigit():
                primary.append((1, ord(letter)))
            else:
                primary.append((0, ord(letter)))
        accents.append(marks)
    return (tuple(primary), tuple(accents), tuple(cases), text)


def _comparator(language: str) -> Any:
    def compare(a: str | None, b: str | None) -> int:
        ka, kb = sort_key(a or "", language), sort_key(b or "", language)
        return (ka > kb) - (ka < kb)

    return compare


def register_sqlite_collations(connection: BaseDatabaseWrapper, **_: Any) -> None:
    """connection_created receiver: the two name collations on each new SQLite connection."""
    if connection.vendor != "sqlite":
        return
    for language, name in SQLITE_COLLATIONS.items():
        connection.connection.create_collation(name, _comparator(language))


class NameOrder(Func):
    """`expr COLLATE <the active language's collation>`, for ORDER BY."""

    output_field = TextField()

    def as_sql(  # type: ignore[override]
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, Any]:
        collations = (
            POSTGRESQL_COLLATIONS if connection.vendor == "postgresql" else SQLITE_COLLATIONS
        )
        collation = connection.ops.quote_name(collations[_language_key()])
        return super().as_sql(
            compiler, connection, template=f"%(expressions)s COLLATE {collation}", **extra_context
        )


def name_order(field: str) -> NameOrder:
    """The ORDER BY expression of a name field, in the language of whoever is asking."""
    return NameOrder(F(field))
