"""The raw SQL that must stay raw, built one way: bound IN-lists, conditional counts, statements
with named values, and PostgreSQL's session settings.

Pages read through the ORM; the set-based rollups, loads and snapshots (activity, analytics,
calling, ingest) write SQL by hand, for statements the ORM cannot say (CREATE TABLE AS, upserts
from staging tables, bit-mask aggregates). Their identifiers (table and column names) come from
the models' `_meta` or the modules' own constants, never from input; values go in as bound
parameters through these helpers, and the few constants written inline (`literal_list`) are
quoted here. ruff's S608 ("SQL built from strings") is answered per statement, with its reason,
where a statement splices identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.backends.utils import CursorWrapper

_TOKEN = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def placeholders(n: int) -> str:
    """`%s, %s, …`: n bound parameters (a VALUES row, an IN-list)."""
    if n < 1:
        raise ValueError("SQL has no empty list: give at least one value")
    return ", ".join(["%s"] * n)


def in_list(values: Iterable[Any]) -> tuple[str, list[Any]]:
    """The inside of `IN (…)` for `values`, bound: the placeholders and their parameters."""
    params = list(values)
    return placeholders(len(params)), params


def literal_list(values: Iterable[str]) -> str:
    """`('a', 'b')`: an IN-list of this code's own constants (TextChoices values), written into
    the statement where it is repeated in many conditional counts; quoted, never input."""
    quoted = ["'" + str(value).replace("'", "''") + "'" for value in values]
    if not quoted:
        raise ValueError("SQL has no empty list: give at least one value")
    return "(" + ", ".join(quoted) + ")"


def count_if(condition: str, alias: str = "", *, integer: bool = False) -> str:
    """A conditional count, `COUNT(*) FILTER (WHERE condition)` (PostgreSQL and SQLite alike);
    `integer`: cast to INTEGER (PostgreSQL counts in BIGINT), for a narrow temporary table."""
    count = f"COUNT(*) FILTER (WHERE {condition})"
    if integer:
        count = f"CAST({count} AS INTEGER)"
    return f"{count} AS {alias}" if alias else count


def compose(
    template: str,
    values: Mapping[str, Any],
    fragments: Mapping[str, tuple[str, Sequence[Any]]] | None = None,
) -> tuple[str, list[Any]]:
    """Positional SQL and its parameters from a template with named values and fragments.

    `%(name)s` binds `values[name]`, a tuple binding as an IN-list (`IN (%(ids)s)`); `{name}`
    splices the SQL of `fragments[name]` (a subquery the ORM compiled) with its parameters, in
    the place it stands. Both spellings are the only ones the template may use.
    """
    params: list[Any] = []
    fragments = fragments or {}

    def replace(match: re.Match[str]) -> str:
        name, fragment = match.groups()
        if fragment:
            sql, fragment_params = fragments[fragment]
            params.extend(fragment_params)
            return sql
        value = values[name]
        if isinstance(value, tuple):
            marks, bound = in_list(value)
            params.extend(bound)
            return marks
        params.append(value)
        return "%s"

    return _TOKEN.sub(replace, template), params


# --- PostgreSQL session settings --------------------------------------------------------------


def set_local(cursor: CursorWrapper, **settings: str) -> None:
    """Change PostgreSQL settings until the current transaction ends (`SET LOCAL`), as bound
    values (`set_config`), in one statement; nothing on other databases."""
    if cursor.db.vendor != "postgresql" or not settings:
        return
    calls = ", ".join(["set_config(%s, %s, true)"] * len(settings))
    cursor.execute(f"SELECT {calls}", [part for item in settings.items() for part in item])


def raise_temp_buffers(cursor: CursorWrapper, size: str) -> None:
    """Let this session keep `size` of temporary tables in memory (the default, 8 MB, spills
    a few thousand wide rows to files). PostgreSQL accepts the setting only before the session's
    first temporary table; after that the session keeps what it has, and so does this."""
    cursor.execute("SAVEPOINT partnerhub_temp_buffers")
    try:
        cursor.execute("SELECT set_config('temp_buffers', %s, false)", [size])
    except DatabaseError:
        cursor.execute("ROLLBACK TO SAVEPOINT partnerhub_temp_buffers")
    cursor.execute("RELEASE SAVEPOINT partnerhub_temp_buffers")


@contextmanager
def without_jit() -> Iterator[None]:
    """Run the enclosed statements in one transaction without PostgreSQL's JIT compiler (a no-op
    on SQLite).

    JIT stays on for everything else (a refresh's large aggregates gain from it), but statements
    run once whose cost estimates are high pay more to compile than to run: the customer list's
    correlated status subqueries (80–120 ms of compilation, more than the whole page query), a
    person's analytics figures (seconds at 20,000 customers).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            set_local(cursor, jit="off")
        yield
