"""The weekly calling refresh at 5,000,000 calls over 8 weeks on PostgreSQL, and the page after it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/calling_bench \\
        .venv/bin/python bench/bench_calling_refresh.py [--calls 5000000] [--runs 3] [--rebuild] \\
        [--customers 2000] [--users 170000]

Builds once (``--rebuild`` to redo; also when a size changed) 10 partners (one with half of the
customers), 2,000 customers with a calling subscription (a few ending inside the 8 weeks), 170,000
customer users with a calling license (a few unassigned inside the weeks), two call queues on
every third customer, and the calls of the weeks W7 … W0 as of 2026-11-26: per user and week a
Poisson-like count around the demo generator's rates, with endpoints, quality values (some
missing), features and queue outcomes.
Everything is generated inside PostgreSQL with generate_series (no rows cross the wire).

Then it reports, as medians of ``--runs``, measured in the same run so that the ratio holds on a
busy machine:
- the floor: one plain ``GROUP BY customer_id, week`` pass with count(*) and sum(duration_s) over
  the same calls (PERFORMANCE.md: about 3 s here);
- ``refresh_analytics(as_of=2026-11-26)`` end to end, with its steps; the aim is ≤ 3× the floor;
- after the refresh, the page ``/analytics/calling/`` and ``GET /api/v1/analytics/calling`` for a
  full administrator of the largest partner (1,000 customers); the aim is < 500 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import results

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/calling_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.config.settings")
os.environ.setdefault("PARTNERHUB_TODAY", "2026-11-26")

D = dt.date(2026, 11, 26)
W7 = dt.date(2026, 9, 27)  # the Sunday starting W7 as of D; W0 starts 2026-11-15
CUSTOMERS = 2_000
USERS = 170_000
PARTNERS = 10
BIG_PARTNER = "BENCH-P0"
ADMIN = "admin@calling-bench.example"
# Calls per user and week by user type (the demo generator's CALL_RATE and CALL_RATE_W).
RATES = ((0.25, 32), (1.8, 44), (7.5, 18), (24.0, 6))


def ensure_database() -> None:
    """Create the database of DATABASE_URL if it does not exist yet."""
    import psycopg
    from dj_database_url import parse

    cfg = parse(os.environ["DATABASE_URL"])
    if "postgres" not in cfg["ENGINE"]:
        sys.exit("bench_calling_refresh needs PostgreSQL: set DATABASE_URL=postgres://…")
    with psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def sql(cur: Any, statement: str, params: Any = None) -> None:
    cur.execute(statement, params)


def build(calls: int, customers: int = CUSTOMERS, users: int = USERS) -> None:
    """Generate the dataset with set-based SQL (one transaction)."""
    from django.db import connection, transaction

    from partnerhub.accounts.models import Partner, User
    from partnerhub.core.choices import Role

    rate_total = sum(rate * weight for rate, weight in RATES) / 100
    # scale the rates so that users × 8 weeks give a few percent more than `calls`, then LIMIT
    scale = calls / (users * 8 * rate_total) * 1.04
    rate_case = (
        "CASE "
        + " ".join(
            f"WHEN i % 100 < {sum(w for _, w in RATES[: k + 1])} THEN {rate * scale}"
            for k, (rate, _) in enumerate(RATES)
        )
        + " END"
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for table in (
            "activity_usercallweek",
            "calling_customerweek",
            "calling_refresh",
            "activity_call",
            "activity_callqueue",
            "subscriptions_assignment",
            "subscriptions_itemline",
            "subscriptions_item",
            "customers_customeruser",
            "customers_customer",
        ):
            sql(cur, f"TRUNCATE {table} CASCADE")
        User.objects.filter(email=ADMIN).delete()
        Partner.objects.filter(ext_id__startswith="BENCH-P").delete()
        partners = [
            Partner.objects.create(ext_id=f"BENCH-P{p}", name=f"Bench Partner {p}")
            for p in range(PARTNERS)
        ]
        big = partners[0]
        User.objects.create_user(
            ADMIN, "bench-pass-123", partner=big, role=Role.PARTNER_FULL_ADMIN, name="Bench"
        )
        ids = [p.pk for p in partners]
        # customers: the first half belong to the big partner, the rest spread over the others
        sql(
            cur,
            f"""INSERT INTO customers_customer (ext_id, partner_id, name, created, country,
                   admin_email)
            SELECT 'BC' || lpad(i::text, 5, '0'),
                   CASE WHEN i < {customers // 2} THEN {ids[0]}
                        ELSE (ARRAY{ids[1:]})[1 + i % {PARTNERS - 1}] END,
                   'Customer ' || lpad(i::text, 5, '0'), DATE '2025-01-01', 'PL', ''
            FROM generate_series(0, {customers - 1}) i""",
        )
        sql(
            cur,
            """CREATE TEMP TABLE bench_customer AS
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM customers_customer""",
        )
        # one calling subscription each; every 40th ends inside the weeks (2026-10-20)
        sql(
            cur,
            """INSERT INTO subscriptions_item (ext_id, customer_id, is_trial, start, "end",
                   auto_renew, state)
            SELECT 'BSub-' || i, id, false, DATE '2025-01-01',
                   CASE WHEN i % 40 = 7 THEN DATE '2026-10-20' ELSE DATE '2027-12-31' END,
                   true, 'active'
            FROM bench_customer""",
        )
        sql(
            cur,
            """INSERT INTO subscriptions_itemline (item_id, product, licenses)
            SELECT id, 'calling', 120 FROM subscriptions_item WHERE ext_id LIKE 'BSub-%'""",
        )
        sql(
            cur,
            """INSERT INTO activity_callqueue (ext_id, customer_id, name)
            SELECT 'BQ' || c.i || '-' || q, c.id, 'Queue ' || q
            FROM bench_customer c CROSS JOIN generate_series(1, 2) q WHERE c.i % 3 = 0""",
        )
        # users round-robin over the customers, each with a calling license
        sql(
            cur,
            f"""INSERT INTO customers_customeruser (ext_id, customer_id, email, name, is_active)
            SELECT 'BU' || lpad(g.n::text, 7, '0'), c.id, 'u' || g.n || '@bench.example', '', true
            FROM generate_series(0, {users - 1}) g(n)
            JOIN bench_customer c ON c.i = g.n % {customers}""",
        )
        sql(
            cur,
            f"""CREATE TEMP TABLE bench_user AS
            SELECT u.id, u.customer_id, ({rate_case})::float AS rate, q.queue_id
            FROM (SELECT id, customer_id, row_number() OVER (ORDER BY id) - 1 AS i
                  FROM customers_customeruser) u
            LEFT JOIN (SELECT customer_id, min(id) AS queue_id FROM activity_callqueue
                       GROUP BY customer_id) q ON q.customer_id = u.customer_id""",
        )
        sql(
            cur,
            """INSERT INTO subscriptions_assignment (user_id, item_id, product, from_date, to_date)
            SELECT u.id, it.id, 'calling', DATE '2025-06-01',
                   CASE WHEN u.id % 50 = 0 THEN DATE '2026-10-28' END
            FROM bench_user u JOIN subscriptions_item it ON it.customer_id = u.customer_id""",
        )
        print(f"  customers, users, licenses: {time.perf_counter() - started:.1f} s", flush=True)
        # the calls: per user and week a count around the user's rate, inside the week; stored
        # in time order, as daily feeds would store them (a user's calls spread over the table)
        sql(cur, "CREATE TEMP SEQUENCE bench_call_seq")
        sql(
            cur,
            f"""INSERT INTO activity_call (ext_id, customer_id, user_id, start, week, duration_s,
                   endpoint, call_type, direction, mos, jitter_ms, loss_pct, latency_ms,
                   features, queue_id, queue_wait_s, queue_outcome)
            SELECT 'BK' || lpad(nextval('bench_call_seq')::text, 10, '0'), t.*
            FROM (
                SELECT customer_id, user_id, week_at + random() * interval '7 days' AS start,
                   week, round((20 + random() * 400)::numeric, 1)::float,
                   CASE WHEN re < .34 THEN 'webex_app_desktop' WHEN re < .52 THEN 'webex_app_mobile'
                        WHEN re < .58 THEN 'webex_app_web' WHEN re < .84 THEN 'ip_phone'
                        WHEN re < .90 THEN 'room_device' WHEN re < .95 THEN 'analog_adapter'
                        ELSE 'third_party' END,
                   CASE WHEN random() < .03 THEN 'call_on_webex' ELSE 'webex_calling' END,
                   (ARRAY['inbound', 'outbound', 'internal'])[1 + floor(random() * 3)::int],
                   CASE WHEN random() < .05 THEN NULL ELSE 2.9 + random() * 1.6 END,
                   CASE WHEN random() < .05 THEN NULL ELSE random() * 160 END,
                   CASE WHEN random() < .05 THEN NULL ELSE random() * 5.3 END,
                   CASE WHEN random() < .05 THEN NULL ELSE 20 + random() * 400 END,
                   CASE WHEN random() < .8 THEN 0
                        ELSE (ARRAY[1, 8, 64, 72, 128, 256, 9])[1 + floor(random() * 7)::int] END,
                   CASE WHEN rq < .3 THEN queue_id END,
                   CASE WHEN rq < .3 AND queue_id IS NOT NULL
                        THEN round((random() * 90)::numeric, 1)::float END,
                   CASE WHEN rq < .3 AND queue_id IS NOT NULL
                        THEN (ARRAY['answered', 'overflow', 'abandoned', 'voicemail'])
                             [1 + floor(rq / .3 * 4)::int] END
                FROM (
                    SELECT u.customer_id, u.id AS user_id, u.queue_id,
                           (DATE '{W7}' + 7 * w)::timestamptz AS week_at,
                           DATE '{W7}' + 7 * w AS week, random() AS re, random() AS rq
                    FROM bench_user u
                    CROSS JOIN generate_series(0, 7) w
                    CROSS JOIN LATERAL
                        generate_series(1, floor(u.rate * 2 * random() + random())::int) k
                    LIMIT {calls}
                ) s
                ORDER BY start
            ) t""",
        )
        sql(cur, "DROP TABLE bench_user")
        sql(cur, "DROP TABLE bench_customer")
    with connection.cursor() as cur:
        sql(cur, "VACUUM ANALYZE activity_call")
        sql(cur, "ANALYZE")
    print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)


def current_users() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM customers_customeruser WHERE ext_id LIKE 'BU%%'")
        return int(cur.fetchone()[0])


def current_customers() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM customers_customer WHERE ext_id LIKE 'BC%%'")
        return int(cur.fetchone()[0])


def current_calls() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM activity_call WHERE ext_id LIKE 'BK%%'")
        return int(cur.fetchone()[0])


def floor_pass() -> float:
    """One plain GROUP BY customer, week pass with count and sum over the same calls."""
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cur:
            cur.execute(
                """SELECT customer_id, week, count(*), sum(duration_s) FROM activity_call
                WHERE week >= %s AND week <= %s GROUP BY customer_id, week""",
                [W7 - dt.timedelta(days=7), dt.date(2026, 11, 15)],
            )
            cur.fetchall()

    return timed(run)


def reference_pass() -> float:
    """PERFORMANCE.md's reference: GROUP BY customer, week with count, sum, poor calls and
    distinct users (2.84 s there), for comparing this run's machine with that one."""
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cur:
            cur.execute(
                """SELECT customer_id, week, count(*), sum(duration_s),
                       count(*) FILTER (WHERE loss_pct > 5 OR jitter_ms > 150
                                        OR latency_ms > 400 OR mos < 3),
                       count(DISTINCT user_id)
                FROM activity_call WHERE week >= %s AND week <= %s GROUP BY customer_id, week""",
                [W7 - dt.timedelta(days=7), dt.date(2026, 11, 15)],
            )
            cur.fetchall()

    return timed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--users", type=int, default=USERS, help="customer users, all licensed")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--explain", action="store_true", help="print the plan of the floor")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also time PERFORMANCE.md's pass with poor calls and distinct users",
    )
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from partnerhub.accounts.models import User
    from partnerhub.calling.models import CustomerWeek
    from partnerhub.calling.services import refresh_analytics

    call_command("migrate", interactive=False, verbosity=0)
    have = current_calls()
    have_users = current_users()
    if (
        args.rebuild
        or abs(have - args.calls) > args.calls * 0.01
        or have_users != args.users
        or current_customers() != args.customers
    ):
        print(f"building {args.calls:,} calls (have {have:,}) …", flush=True)
        build(args.calls, args.customers, args.users)
    from partnerhub.activity import callweeks
    from partnerhub.activity.models import UserCallWeek

    if args.rebuild or not UserCallWeek.objects.exists():
        # The loader keeps this rollup as it writes calls; calls made here in SQL need it built.
        with transaction.atomic(), connection.cursor() as cur:
            rollup = timed(lambda: callweeks.recompute_all(cur))
        print(f"user-week call rollup built from the calls in {rollup:.2f} s (the loader's job)")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE activity_usercallweek")
        cur.execute(
            "SELECT count(*), count(DISTINCT user_id), min(start), max(start) FROM activity_call"
        )
        n, users, first, last = cur.fetchone()
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('activity_call'))")
        size = cur.fetchone()[0]
    print(
        f"calls: {n:,} by {users:,} users, {first:%Y-%m-%d %H:%M} … {last:%Y-%m-%d %H:%M}, {size}"
    )
    if args.explain:
        with connection.cursor() as cur:
            cur.execute(
                """EXPLAIN ANALYZE SELECT customer_id, week, count(*), sum(duration_s)
                FROM activity_call WHERE week >= '2026-09-20' AND week <= '2026-11-15'
                GROUP BY customer_id, week"""
            )
            print("\n".join(r[0] for r in cur.fetchall()))

    floors, references, refreshes, steps = [], [], [], []
    for run in range(args.runs):
        floors.append(floor_pass())
        if args.reference:
            references.append(reference_pass())
        started = time.perf_counter()
        refresh = refresh_analytics(as_of=D)
        refreshes.append(time.perf_counter() - started)
        steps.append(refresh.timings)
        print(
            f"run {run + 1}: floor {floors[-1]:.2f} s, "
            + (f"reference {references[-1]:.2f} s, " if references else "")
            + f"refresh {refreshes[-1]:.2f} s "
            f"({', '.join(f'{k} {v:.2f}' for k, v in refresh.timings.items())})",
            flush=True,
        )
    floor, total = statistics.median(floors), statistics.median(refreshes)
    rows = CustomerWeek.objects.filter(refresh=refresh).count()

    admin = User.objects.get(email=ADMIN)
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    timings: dict[str, list[float]] = {}
    for name, url in [
        ("page", "/analytics/calling/"),
        ("page, week W3, sorted", "/analytics/calling/?week=2026-10-25&table=usage&sort=-calls"),
        ("API", "/api/v1/analytics/calling"),
    ]:
        client.get(url)  # warm up
        samples = []
        for _ in range(7):
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        timings[name] = samples
    assert admin.partner is not None
    customers = admin.partner.customers.count()

    print()
    print(f"calls over 8 weeks (+ W8 for the change):  {n:,}")
    print(f"floor, GROUP BY customer, week (median):  {floor:.2f} s")
    if references:
        reference = statistics.median(references)
        print(
            f"  + poor calls + distinct users:          {reference:.2f} s (PERFORMANCE.md: 2.84 s)"
        )
    ratio = total / floor
    print(
        f"refresh_analytics (median of {args.runs}):       {total:.2f} s  = {ratio:.2f}× the floor"
    )
    if references:
        print(f"{'':42}= {total / reference:.2f}× that pass")
    for step in steps[-1]:
        print(f"    {step:<24} {statistics.median(s[step] for s in steps):.2f} s")
    print(f"customer-week rollup rows:                {rows:,}")
    for name, samples in timings.items():
        label = f"{name} ({customers:,} customers)"
        median_ms = statistics.median(samples) * 1000
        print(f"{label:<42}median {median_ms:.0f} ms, max {max(samples) * 1000:.0f} ms")
    step_medians = {step: round(statistics.median(s[step] for s in steps), 3) for step in steps[-1]}
    page_ms = {name: round(statistics.median(s) * 1000, 1) for name, s in timings.items()}
    summary = [
        results.row(
            "calling refresh", round(total, 3), "s", round(floor, 3), "GROUP BY customer, week"
        )
    ]
    summary += [results.row(f"calling {name}", ms, "ms") for name, ms in page_ms.items()]
    results.write(
        "calling_refresh",
        scale={
            "calls": n,
            "users_with_calls": users,
            "customers": args.customers,
            "licensed_users": args.users,
            "partners": PARTNERS,
            "customers_of_measured_partner": customers,
            "runs": args.runs,
            "as_of": D,
            "calls_table_size": size,
        },
        figures={
            "refresh_median_s": round(total, 3),
            "refresh_runs_s": [round(x, 3) for x in refreshes],
            "refresh_steps_median_s": step_medians,
            "customer_week_rows": rows,
            "pages_median_ms": page_ms,
            "pages_max_ms": {name: round(max(s) * 1000, 1) for name, s in timings.items()},
            "reference_pass_median_s": (
                round(statistics.median(references), 3) if references else None
            ),
        },
        floor={
            "what": "one GROUP BY customer_id, week pass with count and sum over the same calls, "
            "median, interleaved with the refreshes",
            "seconds": round(floor, 3),
            "runs_s": [round(x, 3) for x in floors],
        },
        summary=summary,
    )


if __name__ == "__main__":
    main()
