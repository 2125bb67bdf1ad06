"""The evaluation of alerts at 20,000 customers, on SQLite or PostgreSQL.

    .venv/bin/python bench/alerts_evaluate.py [--customers 20000] [--runs 5] [--rebuild]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ph_bench_alerts \
        .venv/bin/python bench/alerts_evaluate.py

Builds its own data through the ORM (deterministic, seeded; SQLite file var/bench/alerts.sqlite3
unless DATABASE_URL names another database, created and migrated if missing, reused on later
runs): one partner with `--customers` customers, their subscriptions and trials, license lines,
assignments, sign-ins, set-up orders and one refreshed calling week. Then measures:

- the first evaluation (every alert opens: bulk inserts, one event each);
- the steady evaluation, as the daily run finds it (nothing new): median of `--runs`;
- the floor: the one query that computes every customer's status mask
  (`customers.statuses.status_mask_expression`), median of `--runs`, in the same run;

and prints the ratio of the steady evaluation to the floor. The target: seconds, not minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import results

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
_default_db = REPO / "var" / "bench" / "alerts.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_default_db}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.config.settings")
os.environ.setdefault("PARTNERHUB_TODAY", "2026-11-26")
os.environ.setdefault("TASKS_BACKEND", "immediate")

D = dt.date(2026, 11, 26)
W0 = dt.date(2026, 11, 15)
PARTNER_EXT = "BENCH-ALERTS"
PRODUCTS = ("meetings", "calling")


def ensure_database() -> None:
    """Create the database of DATABASE_URL if it does not exist yet."""
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite"):
        _default_db.parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    with psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], dbname="postgres",
        autocommit=True,
    ) as conn:  # fmt: skip
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def build(customers: int, seed: int = 17) -> dict[str, int]:
    """One partner with `customers` customers and everything the rules read."""
    from django.db import connection, transaction
    from django.utils import timezone

    from partnerhub.accounts.models import Partner, User
    from partnerhub.calling.models import CustomerWeek, Refresh
    from partnerhub.core.choices import Role
    from partnerhub.customers.models import Customer, CustomerAdminLogin, CustomerUser
    from partnerhub.subscriptions.models import Assignment, Item, ItemLine, Order

    rnd = random.Random(seed)
    started = time.perf_counter()
    counts: dict[str, int] = {}
    with transaction.atomic():
        partner = Partner.objects.create(ext_id=PARTNER_EXT, name="Bench Alerts", country="PL")
        User.objects.create_user(
            "bench-alerts@bench.example", "bench-pass-123", partner=partner,
            role=Role.PARTNER_FULL_ADMIN,
        )  # fmt: skip
        rows = [
            Customer(
                ext_id=f"BA{i:06d}",
                partner=partner,
                name=f"Customer {i:06d}",
                created=D - dt.timedelta(days=rnd.randint(0, 1500)),
                country="PL",
            )
            for i in range(customers)
        ]
        made = Customer.objects.bulk_create(rows, batch_size=2000)
        items: list[Item] = []
        n_item = 0
        for customer in made:
            if rnd.random() < 0.85:
                n_item += 1
                items.append(
                    Item(
                        ext_id=f"Sub-BA{n_item}",
                        customer=customer,
                        is_trial=False,
                        start=D - dt.timedelta(days=rnd.randint(1, 700)),
                        end=D + dt.timedelta(days=rnd.randint(-60, 400)),
                        auto_renew=rnd.random() < 0.6,
                        state=rnd.choices(
                            ["active", "suspended", "provisioning", "cancelled"], [80, 5, 5, 10]
                        )[0],
                    )
                )
            if rnd.random() < 0.3:
                n_item += 1
                start = D - dt.timedelta(days=rnd.randint(0, 80))
                items.append(
                    Item(
                        ext_id=f"Trial-BA{n_item}",
                        customer=customer,
                        is_trial=True,
                        start=start,
                        end=start + dt.timedelta(days=rnd.choice([30, 90]) - 1),
                        state=rnd.choices(["active", "ended", "converted"], [70, 20, 10])[0],
                    )
                )
        items = Item.objects.bulk_create(items, batch_size=2000)
        lines: list[ItemLine] = []
        wanted: list[tuple[Item, str, int]] = []
        for item in items:
            for product in rnd.sample(PRODUCTS, rnd.randint(1, 2)):
                licenses = rnd.randint(5, 20)
                lines.append(ItemLine(item=item, product=product, licenses=licenses))
                wanted.append((item, product, int(licenses * rnd.uniform(0.05, 1.15))))
        ItemLine.objects.bulk_create(lines, batch_size=5000)
        pool_size: dict[int, int] = {}
        for item, _product, n in wanted:
            pool_size[item.customer_id] = max(pool_size.get(item.customer_id, 0), n)
        users = [
            CustomerUser(ext_id=f"BAU{cid}-{k}", customer_id=cid, email=f"u{k}@c{cid}.example")
            for cid, size in pool_size.items()
            for k in range(size)
        ]
        users = CustomerUser.objects.bulk_create(users, batch_size=5000)
        pools: dict[int, list[int]] = {}
        for user in users:
            pools.setdefault(user.customer_id, []).append(user.pk)
        assignments = [
            Assignment(user_id=uid, item=item, product=product, from_date=item.start)
            for item, product, n in wanted
            for uid in pools.get(item.customer_id, [])[:n]
        ]
        Assignment.objects.bulk_create(assignments, batch_size=5000)
        logins = []
        for customer in made:
            last = D - dt.timedelta(days=rnd.choice([0, 1, 3, 7, 15, 29, 30, 45, 90, 200]))
            logins.append(
                CustomerAdminLogin(
                    customer=customer, at=dt.datetime.combine(last, dt.time(9), tzinfo=dt.UTC)
                )
            )
        CustomerAdminLogin.objects.bulk_create(logins, batch_size=5000)
        orders = [
            Order(
                ext_id=f"Ord-BA{item.pk}",
                item=item,
                date=D - dt.timedelta(days=rnd.randint(0, 20)),
                action="new",
            )
            for item in items
            if item.state == "provisioning"
        ]
        Order.objects.bulk_create(orders, batch_size=5000)
        refresh = Refresh.objects.filter(week_start=W0, is_current=True).first()
        if refresh is None:  # one current refresh per week (other benches may have made it)
            refresh = Refresh.objects.create(
                as_of=D, week_start=W0, refreshed_at=timezone.now(), status="done", is_current=True
            )
        weeks = []
        for customer in made:
            if rnd.random() < 0.5:
                calls = rnd.randint(0, 400)
                queue_calls = rnd.randint(0, 100) if rnd.random() < 0.3 else 0
                weeks.append(
                    CustomerWeek(
                        refresh=refresh,
                        week=W0,
                        customer=customer,
                        calls=calls,
                        poor_calls=rnd.randint(0, calls // 6),
                        queue_calls=queue_calls,
                        queue_abandoned=rnd.randint(0, queue_calls // 3),
                        queues=1 if queue_calls else 0,
                    )
                )
        CustomerWeek.objects.bulk_create(weeks, batch_size=5000)
        counts = {
            "customers": len(made),
            "items": len(items),
            "lines": len(lines),
            "users": len(users),
            "assignments": len(assignments),
            "calling_weeks": len(weeks),
        }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"built {counts} in {time.perf_counter() - started:.1f} s")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="build the bench data again")
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from partnerhub.accounts.models import Partner
    from partnerhub.alerts.models import Alert
    from partnerhub.alerts.services import alerts_evaluate
    from partnerhub.core.models import Event
    from partnerhub.customers.models import Customer, StatusSeen
    from partnerhub.customers.statuses import status_mask_expression

    call_command("migrate", verbosity=0)
    partner = Partner.objects.filter(ext_id=PARTNER_EXT).first()
    if partner is not None and (args.rebuild or partner.customers.count() != args.customers):
        partner.delete()
        partner = None
    if partner is None:
        build(args.customers)
        partner = Partner.objects.get(ext_id=PARTNER_EXT)
    # Every run starts from no alert, no event and no remembered status.
    Alert.objects.filter(partner=partner).delete()
    Event.objects.filter(partner=partner).delete()
    StatusSeen.objects.filter(customer__partner=partner).delete()

    def floor() -> float:
        t0 = time.perf_counter()
        masks = list(
            Customer.objects.filter(partner=partner)
            .annotate(mask=status_mask_expression(D))
            .values_list("pk", "mask")
        )
        assert len(masks) == args.customers
        return time.perf_counter() - t0

    def evaluate() -> tuple[float, Any]:
        t0 = time.perf_counter()
        result = alerts_evaluate(partner_ids=[partner.pk], as_of=D)
        return time.perf_counter() - t0, result

    floor()  # warm the caches the same way for both
    first_s, first = evaluate()
    opened = Alert.objects.filter(partner=partner).count()
    by_kind = dict(
        Alert.objects.filter(partner=partner)
        .values_list("kind")
        .annotate(n=django.db.models.Count("pk"))
        .values_list("kind", "n")
    )
    steady = []
    floors = []
    for _ in range(args.runs):
        seconds, result = evaluate()
        assert result.opened == 0 and result.resolved == 0, "the evaluation is not idempotent"
        steady.append(seconds)
        floors.append(floor())
    steady_s = statistics.median(steady)
    floor_s = statistics.median(floors)
    print(
        f"{connection.vendor}: {args.customers:,} customers, {opened:,} alerts opened in "
        f"{first_s:.2f} s; steady evaluation {steady_s:.2f} s (median of {args.runs}); "
        f"floor (one status-mask query) {floor_s:.2f} s; ratio {steady_s / floor_s:.2f}"
    )
    print(f"alerts by rule: {by_kind}")
    results.write(
        f"alerts_evaluate_{connection.vendor}",
        scale={"customers": args.customers, "runs": args.runs, "database": connection.vendor},
        figures={
            "first_evaluation_s": round(first_s, 3),
            "alerts_opened": opened,
            "events_written": first.opened,
            "alerts_by_kind": by_kind,
            "steady_evaluation_s": [round(s, 3) for s in steady],
            "steady_evaluation_median_s": round(steady_s, 3),
        },
        floor={
            "status_mask_query_s": [round(s, 3) for s in floors],
            "status_mask_query_median_s": round(floor_s, 3),
        },
        summary=[
            results.row(
                f"alerts evaluation, {args.customers:,} customers (steady)",
                round(steady_s, 3),
                "s",
                round(floor_s, 3),
                "one status-mask query over every customer",
            ),
            results.row(
                f"alerts evaluation, {args.customers:,} customers (first: {opened:,} opened)",
                round(first_s, 3),
                "s",
                round(floor_s, 3),
                "one status-mask query over every customer",
            ),
        ],
    )


if __name__ == "__main__":
    main()
