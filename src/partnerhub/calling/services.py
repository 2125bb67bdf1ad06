"""The weekly calling refresh (metrics.md, Calling engagement analytics).

`refresh_analytics(as_of=D)` computes the rollups of the weeks W7 … W0 for every partner at once,
set-based in SQL: two grouped passes over the weeks' calls (one at the customer-week grain for
every call figure, one at the user-week grain for users), a few small joins over those aggregates
into temporary tables, and two INSERT … SELECT into the rollup tables. Everything runs in one
transaction under a new refresh id, and the refresh becomes the current one of its week only at
the end: a run that fails or is killed half-way leaves the previous rollups in place.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import DateField, QuerySet, Sum, Value
from django.utils import timezone

from partnerhub.activity.models import (
    FEATURE_BITS,
    Call,
    CallQueue,
    CallType,
    Endpoint,
    QueueOutcome,
)
from partnerhub.calling.models import CustomerWeek, EndpointWeek, Refresh, RefreshStatus
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.choices import Product
from partnerhub.customers.models import CustomerUser
from partnerhub.subscriptions.models import Assignment, Item, ItemLine, ItemState
from partnerhub.subscriptions.selectors import in_force_q

log = logging.getLogger(__name__)

WEEKS = 8
WEEK = dt.timedelta(days=7)
# Call volume buckets of licensed users (metrics.md, users_by_volume): 0, 1–5, 6–20, > 20.
LOW_MAX_CALLS = 5
MEDIUM_MAX_CALLS = 20
# worst_endpoint only considers endpoint types with at least this many calls in the week.
WORST_ENDPOINT_MIN_CALLS = 10
ANSWERED = (QueueOutcome.ANSWERED.value, QueueOutcome.OVERFLOW.value)
ABANDONED = (QueueOutcome.ABANDONED.value, QueueOutcome.VOICEMAIL.value)
# Serialises concurrent refreshes on PostgreSQL (SQLite's IMMEDIATE transactions already do).
ADVISORY_LOCK_KEY = 0x43414C4C  # "CALL"
WORK_MEM = "128MB"
# Test hook: with PARTNERHUB_REFRESH_PAUSE=<step> the refresh announces each step on stdout and
# sleeps after <step>, so a test can kill -9 it half-way (tests/test_calling_refresh.py).
PAUSE_ENV = "PARTNERHUB_REFRESH_PAUSE"
PAUSE_SECONDS = 600

T_SCOPE = "calling_tmp_scope"
T_CWP = "calling_tmp_customer_week_poor"
T_CW = "calling_tmp_customer_week"
T_UW = "calling_tmp_user_week"
T_LICENSED = "calling_tmp_licensed"
T_USERS = "calling_tmp_users"
T_ACTIVE = "calling_tmp_active"
T_WEEKS = "calling_tmp_weeks"
T_WORST = "calling_tmp_worst"
TEMP_TABLES = (T_SCOPE, T_CWP, T_CW, T_UW, T_LICENSED, T_USERS, T_ACTIVE, T_WEEKS, T_WORST)

FEATURE_COLUMNS = [f"feature_{name}" for name in FEATURE_BITS]
# The per-customer-week sums of the calls pass that CustomerWeek stores as they are.
SUM_COLUMNS = [
    "calls",
    "duration_s",
    "poor_calls",
    "queue_calls",
    "queue_answered",
    "queue_abandoned",
    "wait_answered_s",
    "wait_abandoned_s",
    *FEATURE_COLUMNS,
]
ENDPOINTS = list(Endpoint.values)


def refresh_weeks(week_start: dt.date) -> list[dt.date]:
    """The Sundays starting W7 … W0 of a refresh whose W0 starts on `week_start`."""
    return [week_start - WEEK * k for k in range(WEEKS - 1, -1, -1)]


def refresh_analytics(*, as_of: dt.date | None = None) -> Refresh:
    """Compute and store the calling rollups of W7 … W0 as of `as_of` (default: today).

    Idempotent (a second run stores identical rollups under a new id and drops the old ones);
    atomic (a failed or killed run leaves the previous refresh of the week current).
    """
    as_of = as_of or clock.today()
    week_start = clock.last_completed_week(as_of)[0]
    steps = _Steps()
    try:
        with transaction.atomic():
            _lock()
            refresh = Refresh.objects.create(
                as_of=as_of,
                week_start=week_start,
                refreshed_at=timezone.now(),
                status=RefreshStatus.DONE,
            )
            _build(refresh, refresh_weeks(week_start), steps)
            # The flip: older refreshes of this week (and their rollups) go, this one is current.
            Refresh.objects.filter(week_start=week_start).exclude(pk=refresh.pk).delete()
            steps.done("old refreshes deleted")
            refresh.is_current = True
            refresh.duration_ms = steps.elapsed_ms
            refresh.timings = steps.timings
            refresh.save(update_fields=["is_current", "duration_ms", "timings"])
    except Exception as exc:
        _record_failure(as_of, week_start, steps, exc)
        raise
    return refresh


def refresh_request(*, actor: Any, as_of: dt.date) -> None:
    """A person asks for a refresh now: audited, then handed to the tasks backend."""
    from partnerhub.calling.tasks import refresh_analytics_task

    with transaction.atomic():
        audit_record(
            actor=actor,
            action="calling.refresh_requested",
            obj_type="calling_refresh",
            obj_id=as_of.isoformat(),
            after={"as_of": as_of.isoformat()},
        )
    refresh_analytics_task.enqueue(as_of=as_of.isoformat())


def _record_failure(as_of: dt.date, week_start: dt.date, steps: _Steps, exc: Exception) -> None:
    """Leave a trace of a failed run for the operator; the previous rollups stay current."""
    log.exception("calling refresh as of %s failed", as_of)
    try:
        Refresh.objects.create(
            as_of=as_of,
            week_start=week_start,
            refreshed_at=timezone.now(),
            duration_ms=steps.elapsed_ms,
            timings=steps.timings,
            status=RefreshStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
    except DatabaseError:
        log.exception("could not record the failed refresh")


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


class _Steps:
    """Times the steps of a refresh (kept on the Refresh row) and runs the kill -9 test hook."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()
        self.timings: dict[str, float] = {}

    def done(self, step: str) -> None:
        now = time.monotonic()
        self.timings[step] = round(now - self.last, 3)
        self.last = now
        log.info("calling refresh: %s in %.2f s", step, self.timings[step])
        pause_at = os.environ.get(PAUSE_ENV)
        if pause_at:
            sys.stdout.write(f"refresh step done: {step}\n")
            sys.stdout.flush()
            if step == pause_at:
                time.sleep(PAUSE_SECONDS)

    @property
    def elapsed_ms(self) -> int:
        return round((time.monotonic() - self.started) * 1000)


def _day(value: dt.date) -> Any:
    """A date as the database driver wants it in raw SQL (ISO text on SQLite)."""
    return connection.ops.adapt_datefield_value(value)


def _union_sql(querysets: Iterable[QuerySet[Any]]) -> tuple[str, tuple[Any, ...]]:
    """SQL and parameters of the UNION ALL of `querysets` (compiled by the ORM, so the
    in-force and active-assignment rules stay the ones of subscriptions.selectors)."""
    first, *rest = list(querysets)
    sql, params = first.union(*rest, all=True).query.sql_with_params()
    return sql, tuple(params)


def _scope_queryset(week: dt.date) -> QuerySet[Any]:
    """Customers in calling scope in `week` with their calling licenses on its Saturday."""
    saturday = week + dt.timedelta(days=6)
    return (
        ItemLine.objects.filter(product="calling")
        .filter(in_force_q(saturday, "item__"))
        .order_by()
        .values("item__customer_id")
        .annotate(
            week=Value(week, DateField()),
            prev_week=Value(week - WEEK, DateField()),
            licenses=Sum("licenses"),
        )
        .values_list("week", "prev_week", "item__customer_id", "licenses")
    )


def _licensed_sql(assignment: str, item: str, saturday: str) -> tuple[str, list[Any]]:
    """SQL condition: assignment `assignment` of item `item` makes its user a licensed calling
    user on the day `saturday` (an SQL expression): the assignment is active that day
    (active_assignment_q) and the item in force (in_force_q). Raw SQL because the day varies
    per row here, which the selectors' Q objects (built for one Python date) cannot express."""
    a, i, d = assignment, item, saturday
    return (
        f"""{a}.product = %s
        AND {a}.from_date <= {d} AND ({a}.to_date IS NULL OR {a}.to_date > {d})
        AND {i}.start <= {d} AND {i}."end" >= {d}
        AND (({i}.is_trial = %s AND {i}.state IN (%s, %s))
             OR ({i}.is_trial = %s AND {i}.state = %s))""",
        [
            Product.CALLING.value,
            False,
            ItemState.ACTIVE.value,
            ItemState.SUSPENDED.value,
            True,
            ItemState.ACTIVE.value,
        ],
    )


def _poor_sql() -> tuple[str, list[float]]:
    """The poor-call condition; a missing value compares as NULL and never makes a call poor."""
    return (
        "(loss_pct > %s OR jitter_ms > %s OR latency_ms > %s OR mos < %s)",
        [
            float(settings.POOR_LOSS_PCT),
            float(settings.POOR_JITTER_MS),
            float(settings.POOR_LATENCY_MS),
            float(settings.POOR_MOS),
        ],
    )


def _in(values: list[str] | tuple[str, ...]) -> str:
    # Outcome and endpoint values are constants of their TextChoices, never input.
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _build(refresh: Refresh, weeks: list[dt.date], steps: _Steps) -> None:
    """Fill CustomerWeek and EndpointWeek of `refresh` for `weeks` (W7 … W0)."""
    calls = Call._meta.db_table
    queues = CallQueue._meta.db_table
    customer_weeks = CustomerWeek._meta.db_table
    endpoint_weeks = EndpointWeek._meta.db_table
    first, last = weeks[0], weeks[-1]
    date_type = DateField().db_type(connection)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # The user pass hashes ~10⁶ groups: let it stay in memory (measured: 4 MB spills to
            # disk, 128 MB does not; more buys nothing). LOCAL: only for this transaction.
            cur.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        for table in TEMP_TABLES:
            cur.execute(f"DROP TABLE IF EXISTS {table}")

        # 1. Scope: customers with an in-force calling item on each week's Saturday.
        cur.execute(
            f"CREATE TEMP TABLE {T_SCOPE} (week {date_type}, prev_week {date_type}, "
            "customer_id bigint, licenses bigint)"
        )
        sql, params = _union_sql(_scope_queryset(w) for w in weeks)
        cur.execute(f"INSERT INTO {T_SCOPE} (week, prev_week, customer_id, licenses) {sql}", params)
        steps.done("scope")

        # 2. One pass over the calls of W8 … W0 (W8 only feeds calls_change_pct of W7) at the
        #    customer × week × poor grain: every figure but the users' comes from it, the
        #    endpoint types' as conditional counts (a few thousand groups instead of seven times
        #    as many). Poor as a key evaluates the condition once per call (a boolean key, so
        #    PostgreSQL expects two values and hashes); FILTER skips the mostly false conditions
        #    cheaply; CREATE TABLE AS, unlike INSERT … SELECT, may run in parallel.
        poor, poor_params = _poor_sql()
        answered = f"queue_id IS NOT NULL AND queue_outcome IN {_in(ANSWERED)}"
        abandoned = f"queue_id IS NOT NULL AND queue_outcome IN {_in(ABANDONED)}"
        features = ", ".join(
            f"COUNT(*) FILTER (WHERE features <> 0 AND (features & {bit}) <> 0) AS feature_{name}"
            for name, bit in FEATURE_BITS.items()
        )
        endpoints = ", ".join(
            f"COUNT(*) FILTER (WHERE endpoint = '{e}') AS calls_{i}"
            for i, e in enumerate(ENDPOINTS)
        )
        cur.execute(
            f"""CREATE TEMP TABLE {T_CWP} AS
            SELECT week, customer_id, {poor} AS poor,
                   COUNT(*) AS calls,
                   SUM(duration_s) AS duration_s,
                   COUNT(queue_id) AS queue_calls,
                   COUNT(*) FILTER (WHERE {answered}) AS queue_answered,
                   COUNT(*) FILTER (WHERE {abandoned}) AS queue_abandoned,
                   COALESCE(SUM(queue_wait_s) FILTER (WHERE {answered}), 0) AS wait_answered_s,
                   COALESCE(SUM(queue_wait_s) FILTER (WHERE {abandoned}), 0) AS wait_abandoned_s,
                   {features},
                   {endpoints}
            FROM {calls}
            WHERE call_type = %s AND week >= %s AND week <= %s
            GROUP BY week, customer_id, 3""",
            [*poor_params, CallType.WEBEX_CALLING.value, _day(first - WEEK), _day(last)],
        )
        summed = [c for c in SUM_COLUMNS if c != "poor_calls"] + [
            f"calls_{i}" for i in range(len(ENDPOINTS))
        ]
        cur.execute(
            f"""CREATE TEMP TABLE {T_CW} AS
            SELECT week, customer_id,
                   {", ".join(f"SUM({c}) AS {c}" for c in summed)},
                   COALESCE(SUM(calls) FILTER (WHERE poor), 0) AS poor_calls,
                   {
                ", ".join(
                    f"COALESCE(SUM(calls_{i}) FILTER (WHERE poor), 0) AS poor_{i}"
                    for i in range(len(ENDPOINTS))
                )
            }
            FROM {T_CWP}
            GROUP BY week, customer_id"""
        )
        steps.done("calls pass")

        # 3. One pass at the user grain: calls per user and week.
        cur.execute(
            f"""CREATE TEMP TABLE {T_UW} AS
            SELECT week, customer_id, user_id, COUNT(*) AS n
            FROM {calls}
            WHERE call_type = %s AND week >= %s AND week <= %s
            GROUP BY week, customer_id, user_id""",
            [CallType.WEBEX_CALLING.value, _day(first), _day(last)],
        )
        steps.done("user pass")

        # 4. Users by volume. Licensed users: the customers' users × the 8 weeks, kept when they
        #    hold a calling license on the week's Saturday (a hashed semi-join on assignments).
        #    Of those, the ones with calls, by volume: the user pass semi-joined the same way.
        #    "none" is the difference; active users are the user pass's rows.
        assignments, items = Assignment._meta.db_table, Item._meta.db_table
        users = CustomerUser._meta.db_table
        cur.execute(f"CREATE TEMP TABLE {T_WEEKS} (week {date_type}, saturday {date_type})")
        for week in weeks:
            cur.execute(
                f"INSERT INTO {T_WEEKS} (week, saturday) VALUES (%s, %s)",
                [_day(week), _day(week + dt.timedelta(days=6))],
            )
        _analyze(cur, T_WEEKS, T_UW)
        licensed, licensed_params = _licensed_sql("a", "i", "w.saturday")

        def holds_license(user: str) -> str:
            return f"""EXISTS (
                SELECT 1 FROM {assignments} a JOIN {items} i ON i.id = a.item_id
                WHERE a.user_id = {user}.id AND i.customer_id = {user}.customer_id
                  AND {licensed})"""

        cur.execute(
            f"""CREATE TEMP TABLE {T_LICENSED} AS
            SELECT w.week, cu.customer_id, COUNT(*) AS licensed
            FROM {users} cu CROSS JOIN {T_WEEKS} w
            WHERE {holds_license("cu")}
            GROUP BY w.week, cu.customer_id""",
            licensed_params,
        )
        cur.execute(
            f"""CREATE TEMP TABLE {T_USERS} AS
            SELECT uw.week, uw.customer_id,
                   COUNT(*) FILTER (WHERE uw.n <= {LOW_MAX_CALLS}) AS users_low,
                   COUNT(*) FILTER (WHERE uw.n > {LOW_MAX_CALLS} AND uw.n <= {MEDIUM_MAX_CALLS})
                       AS users_medium,
                   COUNT(*) FILTER (WHERE uw.n > {MEDIUM_MAX_CALLS}) AS users_high
            FROM (SELECT week, customer_id, user_id AS id, n FROM {T_UW}) uw
            JOIN {T_WEEKS} w ON w.week = uw.week
            WHERE {holds_license("uw")}
            GROUP BY uw.week, uw.customer_id""",
            licensed_params,
        )
        cur.execute(
            f"""CREATE TEMP TABLE {T_ACTIVE} AS
            SELECT week, customer_id, COUNT(*) AS active_users
            FROM {T_UW} GROUP BY week, customer_id"""
        )
        steps.done("users by volume")

        # 5. Endpoint types of the customers in scope, and each customer-week's worst one.
        cur.execute(
            f"INSERT INTO {endpoint_weeks} "
            "(refresh_id, week, customer_id, endpoint, calls, poor_calls) "
            + " UNION ALL ".join(
                f"""SELECT %s, c.week, c.customer_id, '{e}', c.calls_{i}, c.poor_{i}
                FROM {T_CW} c JOIN {T_SCOPE} s ON s.week = c.week AND s.customer_id = c.customer_id
                WHERE c.calls_{i} > 0"""
                for i, e in enumerate(ENDPOINTS)
            ),
            [refresh.pk] * len(ENDPOINTS),
        )
        cur.execute(
            f"""CREATE TEMP TABLE {T_WORST} AS
            SELECT week, customer_id, endpoint FROM (
                SELECT week, customer_id, endpoint,
                       ROW_NUMBER() OVER (
                           PARTITION BY week, customer_id
                           ORDER BY CAST(poor_calls AS DOUBLE PRECISION) / calls DESC,
                                    calls DESC, endpoint
                       ) AS position
                FROM {endpoint_weeks}
                WHERE refresh_id = %s AND calls >= {WORST_ENDPOINT_MIN_CALLS}
            ) ranked
            WHERE position = 1""",
            [refresh.pk],
        )
        steps.done("endpoint types")

        # 6. The customer-week rows of this refresh.
        cur.execute(
            f"""INSERT INTO {customer_weeks} (
                refresh_id, week, customer_id, calling_licenses, queues, prev_calls,
                active_users, users_none, users_low, users_medium, users_high, worst_endpoint,
                {", ".join(SUM_COLUMNS)})
            SELECT %s, s.week, s.customer_id, s.licenses, COALESCE(q.n, 0),
                   COALESCE(p.calls, 0), COALESCE(au.active_users, 0),
                   COALESCE(l.licensed, 0)
                       - COALESCE(u.users_low + u.users_medium + u.users_high, 0),
                   COALESCE(u.users_low, 0),
                   COALESCE(u.users_medium, 0), COALESCE(u.users_high, 0), w.endpoint,
                   {", ".join(f"COALESCE(a.{c}, 0)" for c in SUM_COLUMNS)}
            FROM {T_SCOPE} s
            LEFT JOIN {T_CW} a ON a.week = s.week AND a.customer_id = s.customer_id
            LEFT JOIN {T_CW} p ON p.week = s.prev_week AND p.customer_id = s.customer_id
            LEFT JOIN {T_ACTIVE} au ON au.week = s.week AND au.customer_id = s.customer_id
            LEFT JOIN {T_LICENSED} l ON l.week = s.week AND l.customer_id = s.customer_id
            LEFT JOIN {T_USERS} u ON u.week = s.week AND u.customer_id = s.customer_id
            LEFT JOIN {T_WORST} w ON w.week = s.week AND w.customer_id = s.customer_id
            LEFT JOIN (SELECT customer_id, COUNT(*) AS n FROM {queues} GROUP BY customer_id) q
              ON q.customer_id = s.customer_id""",
            [refresh.pk],
        )
        steps.done("rollups written")
        _drop_temp_tables(cur)


def _analyze(cur: CursorWrapper, *tables: str) -> None:
    """Give PostgreSQL's planner the sizes of fresh temporary tables (it never analyses them)."""
    if connection.vendor == "postgresql":
        for table in tables:
            cur.execute(f"ANALYZE {table}")


def _drop_temp_tables(cur: CursorWrapper) -> None:
    for table in TEMP_TABLES:
        cur.execute(f"DROP TABLE IF EXISTS {table}")
