"""The user-week call rollup (`UserCallWeek`): set-based SQL shared by the loader and the refresh.

A row holds how many `webex_calling` calls one user had in one week (the calling refresh's "calls
per user" of users_by_volume). The loader changes it by deltas: every chunk's calls add one to
the (week, customer, user) they are written to and take one from the one an existing call they
replace was at, so that loading the same call twice changes nothing. A load that dwarfs the
tables, and the refresh's repair of customer-weeks that differ from the calls, recompute it from
the calls instead.
"""

from __future__ import annotations

from django.db import connection
from django.db.backends.utils import CursorWrapper

from partnerhub.activity.models import Call, CallType, UserCallWeek

DELTA = "ingest_callweek_delta"


def _tables() -> tuple[str, str]:
    return UserCallWeek._meta.db_table, Call._meta.db_table


def create_delta_table(cursor: CursorWrapper, int_type: str, date_type: str) -> None:
    """The load's temporary table of (week, customer, user, ±calls) deltas."""
    cursor.execute(f"DROP TABLE IF EXISTS {DELTA}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {DELTA} (week {date_type}, customer_id {int_type}, "
        f"user_id {int_type}, n {int_type})"
    )


def drop_delta_table(cursor: CursorWrapper) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {DELTA}")


def apply_delta(cursor: CursorWrapper) -> None:
    """Add the noted deltas to the rollup, then forget them.

    Additions (the common case: new calls) are one upsert looking up the unique index; the
    rarer subtractions of replaced calls an UPDATE, then rows left at zero go. A sum that would
    go below zero stops at zero: that can only happen when the rollup was already out of step
    (calls written without the loader), which the next refresh repairs.
    """
    rollup, _call = _tables()
    cursor.execute(f"SELECT MIN(n), MAX(n) FROM {DELTA}")  # noqa: S608 — the rollup's own tables (_meta, DELTA); values bound
    lowest, highest = cursor.fetchone()
    if lowest is None:
        return
    if connection.vendor == "postgresql":
        # A chunk's deltas are tens of thousands of rows: give the planner their statistics.
        cursor.execute(f"ANALYZE {DELTA}")
    # CAST: PostgreSQL sums bigints as numeric, slow to aggregate and compare.
    summed = (
        f"SELECT week, customer_id, user_id, CAST(SUM(n) AS BIGINT) AS n FROM {DELTA} "  # noqa: S608 — the rollup's own tables (_meta, DELTA); values bound
        "GROUP BY week, customer_id, user_id"
    )
    if highest > 0:
        cursor.execute(
            f"INSERT INTO {rollup} (week, customer_id, user_id, calls) "  # noqa: S608 — the rollup's own tables (_meta, DELTA); values bound
            f"SELECT d.week, d.customer_id, d.user_id, d.n FROM ({summed}) d WHERE d.n > 0 "
            "ON CONFLICT (week, customer_id, user_id) "
            f"DO UPDATE SET calls = {rollup}.calls + excluded.calls"
        )
    if lowest < 0:  # only a call moved away or retyped can lower (and zero) a row
        cursor.execute(
            f"UPDATE {rollup} SET calls = CASE WHEN {rollup}.calls + d.n < 0 THEN 0 "  # noqa: S608 — the rollup's own tables (_meta, DELTA); values bound
            f"ELSE {rollup}.calls + d.n END "
            f"FROM ({summed}) d WHERE d.n < 0 AND {rollup}.week = d.week "
            f"AND {rollup}.customer_id = d.customer_id AND {rollup}.user_id = d.user_id"
        )
        cursor.execute(
            f"DELETE FROM {rollup} WHERE calls = 0 AND EXISTS (SELECT 1 FROM {DELTA} d "  # noqa: S608 — the rollup's own tables (_meta, DELTA); values bound
            f"WHERE d.week = {rollup}.week AND d.customer_id = {rollup}.customer_id "
            f"AND d.user_id = {rollup}.user_id)"
        )
    cursor.execute(f"DELETE FROM {DELTA}")  # noqa: S608 — the rollup's own tables (_meta, DELTA); values bound


def recompute_all(cursor: CursorWrapper) -> None:
    """Rebuild the whole rollup from the calls (one grouped pass)."""
    rollup, call = _tables()
    if connection.vendor == "postgresql":
        cursor.execute(f"TRUNCATE {rollup}")
    else:
        cursor.execute(f"DELETE FROM {rollup}")  # noqa: S608 — the rollup's own tables (_meta, DELTA); values bound
    cursor.execute(
        f"INSERT INTO {rollup} (week, customer_id, user_id, calls) "  # noqa: S608 — the rollup's own tables (_meta, DELTA); values bound
        f"SELECT week, customer_id, user_id, COUNT(*) FROM {call} WHERE call_type = %s "
        "GROUP BY week, customer_id, user_id",
        [CallType.WEBEX_CALLING.value],
    )


def recompute(cursor: CursorWrapper, customer_weeks: str) -> None:
    """Rebuild the rollup rows of the (week, customer_id) pairs in table `customer_weeks`."""
    rollup, call = _tables()
    cursor.execute(
        f"DELETE FROM {rollup} WHERE EXISTS (SELECT 1 FROM {customer_weeks} m "  # noqa: S608 — the rollup's own tables (_meta, DELTA); values bound
        f"WHERE m.week = {rollup}.week AND m.customer_id = {rollup}.customer_id)"
    )
    cursor.execute(
        f"INSERT INTO {rollup} (week, customer_id, user_id, calls) "  # noqa: S608 — the rollup's own tables (_meta, DELTA); values bound
        f"SELECT a.week, a.customer_id, a.user_id, COUNT(*) FROM {call} a "
        f"JOIN {customer_weeks} m ON m.week = a.week AND m.customer_id = a.customer_id "
        "WHERE a.call_type = %s GROUP BY a.week, a.customer_id, a.user_id",
        [CallType.WEBEX_CALLING.value],
    )
