"""The weekly calling refresh (docs/reference/metrics.md#refresh).

`refresh_analytics(as_of=D)` computes the rollups of the weeks W7 … W0 for every partner at once,
set-based in SQL: one grouped pass over the weeks' calls at the customer-week grain for every
call figure, one over the user-week call rollup that the loader keeps (`activity.callweeks`) for
the users, a few small joins over those aggregates into temporary tables, and one INSERT …
SELECT of a wide row per customer and week. The user-week rollup is checked against the calls'
own totals per customer-week, and the customer-weeks that differ are rebuilt from the calls
first. Everything runs in one transaction under a new refresh id, and the refresh becomes the
current one of its week only at the end: a run that fails or is killed half-way leaves the
previous rollups in place.
"""

from __future__ import annotations

import datetime as dt
import logging
import operator
import sys
import time
from collections.abc import Iterable
from functools import reduce
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Aggregate, Case, DateField, F, Max, QuerySet, Sum, Value, When

from partnerhub.activity import callweeks
from partnerhub.activity.models import (
    ENDPOINT_CODES,
    FEATURE_BITS,
    Call,
    CallQueue,
    CallType,
    Endpoint,
    QueueOutcome,
    UserCallWeek,
)
from partnerhub.calling.models import CustomerWeek, Refresh, RefreshStatus
from partnerhub.core import clock
from partnerhub.core.choices import Product
from partnerhub.core.events import figures_changed
from partnerhub.core.sql import count_if, literal_list, raise_temp_buffers, set_local
from partnerhub.customers.models import CustomerUser
from partnerhub.subscriptions.models import Assignment, ItemLine
from partnerhub.subscriptions.selectors import (
    active_assignment_q,
    in_force_q,
    in_force_state_q,
    running_q,
)

log = logging.getLogger(__name__)

WEEKS = 8
WEEK = dt.timedelta(days=7)
# Licensed users' call volume buckets (docs/reference/metrics.md#calling-usage): 0, 1–5, 6–20, > 20.
LOW_MAX_CALLS = 5
MEDIUM_MAX_CALLS = 20
# worst_endpoint only considers endpoint types with at least this many calls in the week.
WORST_ENDPOINT_MIN_CALLS = 10
# Users by volume looks up the unlicensed weeks user by user when at most this share of the
# customer users lack a calling license in some week, else joins every user-week with the
# licenses (`_users_by_volume`).
PARTLY_LICENSED_SHARE = 0.1
ANSWERED = (QueueOutcome.ANSWERED.value, QueueOutcome.OVERFLOW.value)
ABANDONED = (QueueOutcome.ABANDONED.value, QueueOutcome.VOICEMAIL.value)
# Serialises concurrent refreshes on PostgreSQL (SQLite's IMMEDIATE transactions already do).
ADVISORY_LOCK_KEY = 0x43414C4C  # "CALL"
WORK_MEM = "128MB"
TEMP_BUFFERS = "256MB"
# With settings.TEST_REFRESH_PAUSE_AT = <step> (tests only) the refresh announces each step on
# stdout and sleeps after <step>, so a test can kill -9 it half-way (tests/test_calling_refresh.py).
PAUSE_SECONDS = 600

T_SCOPE = "calling_tmp_scope"
T_CW = "calling_tmp_customer_week"
T_LIC = "calling_tmp_licenses"
T_LICENSED = "calling_tmp_licensed"
T_PARTIAL = "calling_tmp_partly_licensed"
T_USERS = "calling_tmp_users"
T_UNLICENSED = "calling_tmp_unlicensed"
T_STALE = "calling_tmp_stale"
T_WORST = "calling_tmp_worst"
TEMP_TABLES = (T_SCOPE, T_CW, T_LIC, T_LICENSED, T_PARTIAL, T_USERS, T_UNLICENSED, T_STALE, T_WORST)

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
                refreshed_at=clock.now(),
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
            # New weeks of figures: the alerts (poor quality, queue abandonment) evaluate them.
            transaction.on_commit(
                lambda: figures_changed.send(sender=Refresh, partner_ids=None, as_of=as_of),
                robust=True,
            )
    except Exception as exc:
        _record_failure(as_of, week_start, steps, exc)
        raise
    return refresh


def _record_failure(as_of: dt.date, week_start: dt.date, steps: _Steps, exc: Exception) -> None:
    """Leave a trace of a failed run for the operator; the previous rollups stay current."""
    log.exception("calling refresh as of %s failed", as_of)
    try:
        Refresh.objects.create(
            as_of=as_of,
            week_start=week_start,
            refreshed_at=clock.now(),
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
        pause_at = settings.TEST_REFRESH_PAUSE_AT
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


def _build(refresh: Refresh, weeks: list[dt.date], steps: _Steps) -> None:
    """Fill the CustomerWeek rows of `refresh` for `weeks` (W7 … W0)."""
    calls = Call._meta.db_table
    queues = CallQueue._meta.db_table
    customer_weeks = CustomerWeek._meta.db_table
    first, last = weeks[0], weeks[-1]
    date_type = DateField().db_type(connection)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # The calls pass hashes a wide group per customer-week in each worker (17 MB at
            # 2,000 customers): let them stay in memory (4 MB, the default, spills to disk).
            # LOCAL: only for this transaction.
            set_local(cur, work_mem=WORK_MEM)
            # The wide customer-week temporary tables pass 8 MB (the default) from a few
            # thousand customers on: read back from files, the final join took 0.8 s at 20,000.
            raise_temp_buffers(cur, TEMP_BUFFERS)
            if settings.CALLING_REFRESH_WORKERS is not None:
                set_local(
                    cur, max_parallel_workers_per_gather=str(settings.CALLING_REFRESH_WORKERS)
                )
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
        #    customer × week grain: every figure but the users' comes from it, the endpoint
        #    types' as conditional counts on the stored integer code (integer comparisons; a
        #    poor-call condition evaluated again only for the one type a call matches). Counts as
        #    integers: the later sums, joins and comparisons stay off NUMERIC. CREATE TABLE AS,
        #    unlike INSERT … SELECT, may run in parallel.
        poor, poor_params = _poor_sql()
        answered = f"queue_id IS NOT NULL AND queue_outcome IN {literal_list(ANSWERED)}"
        abandoned = f"queue_id IS NOT NULL AND queue_outcome IN {literal_list(ABANDONED)}"
        features = ", ".join(
            count_if(f"features <> 0 AND (features & {bit}) <> 0", f"feature_{name}", integer=True)
            for name, bit in FEATURE_BITS.items()
        )
        endpoints = ", ".join(
            count_if(f"endpoint_code = {ENDPOINT_CODES[e]}", f"calls_{e}", integer=True)
            for e in ENDPOINTS
        )
        poor_endpoints = ", ".join(
            count_if(f"endpoint_code = {ENDPOINT_CODES[e]} AND {poor}", f"poor_{e}", integer=True)
            for e in ENDPOINTS
        )
        cur.execute(
            f"""CREATE TEMP TABLE {T_CW} AS
            SELECT week, customer_id,
                   CAST(COUNT(*) AS INTEGER) AS calls,
                   SUM(duration_s) AS duration_s,
                   {count_if(poor, "poor_calls", integer=True)},
                   CAST(COUNT(queue_id) AS INTEGER) AS queue_calls,
                   {count_if(answered, "queue_answered", integer=True)},
                   {count_if(abandoned, "queue_abandoned", integer=True)},
                   COALESCE(SUM(queue_wait_s) FILTER (WHERE {answered}), 0) AS wait_answered_s,
                   COALESCE(SUM(queue_wait_s) FILTER (WHERE {abandoned}), 0) AS wait_abandoned_s,
                   {features},
                   {endpoints},
                   {poor_endpoints}
            FROM {calls}
            WHERE call_type = %s AND week >= %s AND week <= %s
            GROUP BY week, customer_id""",  # noqa: S608 — _meta and this module's temporary tables; values bound
            [
                *poor_params,
                *(poor_params * len(ENDPOINTS)),
                CallType.WEBEX_CALLING.value,
                _day(first - WEEK),
                _day(last),
            ],
        )
        steps.done("calls pass")

        # 3. Users by volume, from the user-week call rollup that the loader keeps (one narrow
        #    row per user and week with calls) instead of grouping every call by user: licensed
        #    users, users by calls, active users, and the rollup's call totals to check it by.
        _licenses(cur, weeks)
        split = _few_partly_licensed(cur, weeks)
        _users_by_volume(cur, weeks, split=split)
        stale = _stale_customer_weeks(cur, weeks)
        if stale:
            # Calls written by other means than the loader (or a rollup out of step for any
            # reason): rebuild those customer-weeks from the calls, then count again.
            log.warning("calling refresh: rebuilt the user-week rollup of %d customer-weeks", stale)
            callweeks.recompute(cur, T_STALE)
            _users_by_volume(cur, weeks, split=split)
        steps.done("users by volume")

        # 4. Each customer-week's worst endpoint type (of those with enough calls).
        cur.execute(f"CREATE TEMP TABLE {T_WORST} AS {_worst_sql()}")
        steps.done("endpoint types")
        # Without statistics PostgreSQL multiplies the joins below into millions of rows and
        # spends a second JIT-compiling for them (measured at 86,000 customer-weeks); the
        # narrow tables take milliseconds to analyse.
        _analyze(cur, T_SCOPE, T_LICENSED, T_USERS, T_UNLICENSED, T_WORST)

        # 5. The customer-week rows of this refresh.
        columns = SUM_COLUMNS + [f"{k}_{e}" for e in ENDPOINTS for k in ("calls", "poor")]
        cur.execute(
            f"""INSERT INTO {customer_weeks} (
                refresh_id, week, customer_id, calling_licenses, queues, prev_calls,
                active_users, users_none, users_low, users_medium, users_high, worst_endpoint,
                {", ".join(columns)})
            SELECT %s, s.week, s.customer_id, s.licenses, COALESCE(q.n, 0),
                   COALESCE(p.calls, 0), COALESCE(u.active_users, 0),
                   COALESCE(l.licensed, 0)
                       - COALESCE(u.users_low + u.users_medium + u.users_high, 0)
                       + COALESCE(x.users_low + x.users_medium + x.users_high, 0),
                   COALESCE(u.users_low, 0) - COALESCE(x.users_low, 0),
                   COALESCE(u.users_medium, 0) - COALESCE(x.users_medium, 0),
                   COALESCE(u.users_high, 0) - COALESCE(x.users_high, 0), w.endpoint,
                   {", ".join(f"COALESCE(a.{c}, 0)" for c in columns)}
            FROM {T_SCOPE} s
            LEFT JOIN {T_CW} a ON a.week = s.week AND a.customer_id = s.customer_id
            LEFT JOIN {T_CW} p ON p.week = s.prev_week AND p.customer_id = s.customer_id
            LEFT JOIN {T_LICENSED} l ON l.week = s.week AND l.customer_id = s.customer_id
            LEFT JOIN {T_USERS} u ON u.week = s.week AND u.customer_id = s.customer_id
            LEFT JOIN {T_UNLICENSED} x ON x.week = s.week AND x.customer_id = s.customer_id
            LEFT JOIN {T_WORST} w ON w.week = s.week AND w.customer_id = s.customer_id
            LEFT JOIN (SELECT customer_id, COUNT(*) AS n FROM {queues} GROUP BY customer_id) q
              ON q.customer_id = s.customer_id""",  # noqa: S608 — _meta and this module's temporary tables; values bound
            [refresh.pk],
        )
        steps.done("rollups written")
        _drop_temp_tables(cur)


def _worst_sql() -> str:
    """Per customer-week of T_CW, the endpoint type with the highest share of poor calls among
    those with at least WORST_ENDPOINT_MIN_CALLS calls (ties: more calls, then the type's name).

    PostgreSQL unpivots each row's type columns with LATERAL VALUES and keeps the first of each
    customer-week with DISTINCT ON (one scan, 40 ms less at 16,000 customer-weeks than a UNION
    of a scan per type); SQLite, which has neither, ranks the UNION with ROW_NUMBER.
    """
    order = "CAST({p}poor_calls AS DOUBLE PRECISION) / {p}calls DESC, {p}calls DESC, {p}endpoint"
    if connection.vendor == "postgresql":
        types = ", ".join(f"('{e}', c.calls_{e}, c.poor_{e})" for e in ENDPOINTS)
        return f"""SELECT DISTINCT ON (c.week, c.customer_id) c.week, c.customer_id, v.endpoint
            FROM {T_CW} c CROSS JOIN LATERAL (VALUES {types}) v(endpoint, calls, poor_calls)
            WHERE v.calls >= {WORST_ENDPOINT_MIN_CALLS}
            ORDER BY c.week, c.customer_id, {order.format(p="v.")}"""  # noqa: S608 — _meta and this module's temporary tables; values bound
    by_type = " UNION ALL ".join(
        f"""SELECT week, customer_id, '{e}' AS endpoint, calls_{e} AS calls,
               poor_{e} AS poor_calls
        FROM {T_CW} WHERE calls_{e} >= {WORST_ENDPOINT_MIN_CALLS}"""  # noqa: S608 — _meta and this module's temporary tables; values bound
        for e in ENDPOINTS
    )
    return f"""SELECT week, customer_id, endpoint FROM (
            SELECT week, customer_id, endpoint,
                   ROW_NUMBER() OVER (
                       PARTITION BY week, customer_id ORDER BY {order.format(p="")}
                   ) AS position
            FROM ({by_type}) by_type
        ) ranked
        WHERE position = 1"""  # noqa: S608 — _meta and this module's temporary tables; values bound


def _date_sql(day: dt.date) -> str:
    """A date constant in SQL (our own Sundays and Saturdays, never input)."""
    literal = f"'{day.isoformat()}'"
    return f"DATE {literal}" if connection.vendor == "postgresql" else literal


class _BitOr(Aggregate):
    """PostgreSQL's bit_or (without django.contrib.postgres)."""

    function = "BIT_OR"


def _licenses(cur: CursorWrapper, weeks: list[dt.date]) -> None:
    """T_LIC: every user holding a calling license on some week's Saturday, with a bit mask of
    those weeks (bit k: weeks[k]); T_LICENSED: licensed calling users per week and customer.

    Licensed on a day: the assignment is active and its item in force on that day (the rules
    of subscriptions.selectors, compiled by the ORM), for a user of the item's customer. A user
    with several assignments (a trial converted into a subscription, a license given back and
    given again) has one row: the OR of their masks (bit_or on PostgreSQL; per-bit MAX
    elsewhere). Only users of the item's customer count: a user has at most one row, of their
    own customer.
    """
    bits = []
    for k, week in enumerate(weeks):
        saturday = week + dt.timedelta(days=6)
        licensed = active_assignment_q(saturday) & running_q(saturday, "item__")
        bits.append(Case(When(licensed, then=Value(1 << k)), default=Value(0)))
    if connection.vendor == "postgresql":
        mask: Any = _BitOr(reduce(operator.add, bits))
    else:
        mask = reduce(operator.add, [Max(bit) for bit in bits])
    licenses = (
        Assignment.objects.filter(product=Product.CALLING)
        .filter(in_force_state_q("item__"))
        .filter(user__customer_id=F("item__customer_id"))
        .order_by()
        .values(lic_user=F("user_id"), lic_customer=F("item__customer_id"))
        .annotate(mask=mask)
    )
    sql, params = licenses.query.sql_with_params()
    # On PostgreSQL an unlogged table of this transaction rather than a temporary one: parallel
    # workers cannot read temporary tables, and users by volume may join this one with every
    # user-week of the rollup (a million rows: 0.45 s in parallel, 0.65 s without). Under the
    # refresh's advisory lock, dropped at the end; a killed refresh rolls its creation back.
    create = "CREATE UNLOGGED TABLE" if connection.vendor == "postgresql" else "CREATE TEMP TABLE"
    cur.execute(
        f"{create} {T_LIC} AS SELECT lic_user AS user_id, lic_customer AS customer_id, mask "  # noqa: S608 — _meta and this module's temporary tables; values bound
        f"FROM ({sql}) licenses",
        params,
    )
    _analyze(cur, T_LIC)
    cur.execute(
        f"""CREATE TEMP TABLE {T_LICENSED} AS
        SELECT w.week, m.customer_id, SUM(m.n) AS licensed
        FROM (SELECT customer_id, mask, COUNT(*) AS n FROM {T_LIC} WHERE mask <> 0
              GROUP BY customer_id, mask) m
        JOIN ({_weeks_sql(weeks)}) w ON (m.mask & w.bit) <> 0
        GROUP BY w.week, m.customer_id"""  # noqa: S608 — _meta and this module's temporary tables; values bound
    )


def _weeks_sql(weeks: list[dt.date]) -> str:
    """A derived table (week, bit) of the refresh's weeks."""
    return " UNION ALL ".join(
        f"SELECT {_date_sql(week)} AS week, {1 << k} AS bit" for k, week in enumerate(weeks)
    )


def _few_partly_licensed(cur: CursorWrapper, weeks: list[dt.date]) -> bool:
    """Whether at most PARTLY_LICENSED_SHARE of the customer users lack a calling license in
    some of the weeks (T_LIC counted against all customer users): see `_users_by_volume`."""
    full = (1 << len(weeks)) - 1
    cur.execute(
        f"SELECT (SELECT COUNT(*) FROM {CustomerUser._meta.db_table}), "  # noqa: S608 — _meta and this module's temporary tables; values bound
        f"(SELECT COUNT(*) FROM {T_LIC} WHERE mask = {full})"
    )
    users, licensed_throughout = cur.fetchone()
    return bool(users - licensed_throughout <= PARTLY_LICENSED_SHARE * users)


def _volume_buckets(condition: str) -> str:
    """Counts of rollup rows (`uw`) by calls: 1–5, 6–20, > 20, each behind `condition`."""
    low, medium = LOW_MAX_CALLS, MEDIUM_MAX_CALLS
    return ", ".join(
        [
            count_if(f"{condition}uw.calls <= {low}", "users_low", integer=True),
            count_if(
                f"{condition}uw.calls > {low} AND uw.calls <= {medium}",
                "users_medium",
                integer=True,
            ),
            count_if(f"{condition}uw.calls > {medium}", "users_high", integer=True),
        ]
    )


def _users_by_volume(cur: CursorWrapper, weeks: list[dt.date], *, split: bool) -> None:
    """From the user-week rollup, per week and customer: T_USERS, the users with calls (active
    users, their calls to check the rollup by, and how many made 1–5, 6–20, > 20 calls), and
    T_UNLICENSED, the same counts of those among them not licensed that week. Users by volume
    count licensed users only: T_USERS less T_UNLICENSED.

    Two ways to the same counts, for two shapes of data. `split` (few users lack a license in
    some week, as where every user has one): T_USERS counts everyone without a join and
    T_UNLICENSED looks up the weeks of the few (T_PARTIAL) by the rollup's user index — 0.26 s
    instead of 0.45 s at 5,000,000 calls. Otherwise (many users without a calling license, as
    in the demo: 0.6 s instead of 1.5 s at 20,000 customers) one join of every user-week with
    T_LIC counts licensed users straight into T_USERS, and T_UNLICENSED stays empty.
    """
    rollup = UserCallWeek._meta.db_table
    first = _date_sql(weeks[0])
    if connection.vendor == "postgresql":
        index = f"((uw.week - {first}) / 7)"
    else:
        index = f"CAST((julianday(uw.week) - julianday({first})) / 7 AS INTEGER)"
    bit = f"(1 << {index})"
    # In the joined way only the user-weeks matched with a license count in a bucket.
    buckets = _volume_buckets("" if split else "l.user_id IS NOT NULL AND ")
    between = [_day(weeks[0]), _day(weeks[-1])]
    for table in (T_USERS, T_UNLICENSED, T_PARTIAL):
        cur.execute(f"DROP TABLE IF EXISTS {table}")
    licenses = (
        "" if split else f"LEFT JOIN {T_LIC} l ON l.user_id = uw.user_id AND (l.mask & {bit}) <> 0"
    )
    cur.execute(
        f"""CREATE TEMP TABLE {T_USERS} AS
        SELECT uw.week, uw.customer_id, CAST(COUNT(*) AS INTEGER) AS active_users,
               SUM(uw.calls) AS calls, {buckets}
        FROM {rollup} uw {licenses}
        WHERE uw.week >= %s AND uw.week <= %s
        GROUP BY uw.week, uw.customer_id""",  # noqa: S608 — _meta and this module's temporary tables; values bound
        between,
    )
    if split:
        cur.execute(
            f"""CREATE TEMP TABLE {T_PARTIAL} AS
            SELECT u.id AS user_id, COALESCE(l.mask, 0) AS mask
            FROM {CustomerUser._meta.db_table} u LEFT JOIN {T_LIC} l ON l.user_id = u.id
            WHERE l.user_id IS NULL OR l.mask <> {(1 << len(weeks)) - 1}"""  # noqa: S608 — _meta and this module's temporary tables; values bound
        )
        _analyze(cur, T_PARTIAL)
        partial = f"""FROM {T_PARTIAL} p JOIN {rollup} uw ON uw.user_id = p.user_id
            WHERE uw.week >= %s AND uw.week <= %s AND (p.mask & {bit}) = 0"""
    else:
        partial = f"FROM {rollup} uw WHERE uw.week >= %s AND uw.week <= %s AND 1 = 0"
    cur.execute(
        f"""CREATE TEMP TABLE {T_UNLICENSED} AS
        SELECT uw.week, uw.customer_id, {_volume_buckets("")}
        {partial}
        GROUP BY uw.week, uw.customer_id""",
        between,
    )


def _stale_customer_weeks(cur: CursorWrapper, weeks: list[dt.date]) -> int:
    """T_STALE: the customer-weeks whose rollup total differs from their calls; how many."""
    cur.execute(f"DROP TABLE IF EXISTS {T_STALE}")
    cur.execute(
        f"""CREATE TEMP TABLE {T_STALE} AS
        SELECT c.week, c.customer_id FROM {T_CW} c
        LEFT JOIN {T_USERS} u ON u.week = c.week AND u.customer_id = c.customer_id
        WHERE c.week >= %s AND (u.calls IS NULL OR u.calls <> c.calls)
        UNION
        SELECT u.week, u.customer_id FROM {T_USERS} u
        LEFT JOIN {T_CW} c ON c.week = u.week AND c.customer_id = u.customer_id
        WHERE c.customer_id IS NULL""",  # noqa: S608 — _meta and this module's temporary tables; values bound
        [_day(weeks[0])],
    )
    cur.execute(f"SELECT COUNT(*) FROM {T_STALE}")  # noqa: S608 — _meta and this module's temporary tables; values bound
    return int(cur.fetchone()[0])


def _analyze(cur: CursorWrapper, *tables: str) -> None:
    """Give PostgreSQL's planner the sizes of fresh temporary tables (it never analyses them)."""
    if connection.vendor == "postgresql":
        for table in tables:
            cur.execute(f"ANALYZE {table}")


def _drop_temp_tables(cur: CursorWrapper) -> None:
    for table in TEMP_TABLES:
        cur.execute(f"DROP TABLE IF EXISTS {table}")
