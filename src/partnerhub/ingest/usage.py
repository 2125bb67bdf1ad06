"""Usage days (docs/reference/rules.md#usage) and the user-week call rollup, kept by the loader.

A user used calling on a day with a `webex_calling` call starting that day (UTC), and meetings on a
day with a meeting starting that day that they hosted or took part in. The loader keeps
`activity.UsageDay` in step, set-based: new rows from each chunk's staged calls and meetings, and a
recomputation for the users whose calls or meetings were replaced so that a stale day cannot stay.
The user-week rollup (`activity.callweeks`) changes by deltas: +1 per staged call, -1 per existing
call a staged one replaces.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.db.backends.utils import CursorWrapper

from partnerhub.activity import callweeks
from partnerhub.ingest.stage import Backend


class Merger(Protocol):
    """What these steps need of the load's merge (`merge.Merger`, which calls them)."""

    backend: Backend
    cursor: CursorWrapper

    def run(self, sql: str, params: list[Any] | None = None) -> int: ...


CALLING = "calling"
MEETINGS = "meetings"


def note_replaced(merger: Merger, table: str) -> None:
    """Before calls or meetings are upserted: note users whose replaced rows change usage."""
    day = merger.backend.day_of
    if table == "call":
        merger.run(
            f"INSERT INTO {callweeks.DELTA} (week, customer_id, user_id, n) "  # noqa: S608 — tables of names() and callweeks.DELTA
            "SELECT a.week, a.customer_id, a.user_id, -COUNT(*) FROM {s_call} s "
            "JOIN {call} a ON a.ext_id = s.ext_id WHERE a.call_type = 'webex_calling' "
            "GROUP BY a.week, a.customer_id, a.user_id"
        )
        merger.run(
            "INSERT INTO ingest_redo (user_id, product) "  # noqa: S608 — tables of names() and callweeks.DELTA
            "SELECT DISTINCT a.user_id, 'calling' FROM {s_call} s "
            "JOIN {call} a ON a.ext_id = s.ext_id JOIN {cuser} u ON u.id = a.user_id "
            "WHERE a.call_type = 'webex_calling' AND (s.call_type <> 'webex_calling' "
            f"OR u.ext_id <> s.usr OR {day('a.start')} <> s.day)"
        )
    if table == "meeting":
        # the old host and old participants of meetings that moved day or changed host
        merger.run(
            "INSERT INTO ingest_redo (user_id, product) "  # noqa: S608 — tables of names() and callweeks.DELTA
            "SELECT m.host_id, 'meetings' FROM {s_meeting} s "
            "JOIN {meeting} m ON m.ext_id = s.ext_id JOIN {cuser} u ON u.id = m.host_id "
            f"WHERE u.ext_id <> s.host OR {day('m.start')} <> s.day "
            "UNION SELECT mp.user_id, 'meetings' FROM {s_meeting} s "
            "JOIN {meeting} m ON m.ext_id = s.ext_id "
            "JOIN {participant} mp ON mp.meeting_id = m.id "
            "JOIN {cuser} u ON u.id = mp.user_id "
            f"WHERE {day('m.start')} <> s.day OR NOT EXISTS (SELECT 1 FROM {{s_participant}} p "
            "  WHERE p.meeting = s.ext_id AND p.usr = u.ext_id)"
        )


def add_chunk(merger: Merger, staged: dict[str, int]) -> None:
    """After a chunk is merged: recompute the noted users, then add the chunk's usage days."""
    day = merger.backend.day_of
    merger.run("SELECT 1 FROM ingest_redo LIMIT 1")
    if merger.cursor.fetchone():
        merger.run(
            "DELETE FROM {usage} WHERE EXISTS (SELECT 1 FROM ingest_redo r "
            "  WHERE r.user_id = {usage}.user_id AND r.product = {usage}.product)"
        )
        merger.run(
            "INSERT INTO {usage} (user_id, product, day) "  # noqa: S608 — tables of names() and callweeks.DELTA
            f"SELECT DISTINCT a.user_id, 'calling', {day('a.start')} FROM {{call}} a "
            "WHERE a.call_type = 'webex_calling' AND a.user_id IN "
            "  (SELECT user_id FROM ingest_redo WHERE product = 'calling') "
            "ON CONFLICT (user_id, product, day) DO NOTHING"
        )
        merger.run(
            "INSERT INTO {usage} (user_id, product, day) "  # noqa: S608 — tables of names() and callweeks.DELTA
            f"SELECT m.host_id, 'meetings', {day('m.start')} FROM {{meeting}} m "
            "WHERE m.host_id IN (SELECT user_id FROM ingest_redo WHERE product = 'meetings') "
            f"UNION SELECT mp.user_id, 'meetings', {day('m.start')} FROM {{participant}} mp "
            "JOIN {meeting} m ON m.id = mp.meeting_id "
            "WHERE mp.user_id IN (SELECT user_id FROM ingest_redo WHERE product = 'meetings') "
            "ON CONFLICT (user_id, product, day) DO NOTHING"
        )
        merger.run("DELETE FROM ingest_redo")
    if staged.get("call"):
        merger.run(
            f"INSERT INTO {callweeks.DELTA} (week, customer_id, user_id, n) "  # noqa: S608 — tables of names() and callweeks.DELTA
            "SELECT s.week, u.customer_id, u.id, COUNT(*) FROM {s_call} s "
            "JOIN {users} u ON u.ext_id = s.usr WHERE s.call_type = 'webex_calling' "
            "GROUP BY s.week, u.customer_id, u.id"
        )
        callweeks.apply_delta(merger.cursor)
        merger.run(
            "INSERT INTO {usage} (user_id, product, day) "
            "SELECT DISTINCT u.id, 'calling', s.day FROM {s_call} s "
            "JOIN {users} u ON u.ext_id = s.usr WHERE s.call_type = 'webex_calling' "
            "ON CONFLICT (user_id, product, day) DO NOTHING"
        )
    if staged.get("meeting"):
        merger.run(
            "INSERT INTO {usage} (user_id, product, day) "
            "SELECT u.id, 'meetings', s.day FROM {s_meeting} s JOIN {users} u ON u.ext_id = s.host "
            "UNION SELECT u.id, 'meetings', p.day FROM {s_participant} p "
            "JOIN {users} u ON u.ext_id = p.usr WHERE true "
            "ON CONFLICT (user_id, product, day) DO NOTHING"
        )


def recompute_all(merger: Merger) -> None:
    """Rebuild every usage day and the user-week rollup from all calls and meetings (after a load
    that dwarfs the tables)."""
    callweeks.recompute_all(merger.cursor)
    day = merger.backend.day_of
    if merger.backend.vendor == "postgresql":
        merger.run("TRUNCATE {usage}")
    else:
        merger.run("DELETE FROM {usage}")
    merger.run(
        "INSERT INTO {usage} (user_id, product, day) "  # noqa: S608 — tables of names() and callweeks.DELTA
        f"SELECT DISTINCT a.user_id, 'calling', {day('a.start')} FROM {{call}} a "
        "WHERE a.call_type = 'webex_calling'"
    )
    merger.run(
        "INSERT INTO {usage} (user_id, product, day) "  # noqa: S608 — tables of names() and callweeks.DELTA
        f"SELECT m.host_id, 'meetings', {day('m.start')} FROM {{meeting}} m "
        f"UNION SELECT mp.user_id, 'meetings', {day('m.start')} FROM {{participant}} mp "
        "JOIN {meeting} m ON m.id = mp.meeting_id"
    )
