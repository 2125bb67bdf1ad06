"""Subscriptions analytics at partner scale on PostgreSQL: the API answer, the page, and the floor.

Builds once (``--rebuild`` to redo) one partner with 20,000 customers, ≈50,000 items,
≈2,000,000 license assignments and 13 weeks of daily usage (UsageDay: the rows the loader derives
from meetings and calls, and all these figures read; the call and meeting rows themselves are not
generated), straight into the tables with set-based SQL, then reports:

- cold: the stored snapshot forgotten, ``snapshot_build`` of the as-of date (the twelve days a
  page reads), then, forgotten again, the first API request (which builds them itself);
- warm (the snapshot built), the median of 10 of ``GET /api/v1/analytics/subscriptions``
  (meetings and calling) for a full administrator, and of the page ``/analytics/subscriptions/``;
- a write: what a license assignment adds to its transaction, the refresh of its item's rows
  on every stored day (for the item with the most calling assignments);
- the floor: one full scan of the assignments table.

    createdb -h 127.0.0.1 -U postgres analytics_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/analytics_bench \\
        .venv/bin/python bench/bench_subscriptions_analytics.py [--explain]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import results

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/analytics_bench")
os.environ.setdefault("PARTNERHUB_TODAY", "2026-11-26")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from partnerhub.accounts.models import Partner, User  # noqa: E402
from partnerhub.accounts.services import token_create  # noqa: E402
from partnerhub.analytics.models import LineDay  # noqa: E402
from partnerhub.analytics.services import (  # noqa: E402
    snapshot_build,
    snapshot_invalidate,
    snapshot_refresh_items,
)
from partnerhub.core import clock  # noqa: E402
from partnerhub.subscriptions.models import Assignment  # noqa: E402
from partnerhub.subscriptions.selectors import in_force_q  # noqa: E402

ADMIN_EMAIL = "bench-admin@bench.example"
USAGE_DAYS = 91  # 13 weeks: every window of the trend and of used90

# Each statement builds one table from the previous ones; random() is seeded so a rebuild
# gives the same data. :d is the as-of date, :n the number of customers.
BUILD = [
    "SELECT setseed(0.42)",
    # Customers: added over the last four years.
    """INSERT INTO customers_customer (ext_id, partner_id, name, created, country, admin_email)
       SELECT 'BC' || lpad(g::text, 6, '0'), %(partner)s, 'Customer ' || lpad(g::text, 6, '0'),
              %(d)s::date - (g * 7919 %% 1460), 'PL', ''
       FROM generate_series(1, %(n)s) g""",
    # Items: 2.5 per customer; 15 % trials. Subscriptions started up to ~3 years ago and end
    # between 30 days ago and 13 months ahead; trials last 30/60/90 days from up to 120 days ago.
    """INSERT INTO subscriptions_item
              (ext_id, customer_id, is_trial, start, "end", auto_renew, state)
       SELECT 'BI-' || g, c.id, r.trial,
              CASE WHEN r.trial THEN r.tstart ELSE r.sstart END,
              CASE WHEN r.trial THEN r.tstart + r.tlen - 1
                   ELSE greatest(r.send, r.sstart + 30) END,
              NOT r.trial AND r.renew < 0.6,
              CASE WHEN r.trial THEN CASE WHEN r.tstart + r.tlen - 1 >= %(d)s::date AND r.st < 0.9
                                          THEN 'active' WHEN r.st < 0.6 THEN 'ended'
                                          ELSE 'converted' END
                   WHEN r.st < 0.82 THEN 'active' WHEN r.st < 0.86 THEN 'suspended'
                   WHEN r.st < 0.92 THEN 'provisioning' ELSE 'cancelled' END
       FROM generate_series(1, %(n)s * 5 / 2) g
       JOIN LATERAL (SELECT random() < 0.15 AS trial, random() AS renew, random() AS st,
                            %(d)s::date - floor(random() * 1000)::int AS sstart,
                            %(d)s::date - 30 + floor(random() * 420)::int AS send,
                            %(d)s::date - floor(random() * 120)::int AS tstart,
                            (1 + floor(random() * 3)::int) * 30 AS tlen, g AS gg) r ON true
       JOIN customers_customer c
         ON c.ext_id = 'BC' || lpad((1 + (g - 1) %% %(n)s)::text, 6, '0')""",
    # Lines: meetings on 80 %, calling on 60 %, messaging on 50 % of items; 5..54 licenses.
    # (The lateral subquery makes random() run per item and product, not once per product.)
    """INSERT INTO subscriptions_itemline (item_id, product, licenses)
       SELECT i.id, p.product, 5 + floor(random() * 50)::int
       FROM subscriptions_item i
       CROSS JOIN (VALUES ('meetings', 0.8), ('calling', 0.6), ('messaging', 0.5)) p(product, share)
       CROSS JOIN LATERAL (SELECT random() AS r, i.id AS iid, p.product AS pp) x
       WHERE i.ext_id LIKE 'BI-%%' AND x.r < p.share""",
    # How many licenses each meetings/calling line has assigned now (10 % low, 15 % over the
    # limit), and how many earlier assignments have ended.
    """CREATE TEMP TABLE bench_line AS
       SELECT l.item_id, l.product, i.customer_id, i.start,
              greatest(0, round(l.licenses * CASE WHEN r < 0.10 THEN 0.05 + r * 2.5
                                               WHEN r < 0.85 THEN 0.5 + (r - 0.10) * 0.66
                                               ELSE 1.0 + (r - 0.85) * 1.6 END))::int AS active,
              floor(l.licenses * random() * 0.5)::int AS ended
       FROM subscriptions_itemline l JOIN subscriptions_item i ON i.id = l.item_id
       CROSS JOIN LATERAL (SELECT random() AS r, l.id AS lid) x
       WHERE i.ext_id LIKE 'BI-%%' AND l.product IN ('meetings', 'calling')""",
    # Customer users: enough for the busiest line of each customer.
    """INSERT INTO customers_customeruser (ext_id, customer_id, email, name, is_active)
       SELECT 'BU' || c.customer_id || '-' || g, c.customer_id,
              'u' || g || '@c' || c.customer_id || '.example', 'User ' || g, true
       FROM (SELECT customer_id, max(active + ended) AS need FROM bench_line
             GROUP BY customer_id) c
       CROSS JOIN LATERAL generate_series(1, c.need) g""",
    """CREATE TEMP TABLE bench_user AS
       SELECT id, customer_id, split_part(ext_id, '-', 2)::int AS k FROM customers_customeruser
       WHERE ext_id LIKE 'BU%%'""",
    "CREATE INDEX ON bench_user (customer_id, k)",
    # Active assignments (from the item's start up to a week ago, some this week) and ended ones.
    """INSERT INTO subscriptions_assignment (user_id, item_id, product, from_date, to_date)
       SELECT u.id, b.item_id, b.product,
              least(%(d)s::date, b.start + floor(random() * least(
                  400, greatest(1, %(d)s::date - b.start + 1)))::int),
              NULL
       FROM bench_line b CROSS JOIN LATERAL generate_series(1, b.active) g
       JOIN bench_user u ON u.customer_id = b.customer_id AND u.k = g""",
    """INSERT INTO subscriptions_assignment (user_id, item_id, product, from_date, to_date)
       SELECT u.id, b.item_id, b.product, b.start,
              b.start + 1 + floor(random() * greatest(1, %(d)s::date - b.start))::int
       FROM bench_line b CROSS JOIN LATERAL generate_series(1, b.ended) g
       JOIN bench_user u ON u.customer_id = b.customer_id AND u.k = b.active + g""",
    # Usage: a quarter of licensed users never use the product, the others on 2 %..35 % of days.
    """INSERT INTO activity_usageday (user_id, product, day)
       SELECT DISTINCT a.user_id, a.product, %(d)s::date - floor(random() * %(days)s)::int
       FROM (SELECT DISTINCT user_id, product FROM subscriptions_assignment
             WHERE to_date IS NULL AND item_id IN (SELECT id FROM subscriptions_item
                                                   WHERE ext_id LIKE 'BI-%%')) a
       CROSS JOIN LATERAL (SELECT CASE WHEN r < 0.25 THEN 0 WHEN r < 0.65 THEN 0.02
                                       WHEN r < 0.9 THEN 0.08 ELSE 0.35 END AS p
                           FROM (SELECT random() AS r, a.user_id AS uid) x) q
       CROSS JOIN LATERAL generate_series(1, round(q.p * %(days)s)::int) g
       ORDER BY 1, 2, 3""",
]


def build(customers: int) -> None:
    """Create the partner, its administrator and the data set."""
    as_of = clock.today()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM activity_usageday")
        for table in (
            "subscriptions_assignment",
            "subscriptions_itemline",
            "subscriptions_item",
            "customers_customeruser",
            "customers_customer",
        ):
            cur.execute(f"TRUNCATE {table} CASCADE")
    Partner.objects.filter(ext_id__in=["PBENCH"]).delete()
    partner = Partner.objects.create(ext_id="PBENCH", name="Bench Partners", country="PL")
    User.objects.filter(email=ADMIN_EMAIL).delete()
    User.objects.create_user(
        ADMIN_EMAIL, "bench-pass-123", partner=partner, role="partner_full_admin", name="Bench"
    )
    params: dict[str, Any] = {"partner": partner.id, "d": as_of, "n": customers, "days": USAGE_DAYS}
    with connection.cursor() as cur:
        for sql in BUILD:
            started = time.perf_counter()
            cur.execute(sql, params)
            print(
                f"  {time.perf_counter() - started:6.1f} s  {sql.split()[0:3]} rows={cur.rowcount}"
            )
        cur.execute("DROP TABLE IF EXISTS bench_line, bench_user")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    # Written with raw SQL, not through the loader or the services: what is stored is stale.
    snapshot_invalidate()


def counts() -> dict[str, int]:
    """Row counts of the tables the figures read."""
    out = {}
    with connection.cursor() as cur:
        for table in (
            "customers_customer",
            "subscriptions_item",
            "subscriptions_itemline",
            "subscriptions_assignment",
            "customers_customeruser",
            "activity_usageday",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")
            out[table] = cur.fetchone()[0]
    return out


def median_of(runs: int, fn: Callable[[], object]) -> dict[str, float]:
    """Median (and min, max) seconds of `runs` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return {
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
    }


def explain(queries: list[dict[str, str]]) -> None:
    """Replay one request's statements in a transaction that is rolled back, printing
    EXPLAIN ANALYZE of each read (a temporary table is explained, then created)."""
    create = re.compile(r"^\s*CREATE TEMPORARY TABLE (\w+) AS", re.S)
    with transaction.atomic(), connection.cursor() as cur:
        for query in queries:
            sql = query["sql"]
            if sql in {"BEGIN", "COMMIT"} or sql.startswith(("SAVEPOINT", "RELEASE")):
                continue
            select = create.sub("", sql)
            if select.lstrip().upper().startswith(("SELECT", "WITH")):
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + select)
                print(f"--- {query['time']} s: {' '.join(sql.split())[:150]}")
                print("\n".join(row[0] for row in cur.fetchall()))
            if select != sql or not select.lstrip().upper().startswith(("SELECT", "WITH")):
                cur.execute(sql)
        transaction.set_rollback(True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of each statement"
    )
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL.")
    call_command("migrate", verbosity=0)
    if args.rebuild or not User.objects.filter(email=ADMIN_EMAIL).exists():
        print(f"Building {args.customers} customers …")
        started = time.perf_counter()
        build(args.customers)
        print(f"Built in {time.perf_counter() - started:.0f} s")

    admin = User.objects.get(email=ADMIN_EMAIL)
    _token, raw = token_create(user=admin, name="bench")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    web = Client()
    web.force_login(admin)

    def get(client: Client, url: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return call

    busiest = (
        Assignment.objects.filter(to_date=None, product="calling")
        .filter(in_force_q(clock.today(), "item__"))
        .values("item_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("item_id", flat=True)
        .first()
    )
    if busiest is None:
        sys.exit("No calling assignment in force: rebuild the data (--rebuild).")

    def refresh_one() -> None:
        # What a license assignment adds to its transaction: its item on every stored day.
        snapshot_refresh_items(item_ids=[busiest])

    def scan() -> None:
        # A filter no index can answer: PostgreSQL reads every row of the table.
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM subscriptions_assignment WHERE product || '' <> 'x'")
            cur.fetchone()

    report: dict[str, object] = {"sizes": counts(), "load_average_before": os.getloadavg()}
    report["floor_full_scan_of_assignments"] = median_of(args.runs, scan)
    as_of = clock.today()
    cold: dict[str, object] = {}
    snapshot_invalidate()
    started = time.perf_counter()
    snapshot_build(as_of=as_of)
    snapshot_s = round(time.perf_counter() - started, 3)
    cold["snapshot_build_s"] = snapshot_s
    cold["rows_stored"] = LineDay.objects.count()
    snapshot_invalidate()
    started = time.perf_counter()
    get(api, "/api/v1/analytics/subscriptions?product=meetings")()
    cold["first_api_request_s"] = round(time.perf_counter() - started, 3)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE analytics_lineday")
    report["cold"] = cold
    for product in ("meetings", "calling"):
        api_url = f"/api/v1/analytics/subscriptions?product={product}"
        page_url = f"/analytics/subscriptions/?product={product}"
        report[f"api_{product}"] = median_of(args.runs, get(api, api_url))
        report[f"page_{product}"] = median_of(args.runs, get(web, page_url))
        with CaptureQueriesContext(connection) as ctx:
            body = api.get(api_url).json()
        report[f"api_{product}_rows"] = {
            key: len(body[key]["rows"])
            for key in ("recently_added", "expiring", "renewing", "low_assignment", "over_limit")
        }
        report[f"api_{product}_kpis"] = body["kpis"]
        report[f"api_{product}_statements"] = [
            f"{q['time']} s  {' '.join(q['sql'].split())[:70]}" for q in ctx.captured_queries
        ]
        if args.explain:
            explain(ctx.captured_queries)
    report["write_refresh_one_item"] = median_of(args.runs, refresh_one)
    report["floor_full_scan_of_assignments_after"] = median_of(args.runs, scan)
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=1, default=str))

    def median_s(key: str) -> float:
        figure = report[key]
        assert isinstance(figure, dict)
        return float(figure["median_s"])

    floor_s = (
        median_s("floor_full_scan_of_assignments")
        + median_s("floor_full_scan_of_assignments_after")
    ) / 2
    floor_label = "full scan of assignments"
    summary = [
        results.row(
            f"subscriptions {kind} ({product}), warm",
            median_s(f"{kind}_{product}"),
            "s",
            floor_s,
            floor_label,
        )
        for kind in ("api", "page")
        for product in ("meetings", "calling")
    ]
    summary += [
        results.row(
            "subscriptions: snapshot build (cold)",
            snapshot_s,
            "s",
            floor_s,
            floor_label,
        ),
        results.row(
            "subscriptions: refresh of one item",
            median_s("write_refresh_one_item"),
            "s",
            floor_s,
            floor_label,
        ),
    ]
    sizes = report["sizes"]
    assert isinstance(sizes, dict)
    results.write(
        "subscriptions_analytics",
        scale={"customers": args.customers, "runs": args.runs, "as_of": as_of, **sizes},
        figures={k: v for k, v in report.items() if k != "sizes"},
        floor={
            "what": "one full scan of subscriptions_assignment, median, before and after",
            "seconds": round(floor_s, 3),
        },
        summary=summary,
    )


if __name__ == "__main__":
    main()
