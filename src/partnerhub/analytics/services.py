"""Writes of the subscriptions analytics: the stored per-line snapshot (`LineDay`).

- `snapshot_build(as_of=D)` makes the days D − 7k (k = 0 … 11) complete. When nothing is missing
  it is a handful of statements that touch no data, so the first request for an unseen as-of
  date pays the build and later ones are fast.
- `snapshot_for_page(user=…, as_of=D)` is what the page and the API call before reading (the
  selectors only read): `snapshot_build`, but a date that is neither today nor stored counts
  against the partner's SNAPSHOT_NEW_DATES_PER_HOUR, past which `SnapshotBudgetExceeded` (429).
- `snapshot_refresh_items(item_ids=…)` recomputes the rows of those items on every stored day
  (and catches up like a build).
- `snapshot_invalidate()` forgets every stored day (after a load, which may change anything).

`snapshot_build` runs the same statements whatever the state (a statement with nothing to do
is told so, and costs nothing), so a page's number of queries stays constant. The services that
change items, lines or assignments (subscriptions, trials, orgs: none of them imports this app)
append the items to the ledger `subscriptions.ItemChange` in their transaction; rows appended to
it, and to the sources themselves (items, lines, assignments, usage days: a test's factories, a
raw insert), are noticed by their ids, above the watermark, and their items recomputed on the
next call, before the page reads; the ledger rows caught up with are deleted
(`subscriptions.changes` says which lock keeps this exact). Each call is one transaction,
serialised on PostgreSQL by an advisory lock (SQLite's IMMEDIATE transactions already are): a
day is stored complete with its marker, or not at all, and requests that ask for the same new
date at once build it once (the others wait for the lock, then find it stored).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils.translation import ngettext

from partnerhub.accounts.models import Partner
from partnerhub.activity.models import UsageDay
from partnerhub.analytics.figures import (
    TREND_POINTS,
    WEEK,
    build_sql,
    compose,
    delete_stale_sql,
    refresh_sql,
)
from partnerhub.analytics.models import (
    LineDay,
    SnapshotDateRequest,
    SnapshotDay,
    SnapshotWatermark,
)
from partnerhub.core import clock
from partnerhub.core.sql import set_local
from partnerhub.subscriptions.changes import SNAPSHOT_LOCK_KEY
from partnerhub.subscriptions.models import Assignment, Item, ItemChange, ItemLine

log = logging.getLogger(__name__)

# Serialises snapshot writes on PostgreSQL, and with the ledger's writers (subscriptions.changes).
ADVISORY_LOCK_KEY = SNAPSHOT_LOCK_KEY
# A build prunes the stored days further than this from today (but not its own): the pages
# people open stay stored, a look at a distant as-of date does not evict them.
KEEP_DAYS = 120
# More source rows appended since the watermark than this (a load written without the
# loader, say): refreshing item by item would be slower than building the days again.
RESET_ROWS = 50_000
WORK_MEM = "256MB"

# In the watermark's column order; the last is the ledger of changed items.
_SOURCES = (Item, ItemLine, Assignment, UsageDay, ItemChange)


def snapshot_days(as_of: dt.date) -> list[dt.date]:
    """The days a page as of D reads: D − 7k, k = 0 … 11 (newest first)."""
    return [as_of - dt.timedelta(days=WEEK * k) for k in range(TREND_POINTS)]


@dataclass(frozen=True)
class _State:
    """What is stored, and how far the sources have moved since."""

    stored: frozenset[dt.date]  # the asked-for days that are complete
    anything_stored: bool  # any day at all
    current: tuple[int, ...]  # the newest id of each source table now
    watermark: tuple[int, ...] | None  # … when the stored days were last brought up to date

    @property
    def appended(self) -> int | None:
        """Source rows appended since the watermark (None without one)."""
        if self.watermark is None:
            return None
        return sum(
            max(0, now - then) for now, then in zip(self.current, self.watermark, strict=True)
        )


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the days it built; whether it had to forget every day first (too many
    rows appended since the watermark) or caught up with appended rows; how long it took."""

    built: list[dt.date]
    reset: bool
    caught_up: bool
    seconds: float


def _read_state(cursor: CursorWrapper, days: list[dt.date]) -> _State:
    """Two small queries: the newest ids, whether anything is stored and the watermark; which
    of `days` are stored."""
    newest_ids = ", ".join(f"(SELECT MAX(id) FROM {m._meta.db_table})" for m in _SOURCES)  # noqa: S608 — _meta tables; values bound
    cursor.execute(
        f"""SELECT {newest_ids}, (SELECT MAX(day) FROM {SnapshotDay._meta.db_table}) IS NOT NULL,
               w.item_id, w.line_id, w.assignment_id, w.usage_id, w.change_id
        FROM (SELECT 1 AS one) x
        LEFT JOIN {SnapshotWatermark._meta.db_table} w ON w.id = 1"""  # noqa: S608 — _meta tables; values bound
    )
    row = cursor.fetchone()
    n = len(_SOURCES)
    current = tuple(int(v or 0) for v in row[:n])
    watermark = None if row[n + 1] is None else tuple(int(v) for v in row[n + 1 : 2 * n + 1])
    stored: frozenset[dt.date] = frozenset()
    if days:
        stored = frozenset(SnapshotDay.objects.filter(day__in=days).values_list("day", flat=True))
    return _State(stored, bool(row[n]), current, watermark)


@contextmanager
def _writing(*, heavy: bool = False) -> Iterator[CursorWrapper]:
    """One transaction holding the snapshot's lock; `heavy`: with room for a build."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            # JIT compiled these one-off statements for longer than they ran (0.6 s to refresh
            # one item in 3 ms). Inside a caller's transaction this lasts until it ends, which
            # only spares its remaining statements JIT too.
            set_local(cursor, jit="off")
            if heavy:
                # The build's hash aggregates need room.
                set_local(cursor, work_mem=WORK_MEM)
        yield cursor


def _run(cursor: CursorWrapper, template: str, **values: Any) -> None:
    sql, params = compose(template, values)
    cursor.execute(sql, params)


def _forget_all(cursor: CursorWrapper, go: bool) -> None:
    """Delete every stored day and row (cheaply: TRUNCATE / an unqualified DELETE)."""
    tables = f"{LineDay._meta.db_table}, {SnapshotDay._meta.db_table}"
    if connection.vendor == "postgresql":
        # TRUNCATE (instant, where DELETE rewrites every row) cannot be told to do nothing;
        # a DO block can, so the same statement runs either way.
        flag = "true" if go else "false"
        cursor.execute(f"DO $$ BEGIN IF {flag} THEN TRUNCATE {tables}; END IF; END $$")
        return
    for table in (LineDay._meta.db_table, SnapshotDay._meta.db_table):
        cursor.execute(f"DELETE FROM {table} WHERE %s", [go])  # noqa: S608 — _meta tables; values bound


def _catch_up(cursor: CursorWrapper, state: _State, item_ids: Iterable[int], go: bool) -> None:
    """Recompute, on every stored day, the rows of `item_ids` and of the items of rows appended
    since the watermark (the ledger's among them)."""
    wm = state.watermark or (0,) * len(_SOURCES)
    values = {
        "go": go,
        "items": tuple(item_ids) or (0,),  # ids start at 1
        "wm_item": wm[0],
        "wm_line": wm[1],
        "wm_assignment": wm[2],
        "wm_usage": wm[3],
        "wm_change": wm[4],
    }
    _run(cursor, delete_stale_sql(), **values)
    _run(cursor, refresh_sql(), **values)


def _set_watermark(cursor: CursorWrapper, state: _State) -> None:
    """The stored days now reflect the sources up to `state.current`: move the watermark there,
    and delete the ledger rows caught up with (ids never come back: AUTOINCREMENT, sequences)."""
    item, line, assignment, usage, change = state.current
    cursor.execute(
        f"""INSERT INTO {SnapshotWatermark._meta.db_table}
                (id, item_id, line_id, assignment_id, usage_id, change_id, updated_at)
            SELECT 1, %s, %s, %s, %s, %s, %s WHERE 1 = 1
            ON CONFLICT (id) DO UPDATE SET item_id = excluded.item_id,
                line_id = excluded.line_id, assignment_id = excluded.assignment_id,
                usage_id = excluded.usage_id, change_id = excluded.change_id,
                updated_at = excluded.updated_at""",
        [item, line, assignment, usage, change, clock.now()],
    )
    cursor.execute(f"DELETE FROM {ItemChange._meta.db_table} WHERE id <= %s", [change])  # noqa: S608 — _meta tables; values bound


def _build_days(cursor: CursorWrapper, as_of: dt.date, missing: list[dt.date]) -> None:
    """Store the `missing` days (any rows left of them go first), each with its marker."""
    go = bool(missing)
    days = missing or [as_of]  # with go false, the statements only need to parse
    _run(
        cursor,
        f"DELETE FROM {LineDay._meta.db_table} WHERE %(go)s AND day IN (%(days)s)",  # noqa: S608 — _meta tables; values bound
        go=go,
        days=tuple(days),
    )
    template, values = build_sql(as_of, [(as_of - d).days // WEEK for d in days])
    _run(cursor, template, **{**values, "go": go})
    markers = ", ".join(f"(%(m{i})s)" for i in range(len(days)))
    _run(
        cursor,
        f"WITH markers(day) AS (VALUES {markers}) "  # noqa: S608 — _meta tables; values bound
        f"INSERT INTO {SnapshotDay._meta.db_table} (day, built_at) "
        f"SELECT day, %(now)s FROM markers WHERE %(go)s",
        go=go,
        now=clock.now(),
        **{f"m{i}": d for i, d in enumerate(days)},
    )


def snapshot_build(*, as_of: dt.date) -> BuildResult:
    """Make the snapshot days D − 7k (k = 0 … 11) complete and up to date; idempotent.

    Missing days are built in one set-based statement (each with its marker, in this one
    transaction); stored days are brought up to date item by item; days further than
    KEEP_DAYS from today are pruned. Nothing to do costs a few statements that touch no data.
    """
    started = time.perf_counter()
    days = snapshot_days(as_of)
    with _writing(heavy=True) as cursor:
        state = _read_state(cursor, days)
        appended = state.appended
        reset = state.anything_stored and (appended is None or appended > RESET_ROWS)
        catch_up = state.anything_stored and not reset and bool(appended)
        missing = days if reset else [d for d in days if d not in state.stored]
        _forget_all(cursor, reset)
        _catch_up(cursor, state, (), catch_up)
        _build_days(cursor, as_of, missing)
        today, keep = clock.today(), dt.timedelta(days=KEEP_DAYS)
        for model in (SnapshotDay, LineDay):
            _run(
                cursor,
                f"DELETE FROM {model._meta.db_table} WHERE %(go)s"  # noqa: S608 — _meta tables; values bound
                " AND (day < %(oldest)s OR day > %(newest)s) AND day NOT IN (%(days)s)",
                go=bool(missing),
                oldest=today - keep,
                newest=today + keep,
                days=tuple(days),
            )
        _set_watermark(cursor, state)
    result = BuildResult(missing, reset, catch_up, time.perf_counter() - started)
    if missing:
        log.info(
            "analytics snapshot: %d days as of %s built in %.2f s",
            len(missing),
            as_of,
            result.seconds,
        )
    return result


class SnapshotBudgetExceeded(Exception):
    """A page asked for more new as-of dates than the partner may have built in an hour."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after  # seconds until the oldest counted date leaves the hour


BUDGET_WINDOW = dt.timedelta(hours=1)


def _stored(as_of: dt.date) -> bool:
    """Whether every day a page as of D reads is stored (one small query)."""
    days = snapshot_days(as_of)
    return SnapshotDay.objects.filter(day__in=days).count() == len(days)


def _charge_new_date(partner_id: int, as_of: dt.date) -> None:
    """Count `as_of` against the partner's new dates of the hour, or raise SnapshotBudgetExceeded.

    The partner's row is locked first, so concurrent requests count one after the other; a date
    the partner already asked for within the hour is not counted twice.
    """
    limit = settings.SNAPSHOT_NEW_DATES_PER_HOUR
    now = clock.now()
    with transaction.atomic():
        Partner.objects.select_for_update().filter(pk=partner_id).first()
        mine = SnapshotDateRequest.objects.filter(partner_id=partner_id)
        mine.filter(requested_at__lte=now - BUDGET_WINDOW).delete()
        if mine.filter(day=as_of).exists():
            return
        recent = list(mine.order_by("requested_at").values_list("requested_at", flat=True))
        if len(recent) >= limit:
            free_at = recent[0] + BUDGET_WINDOW
            wait = max(1, int((free_at - now).total_seconds()) + 1)
            message = ngettext(
                "Your organization has asked for %(n)d new as-of date within the last hour, the "
                "most that is prepared per hour (each one is computed from every subscription). "
                "Today and the dates already prepared stay available; ask for %(day)s again "
                "after %(time)s UTC.",
                "Your organization has asked for %(n)d new as-of dates within the last hour, the "
                "most that are prepared per hour (each one is computed from every subscription). "
                "Today and the dates already prepared stay available; ask for %(day)s again "
                "after %(time)s UTC.",
                limit,
            ) % {"n": limit, "day": as_of.isoformat(), "time": f"{free_at:%H:%M}"}
            raise SnapshotBudgetExceeded(message, wait)
        SnapshotDateRequest.objects.create(partner_id=partner_id, day=as_of, requested_at=now)


def snapshot_for_page(*, user: Any, as_of: dt.date) -> BuildResult:
    """Make the snapshot a person's page as of D reads complete (snapshot_build); today's and
    stored dates are free, a new date counts against the partner's SNAPSHOT_NEW_DATES_PER_HOUR
    and past it raises SnapshotBudgetExceeded without building anything."""
    partner_id = getattr(user, "partner_id", None)
    if as_of != clock.today() and partner_id is not None and not _stored(as_of):
        _charge_new_date(partner_id, as_of)
    return snapshot_build(as_of=as_of)


def snapshot_refresh_items(*, item_ids: Iterable[int]) -> None:
    """Recompute the stored rows of these items (and of any appended since the watermark) on
    every stored day: call it inside the transaction of a write that changed their assignments,
    dates, state or lines."""
    ids = tuple(sorted({int(i) for i in item_ids}))
    with _writing() as cursor:
        state = _read_state(cursor, [])
        if not state.anything_stored:
            return  # nothing is stored: the next build computes everything afresh
        appended = state.appended
        if appended is None or appended > RESET_ROWS:
            _forget_all(cursor, True)
            return
        _catch_up(cursor, state, ids, True)
        _set_watermark(cursor, state)


def snapshot_invalidate() -> None:
    """Forget every stored day: the next build computes them afresh (after a load)."""
    with _writing() as cursor:
        _forget_all(cursor, True)
