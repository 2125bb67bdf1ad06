"""The SQL of the subscriptions analytics: the stored snapshot's statements, and its reading.

The figures of docs/reference/metrics.md are stored per line and day (`LineDay`): a page as of D
D − 7k, k = 0 … 11 (the trend's points; the tables read D, whose rows also carry D − 7).
`analytics.services` runs the statements, set-based, whatever the number of customers:

- `build_sql` — every line's rows on the missing days D − 7k, in one statement: one pass over
  the usage days D − 166 … D (per user and product, a bit per week in which they used it) and
  one grouped pass over the assignments (a bit per point at which each is active).
- `stale_items_sql` / `refresh_sql` — the rows of a few items (those the ledger of changed items
  names, and those of rows appended since the watermark) recomputed on every stored day, with
  correlated counts that the indexes answer: cheap for a few items, far too slow for all of them.

Per request, `figures()` fills a temporary table (`LineFigures`) with the person's rows of D,
and `trend()` sums the twelve days. The SQL is plain and portable (SQLite and PostgreSQL); the
few spellings that differ are behind `_days`, `_shift`, `_or_agg` and `_extreme`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet, Sum

from partnerhub.accounts.policy import partner_customer_scope
from partnerhub.analytics.models import LINE_FIGURES_TABLE, LineDay, LineFigures
from partnerhub.core.sql import compose as compose_sql
from partnerhub.core.sql import count_if
from partnerhub.subscriptions.kpis import PRODUCTS

TREND_POINTS = 12
WEEK = 7
USED7_DAYS = 7  # used7: the days d − 6 … d
USED90_DAYS = 90  # used90: the days d − 89 … d
# used90 at point k spans the weeks (bits) k … k + 11 of used7 and six days of week k + 12.
USED90_WEEKS = USED90_DAYS // WEEK


def _scope_sql(user: Any) -> tuple[str, Sequence[Any]]:
    """SQL selecting the ids of the customers of the person's partner within their scope."""
    try:
        sql, params = partner_customer_scope(user).values("id").query.sql_with_params()
    except EmptyResultSet:
        return "SELECT id FROM customers_customer WHERE 1 = 0", ()
    return sql, params


def _days(a: str, b: str) -> str:
    """SQL for the whole days from date a to date b."""
    if connection.vendor == "postgresql":
        return f"({b} - {a})"
    return f"CAST(julianday({b}) - julianday({a}) AS INTEGER)"


def _shift(day: str, days: int) -> str:
    """SQL for the date `day` moved by `days` days."""
    if connection.vendor == "postgresql":
        return f"({day} {'+' if days >= 0 else '-'} {abs(days)})"
    return f"date({day}, '{days:+d} days')"


def _or_agg(expr: str) -> str:
    """SQL aggregate OR-ing integer bit masks (distinct powers of two sum to their OR)."""
    if connection.vendor == "postgresql":
        return f"BIT_OR({expr})"
    return f"SUM(DISTINCT {expr})"


def _extreme(function: str, *terms: str) -> str:
    """SQL GREATEST/LEAST of integer terms (SQLite spells them MAX/MIN)."""
    if connection.vendor != "postgresql":
        function = {"GREATEST": "MAX", "LEAST": "MIN"}[function]
    return f"{function}({', '.join(terms)})"


def _in_force_sql(alias: str, day: str) -> str:
    """SQL condition: the item `alias` is in force on `day` (docs/reference/rules.md#in-force)."""
    return f'{alias}.start <= {day} AND {alias}."end" >= {day} AND {_state_ok_sql(alias)}'


def _state_ok_sql(alias: str) -> str:
    return (
        f"(({alias}.is_trial = %(false)s AND {alias}.state IN (%(subscription_states)s))"
        f" OR ({alias}.is_trial = %(true)s AND {alias}.state = %(trial_state)s))"
    )


def base_values() -> dict[str, Any]:
    """The named values every statement may use."""
    return {
        "products": PRODUCTS,
        "true": True,
        "false": False,
        "subscription_states": ("active", "suspended"),
        "trial_state": "active",
    }


def compose(template: str, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """One statement of this module with the base values and `values` (no scope)."""
    return compose_sql(template, {**base_values(), **values})


_LINE_DAY_COLUMNS = (
    "day, line_id, item_id, customer_id, product, total, assigned, used, used_90, "
    "assigned_before, used_before"
)


# --- Building days: every line, set-based ---------------------------------------------------


def build_sql(as_of: dt.date, points: Sequence[int]) -> tuple[str, dict[str, Any]]:
    """INSERT the rows of every line on the days D − 7k, k in `points`, in one statement.

    Per (user, product), `week_mask` has bit j when the user used the product on D−7j−6 … D−7j
    (used7 at point j) and `edge_mask` bit j for D−7j−5 … D−7j (the six days that used90 adds
    to its twelve whole weeks). Per assignment, `active_mask` has bit j when it is active on
    D−7j (j = 0 … 12: point k needs D − 7k and, for "a week before", D − 7(k + 1)). One grouped
    pass per (item, product) counts every bit; each point's row then picks its columns. The
    masks are MATERIALIZED: inlined, each of the forty sums computed them again (5.8 s instead
    of about 1 s at 20,000 customers). Rows go in in the order of the unique index.
    Values: `go` (false: the statement does nothing, cheaply), `d`, `p<k>` (the days).
    """
    assert points, "build at least one point"
    d = "%(d)s"
    ago = _days("x.day", d)
    # The week's bit, unless the day is its oldest (ago = 7j + 6).
    edge = f"CASE WHEN {ago} %% {WEEK} < {WEEK - 1} THEN (1 << ({ago} / {WEEK})) ELSE 0 END"
    bits = [*points, *(k + 1 for k in points)]
    v90 = " + ".join(
        f"CASE WHEN ((week_mask >> {k}) & {(1 << USED90_WEEKS) - 1}) <> 0"
        f" OR ((edge_mask >> {k + USED90_WEEKS}) & 1) = 1 THEN {1 << k} ELSE 0 END"
        for k in points
    )
    first = (
        f"CASE WHEN a.to_date IS NULL OR a.to_date > {d} THEN 0"
        f" ELSE {_days('a.to_date', d)} / {WEEK} + 1 END"
    )
    last = _extreme("LEAST", f"{_days('a.from_date', d)} / {WEEK}", str(TREND_POINTS))
    sums = [f"SUM((active_mask >> {j}) & 1) AS a{j}" for j in sorted(set(bits))]
    sums += [f"SUM(((active_mask & week_mask) >> {j}) & 1) AS u{j}" for j in sorted(set(bits))]
    sums += [f"SUM(((active_mask & used90_mask) >> {k}) & 1) AS n{k}" for k in points]

    def pick(column: str, shift: int = 0) -> str:
        whens = " ".join(f"WHEN {k} THEN f.{column}{k + shift}" for k in points)
        return f"COALESCE(CASE p.k {whens} END, 0)"

    values = {
        "go": True,
        "d": as_of,
        "usage_from": as_of - dt.timedelta(days=WEEK * max(points) + USED90_DAYS - 1),
        "usage_to": as_of - dt.timedelta(days=WEEK * min(points)),
        "assigned_to": as_of - dt.timedelta(days=WEEK * min(points)),
        "ended_after": as_of - dt.timedelta(days=WEEK * (max(points) + 1)),
        **{f"p{k}": as_of - dt.timedelta(days=WEEK * k) for k in points},
    }
    point_rows = ", ".join(f"({k}, %(p{k})s)" for k in points)
    sql = f"""
WITH points(k, day) AS (VALUES {point_rows}),
used_weeks AS (
    SELECT x.user_id, x.product,
           {_or_agg(f"(1 << ({ago} / {WEEK}))")} AS week_mask, {_or_agg(edge)} AS edge_mask
    FROM activity_usageday x
    WHERE %(go)s AND x.product IN (%(products)s)
      AND x.day >= %(usage_from)s AND x.day <= %(usage_to)s
    GROUP BY x.user_id, x.product
),
used AS MATERIALIZED (
    SELECT user_id, product, week_mask, {v90} AS used90_mask FROM used_weeks
),
assignment_points AS (
    SELECT a.item_id, a.product, a.user_id, {first} AS k_from, {last} AS k_to
    FROM subscriptions_assignment a
    WHERE %(go)s AND a.product IN (%(products)s) AND a.from_date <= %(assigned_to)s
      AND (a.to_date IS NULL OR a.to_date > %(ended_after)s)
),
assignment AS MATERIALIZED (
    SELECT a.item_id, a.product,
           CASE WHEN a.k_to >= a.k_from THEN (1 << (a.k_to + 1)) - (1 << a.k_from) ELSE 0 END
               AS active_mask,
           COALESCE(u.week_mask, 0) AS week_mask, COALESCE(u.used90_mask, 0) AS used90_mask
    FROM assignment_points a
    LEFT JOIN used u ON u.user_id = a.user_id AND u.product = a.product
),
counted AS (
    SELECT item_id, product, {", ".join(sums)}
    FROM assignment GROUP BY item_id, product
)
INSERT INTO {LineDay._meta.db_table} ({_LINE_DAY_COLUMNS})
SELECT p.day, l.id, l.item_id, i.customer_id, l.product, l.licenses,
       {pick("a")}, {pick("u")}, {pick("n")}, {pick("a", 1)}, {pick("u", 1)}
FROM points p
JOIN subscriptions_item i ON {_in_force_sql("i", "p.day")}
JOIN subscriptions_itemline l ON l.item_id = i.id AND l.product IN (%(products)s)
LEFT JOIN counted f ON f.item_id = l.item_id AND f.product = l.product
WHERE %(go)s
ORDER BY p.day, i.customer_id, l.id
"""  # noqa: S608 — _meta tables and this module's SQL; values bound
    return sql, values


# --- Refreshing a few items on every stored day ---------------------------------------------


def stale_items_sql() -> str:
    """SQL selecting the items to refresh: those named (`items`) and those of rows appended
    since the watermark (`wm_item`, `wm_line`, `wm_assignment`, `wm_usage`, and `wm_change` of
    the ledger of changed items); none unless `go`."""
    return """
SELECT i.id FROM subscriptions_item i WHERE %(go)s AND (i.id > %(wm_item)s OR i.id IN (%(items)s))
UNION SELECT l.item_id FROM subscriptions_itemline l WHERE %(go)s AND l.id > %(wm_line)s
UNION SELECT a.item_id FROM subscriptions_assignment a
      WHERE %(go)s AND a.id > %(wm_assignment)s
UNION SELECT a.item_id FROM activity_usageday x
      JOIN subscriptions_assignment a ON a.user_id = x.user_id AND a.product = x.product
      WHERE %(go)s AND x.id > %(wm_usage)s
UNION SELECT c.item_id FROM subscriptions_itemchange c WHERE %(go)s AND c.id > %(wm_change)s
"""


def delete_stale_sql() -> str:
    """DELETE every row (any day) of the stale items."""
    return f"""
DELETE FROM {LineDay._meta.db_table}
WHERE %(go)s AND item_id IN ({stale_items_sql()})
"""  # noqa: S608 — _meta tables and this module's SQL; values bound


def _used_exists(day: str, back: int, length: int) -> str:
    """SQL: the assignment's user used its product on any of the `length` days ending `back`
    days before `day`."""
    return (
        "EXISTS (SELECT 1 FROM activity_usageday x"  # noqa: S608 — _meta tables and this module's SQL; values bound
        " WHERE x.user_id = a.user_id AND x.product = a.product"
        f" AND x.day >= {_shift(day, -(back + length - 1))} AND x.day <= {_shift(day, -back)})"
    )


def refresh_sql() -> str:
    """INSERT the rows of the stale items on every stored day (`SnapshotDay`).

    The same figures as `build_sql`, counted per (day, item, product) over the items'
    assignments with EXISTS over the usage index: one statement, cheap for a few items.
    """
    day, before = "s.day", _shift("s.day", -WEEK)
    active = f"a.from_date <= {day} AND (a.to_date IS NULL OR a.to_date > {day})"
    active_before = f"a.from_date <= {before} AND (a.to_date IS NULL OR a.to_date > {before})"
    used7, used90 = _used_exists(day, 0, USED7_DAYS), _used_exists(day, 0, USED90_DAYS)
    used_before = _used_exists(day, WEEK, USED7_DAYS)
    return f"""
WITH stale AS ({stale_items_sql()}),
counted AS (
    SELECT s.day, a.item_id, a.product,
           {count_if(active, "assigned")},
           {count_if(f"{active} AND {used7}", "used")},
           {count_if(f"{active} AND {used90}", "used_90")},
           {count_if(active_before, "assigned_before")},
           {count_if(f"{active_before} AND {used_before}", "used_before")}
    FROM analytics_snapshotday s
    JOIN subscriptions_assignment a
      ON a.from_date <= {day} AND (a.to_date IS NULL OR a.to_date > {before})
    WHERE %(go)s AND a.item_id IN (SELECT id FROM stale) AND a.product IN (%(products)s)
    GROUP BY s.day, a.item_id, a.product
)
INSERT INTO {LineDay._meta.db_table} ({_LINE_DAY_COLUMNS})
SELECT s.day, l.id, l.item_id, i.customer_id, l.product, l.licenses,
       COALESCE(f.assigned, 0), COALESCE(f.used, 0), COALESCE(f.used_90, 0),
       COALESCE(f.assigned_before, 0), COALESCE(f.used_before, 0)
FROM analytics_snapshotday s
JOIN subscriptions_item i ON {_in_force_sql("i", day)}
JOIN subscriptions_itemline l ON l.item_id = i.id AND l.product IN (%(products)s)
LEFT JOIN counted f ON f.day = s.day AND f.item_id = l.item_id AND f.product = l.product
WHERE %(go)s AND i.id IN (SELECT id FROM stale)
"""  # noqa: S608 — _meta tables and this module's SQL; values bound


# --- Reading one person's figures -----------------------------------------------------------


def _line_figures_sql() -> str:
    return f"""
CREATE TEMPORARY TABLE {LINE_FIGURES_TABLE} AS
SELECT f.line_id, f.item_id, f.product, f.total,
       i.ext_id AS item_ext_id, i.is_trial, i.start, i."end", i.auto_renew,
       c.id AS customer_id, c.ext_id AS customer_ext_id, c.name AS customer_name,
       f.assigned, f.assigned_before, f.used, f.used_before, f.used_90
FROM {LineDay._meta.db_table} f
JOIN subscriptions_item i ON i.id = f.item_id
JOIN customers_customer c ON c.id = f.customer_id
WHERE f.day = %(d)s AND f.product IN (%(products)s) AND f.total > 0 AND f.customer_id IN ({{scope}})
"""  # noqa: S608 — _meta tables and this module's SQL; values bound


@dataclass(frozen=True)
class Figures:
    """The temporary table of one person's lines as of D (see `figures`)."""

    user: Any
    product: str
    as_of: dt.date

    @property
    def lines(self) -> QuerySet[LineFigures]:
        return LineFigures.objects.all()

    def execute(self, template: str) -> None:
        """Run one statement of this module with the computation's values and scope."""
        sql, params = compose_sql(
            template, {**base_values(), "d": self.as_of}, {"scope": _scope_sql(self.user)}
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


@contextmanager
def figures(user: Any, product: str, as_of: dt.date) -> Iterator[Figures]:
    """The person's meetings/calling lines in force on D with licenses, and their figures from
    the snapshot (which must hold D), as a temporary table that lives inside this block.

    No transaction of its own: on SQLite that would take the database's write lock for the
    whole request; temporary tables need none, and are private to this connection.
    """
    computed = Figures(user, product, as_of)
    drop = f"DROP TABLE IF EXISTS {LINE_FIGURES_TABLE}"
    computed.execute(drop)
    computed.execute(_line_figures_sql())
    try:
        yield computed
    finally:
        computed.execute(drop)


def trend(computed: Figures) -> list[dict[str, Any]]:
    """Twelve points d = D − 7k (k = 11 … 0): Σ total, Σ assigned, Σ used7 over the items in
    force on d with a line for the product (docs/reference/metrics.md), one snapshot query."""
    as_of = computed.as_of
    days = [as_of - dt.timedelta(days=WEEK * k) for k in range(TREND_POINTS - 1, -1, -1)]
    sums = {
        row["day"]: row
        for row in LineDay.objects.filter(
            day__in=days,
            product=computed.product,
            customer__in=partner_customer_scope(computed.user),
        )
        .order_by()
        .values("day")
        .annotate(
            total_sum=Sum("total", default=0),
            assigned_sum=Sum("assigned", default=0),
            used_sum=Sum("used", default=0),
        )
    }
    empty = {"total_sum": 0, "assigned_sum": 0, "used_sum": 0}
    return [
        {
            "date": day,
            "total": int(sums.get(day, empty)["total_sum"]),
            "assigned": int(sums.get(day, empty)["assigned_sum"]),
            "used": int(sums.get(day, empty)["used_sum"]),
        }
        for day in days
    ]
