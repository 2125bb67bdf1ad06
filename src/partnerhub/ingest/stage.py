"""Staging tables per database: PostgreSQL gets rows by COPY, SQLite by executemany.

Staging tables are temporary (never WAL-logged on PostgreSQL) and unkeyed, so writing them costs
about as little as the database allows; `merge.py` then moves them into the real tables set-based.
"""

from __future__ import annotations

import datetime as dt
import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from psycopg.copy import Copy, FileWriter
from psycopg.errors import LockNotAvailable

from partnerhub.activity import callweeks
from partnerhub.core.sql import in_list, placeholders, raise_temp_buffers, set_local

# --- staging tables: one per kind (and per list inside a kind); `ln` is the line's load-wide number
# Column types are generic; `stage.py` maps them to each database.
STAGE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "partner": (("ln", "int"), ("ext_id", "text"), ("name", "text"), ("country", "text")),
    "partner_user": (
        ("ln", "int"),
        ("email", "text"),
        ("partner", "text"),
        ("name", "text"),
        ("role", "text"),
        ("has_customers", "bool"),
        ("password", "text"),
    ),
    "pu_customer": (("ln", "int"), ("email", "text"), ("partner", "text"), ("customer", "text")),
    "customer": (
        ("ln", "int"),
        ("ext_id", "text"),
        ("partner", "text"),
        ("name", "text"),
        ("created", "date"),
        ("country", "text"),
        ("has_tags", "bool"),
    ),
    "customer_tag": (("ln", "int"), ("customer", "text"), ("name", "text")),
    "external_admin": (("ln", "int"), ("customer", "text"), ("email", "text")),
    "admin_login": (("ln", "int"), ("customer", "text"), ("at_", "ts")),
    "item": (
        ("ln", "int"),
        ("ext_id", "text"),
        ("customer", "text"),
        ("is_trial", "bool"),
        ("start_", "date"),
        ("end_", "date"),
        ("auto_renew", "bool"),
        ("state", "text"),
    ),
    "item_line": (("ln", "int"), ("item", "text"), ("product", "text"), ("licenses", "int")),
    "order": (
        ("ln", "int"),
        ("ext_id", "text"),
        ("subscription", "text"),
        ("on_date", "date"),
        ("action", "text"),
        ("lines", "json"),
        ("amount", "num"),
        ("currency", "text"),
    ),
    "invoice": (
        ("ln", "int"),
        ("ext_id", "text"),
        ("subscription", "text"),
        ("on_date", "date"),
        ("amount", "num"),
        ("currency", "text"),
        ("status", "text"),
    ),
    "user": (
        ("ln", "int"),
        ("ext_id", "text"),
        ("customer", "text"),
        ("email", "text"),
        ("name", "text"),
    ),
    "assignment": (
        ("ln", "int"),
        ("usr", "text"),
        ("item", "text"),
        ("product", "text"),
        ("from_", "date"),
        ("to_", "date"),
    ),
    "call_queue": (("ln", "int"), ("ext_id", "text"), ("customer", "text"), ("name", "text")),
    "meeting": (
        ("ln", "int"),
        ("ext_id", "text"),
        ("customer", "text"),
        ("host", "text"),
        ("start_", "ts"),
        ("duration_s", "float"),
        ("day", "date"),
    ),
    "participant": (
        ("ln", "int"),
        ("meeting", "text"),
        ("customer", "text"),
        ("usr", "text"),
        ("day", "date"),
    ),
    "call": (
        ("ln", "int"),
        ("ext_id", "text"),
        ("customer", "text"),
        ("usr", "text"),
        ("start_", "ts"),
        ("week", "date"),
        ("day", "date"),
        ("duration_s", "float"),
        ("endpoint", "text"),
        ("call_type", "text"),
        ("direction", "text"),
        ("mos", "float"),
        ("jitter_ms", "float"),
        ("loss_pct", "float"),
        ("latency_ms", "float"),
        ("features", "int"),
        ("queue", "text"),
        ("queue_wait_s", "float"),
        ("queue_outcome", "text"),
    ),
    "resource": (
        ("ln", "int"),
        ("ext_id", "text"),
        ("title", "text"),
        ("url", "text"),
        ("type", "text"),
        ("products", "json"),
        ("summary", "text"),
        ("language", "text"),
        ("featured", "bool"),
        ("quick_link", "bool"),
    ),
    # ids of lines that were bad, so that lines referring to them are not reported as well
    "badid": (("ln", "int"), ("kind", "text"), ("ext_id", "text")),
}

# The key a later line replaces an earlier one by (used to drop superseded staging rows).
STAGE_KEYS: dict[str, tuple[str, ...]] = {
    "partner": ("ext_id",),
    "partner_user": ("email",),
    "customer": ("ext_id",),
    "item": ("ext_id",),
    "order": ("ext_id",),
    "invoice": ("ext_id",),
    "user": ("ext_id",),
    "assignment": ("usr", "item", "product", "from_"),
    "call_queue": ("ext_id",),
    "meeting": ("ext_id",),
    "call": ("ext_id",),
    "resource": ("ext_id",),
}
# Lists inside a line: their rows follow their parent line when it is superseded.
STAGE_CHILDREN: dict[str, str] = {
    "pu_customer": "partner_user",
    "customer_tag": "customer",
    "item_line": "item",
    "participant": "meeting",
}

_PG_TYPES = {
    "int": "bigint",
    "text": "text",
    "bool": "boolean",
    "date": "date",
    "ts": "timestamptz",
    "float": "double precision",
    "num": "numeric",
    "json": "text",
}
# the same as type names for psycopg's binary COPY formatter
_COPY_TYPES = {
    "int": "int8",
    "text": "text",
    "bool": "bool",
    "date": "date",
    "ts": "timestamptz",
    "float": "float8",
    "num": "numeric",
    "json": "text",
}
_SQLITE_TYPES = {
    "int": "integer",
    "text": "text",
    "bool": "integer",
    "date": "text",
    "ts": "text",
    "float": "real",
    "num": "text",
    "json": "text",
}


def stage_table(name: str) -> str:
    """The temporary table staging one kind."""
    return f"ingest_{name}"


class Backend(ABC):
    """What differs between PostgreSQL and SQLite while staging and merging."""

    vendor = ""
    types: dict[str, str] = {}
    batch_lines = 5_000  # lines per batch handed from the reader (and per executemany)

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    # value formats of the staging columns -------------------------------------------------
    @staticmethod
    def ts(value: dt.datetime) -> Any:
        return value

    @staticmethod
    def day(value: dt.date) -> Any:
        return value

    # SQL fragments ------------------------------------------------------------------------
    @abstractmethod
    def day_of(self, column: str) -> str:
        """The UTC day of a stored time."""

    def json(self, column: str) -> str:
        return column

    # tables -------------------------------------------------------------------------------
    def create(self, cursor: CursorWrapper) -> None:
        """Create (empty) staging tables for this load."""
        for name, columns in STAGE_COLUMNS.items():
            table = stage_table(name)
            cols = ", ".join(f"{col} {self.types[kind]}" for col, kind in columns)
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {table} ({cols})")
        cursor.execute("DROP TABLE IF EXISTS ingest_redo")
        cursor.execute(
            f"CREATE TEMPORARY TABLE ingest_redo (user_id {self.types['int']}, product text)"
        )
        callweeks.create_delta_table(cursor, self.types["int"], self.types["date"])
        cursor.execute("DROP TABLE IF EXISTS ingest_users")
        cursor.execute(
            f"CREATE TEMPORARY TABLE ingest_users (ext_id text, id {self.types['int']}, "
            f"customer_id {self.types['int']})"
        )

    def drop(self, cursor: CursorWrapper) -> None:
        for name in STAGE_COLUMNS:
            cursor.execute(f"DROP TABLE IF EXISTS {stage_table(name)}")
        cursor.execute("DROP TABLE IF EXISTS ingest_redo")
        cursor.execute("DROP TABLE IF EXISTS ingest_users")
        callweeks.drop_delta_table(cursor)

    def encoder(self) -> Callable[[str, list[tuple[Any, ...]]], Any] | None:
        """A function turning staged rows into what `write` takes, run in the reader thread."""
        return None

    @abstractmethod
    def write(self, cursor: CursorWrapper, name: str, rows: Any) -> None:
        """Append staged rows to a staging table."""

    @abstractmethod
    def empty(self, cursor: CursorWrapper, names: Iterable[str]) -> None:
        """Empty the named staging tables."""

    def dedupe(self, cursor: CursorWrapper, name: str) -> int:
        """Keep only the last line of each key (a later line replaces an earlier one)."""
        table = stage_table(name)
        key = ", ".join(STAGE_KEYS[name])
        cursor.execute(
            f"DELETE FROM {table} WHERE ln NOT IN (SELECT max(ln) FROM {table} GROUP BY {key})"  # noqa: S608 — staging tables of STAGE_COLUMNS; values bound
        )
        removed = cursor.rowcount
        if removed:
            for child, parent in STAGE_CHILDREN.items():
                if parent == name:
                    cursor.execute(
                        f"DELETE FROM {stage_table(child)} WHERE ln NOT IN (SELECT ln FROM {table})"  # noqa: S608 — staging tables of STAGE_COLUMNS; values bound
                    )
        return removed


class PostgresBackend(Backend):
    vendor = "postgresql"
    types = _PG_TYPES
    batch_lines = 20_000  # one COPY per staging table per batch; binary batches are compact

    def create(self, cursor: CursorWrapper) -> None:
        # A chunk of staged calls is larger than the default 8 MB of temp buffers.
        raise_temp_buffers(cursor, "128MB")
        super().create(cursor)

    def day_of(self, column: str) -> str:
        return f"(({column}) AT TIME ZONE 'UTC')::date"

    def json(self, column: str) -> str:
        return f"({column})::jsonb"

    def encoder(self) -> Callable[[str, list[tuple[Any, ...]]], Any] | None:
        """Rows to binary COPY data with psycopg's formatter, in the reader thread.

        Binary is several times cheaper than text to produce here and to parse in the server.
        """
        self.connection.ensure_connection()
        # Only its adapters are used: a copy into a FileWriter performs nothing on the connection.
        formatting_cursor = self.connection.connection.cursor()
        types = {
            name: [_COPY_TYPES[kind] for _col, kind in columns]
            for name, columns in STAGE_COLUMNS.items()
        }

        def encode(name: str, rows: list[tuple[Any, ...]]) -> bytes:
            out = io.BytesIO()
            with Copy(formatting_cursor, binary=True, writer=FileWriter(out)) as copy:
                copy.set_types(types[name])
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
            return out.getvalue()

        return encode

    def write(self, cursor: CursorWrapper, name: str, rows: Any) -> None:
        cols = ", ".join(col for col, _kind in STAGE_COLUMNS[name])
        raw = cursor.cursor  # psycopg's own cursor: COPY … FROM STDIN
        if isinstance(rows, bytes):
            with raw.copy(f"COPY {stage_table(name)} ({cols}) FROM STDIN (FORMAT binary)") as copy:
                copy.write(rows)
            return
        with raw.copy(f"COPY {stage_table(name)} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def empty(self, cursor: CursorWrapper, names: Iterable[str]) -> None:
        tables = ", ".join(stage_table(n) for n in names)
        if tables:
            cursor.execute(f"TRUNCATE {tables}")


class SqliteBackend(Backend):
    vendor = "sqlite"
    types = _SQLITE_TYPES

    @staticmethod
    def ts(value: dt.datetime) -> Any:
        # Django stores aware times on SQLite as naive UTC text: "YYYY-MM-DD HH:MM:SS[.ffffff]".
        return str(value.replace(tzinfo=None))

    @staticmethod
    def day(value: dt.date) -> Any:
        return value.isoformat()

    def day_of(self, column: str) -> str:
        return f"date({column})"

    def write(self, cursor: CursorWrapper, name: str, rows: Any) -> None:
        marks = placeholders(len(STAGE_COLUMNS[name]))
        cursor.executemany(f"INSERT INTO {stage_table(name)} VALUES ({marks})", rows)  # noqa: S608 — staging tables of STAGE_COLUMNS; values bound

    def empty(self, cursor: CursorWrapper, names: Iterable[str]) -> None:
        for name in names:
            cursor.execute(f"DELETE FROM {stage_table(name)}")  # noqa: S608 — staging tables of STAGE_COLUMNS; values bound


def backend_for(connection: BaseDatabaseWrapper) -> Backend:
    """The staging backend of the default database."""
    if connection.vendor == "postgresql":
        return PostgresBackend(connection)
    if connection.vendor == "sqlite":
        return SqliteBackend(connection)
    raise ImproperlyConfigured(
        f"DATABASE_URL: loading into {connection.vendor} is not supported (PostgreSQL or SQLite)"
    )


class BulkMode:
    """For a load that is large against a PostgreSQL table: drop its secondary indexes and foreign
    keys during the load and rebuild them once at the end (as pg_restore does).

    Everything happens in the load's transaction: a refused or failed load rolls back to the
    original definitions. Unique indexes stay (they decide `ON CONFLICT`).
    """

    def __init__(self) -> None:
        self.tables: list[str] = []
        self.indexes: list[str] = []
        self.constraints: list[tuple[str, str, str]] = []

    def enter(self, cursor: CursorWrapper, table: str, *, unique: bool = False) -> bool:
        """Drop `table`'s secondary indexes and foreign keys; False when its lock is not free.

        With `unique`, unique constraints and indexes go too (for a table written only with
        plain INSERTs of rows known to be distinct): rebuilding them checks them once.
        """
        cursor.execute("SAVEPOINT ingest_bulk")
        try:
            set_local(cursor, lock_timeout="5s")
            # Pending deferred FK checks forbid ALTER TABLE: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
            kinds, kind_params = in_list(["f", "u"] if unique else ["f"])
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "  # noqa: S608 — only bound placeholders are spliced
                f"WHERE conrelid = %s::regclass AND contype IN ({kinds}) ORDER BY contype",
                [table, *kind_params],
            )
            constraints = [(table, name, definition) for name, definition in cursor.fetchall()]
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                "AND (%s OR NOT i.indisunique)",
                [table, unique],
            )
            indexes = cursor.fetchall()
            for _table, name, _definition in constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("RESET lock_timeout")
        except OperationalError as exc:
            if not isinstance(exc.__cause__, LockNotAvailable):
                raise
            # Someone is reading the table: load it the ordinary way rather than wait.
            cursor.execute("ROLLBACK TO SAVEPOINT ingest_bulk")
            return False
        cursor.execute("RELEASE SAVEPOINT ingest_bulk")
        self.tables.append(table)
        self.indexes.extend(definition for _name, definition in indexes)
        self.constraints.extend(constraints)
        return True

    def finish(self, cursor: CursorWrapper) -> None:
        """Rebuild what `enter` dropped (foreign keys are validated in one pass each)."""
        if not self.tables:
            return
        set_local(cursor, maintenance_work_mem="256MB")
        for definition in self.indexes:
            cursor.execute(definition)
        for table, name, definition in self.constraints:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        for table in self.tables:
            cursor.execute(f'ANALYZE "{table}"')
        self.tables, self.indexes, self.constraints = [], [], []
