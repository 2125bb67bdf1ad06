"""The heavy reads of the subscriptions analytics, as a few set-based SQL statements.

`figures()` computes, once per request and whatever the number of customers:

1. `analytics_user_weeks` (temporary table) — one pass over 90 days of usage: per user of the
   scope, a bit per week in which they used the toggled product (used7 at each trend point,
   and used90).
2. `analytics_counts` (temporary table) — one grouped pass over the scope's assignments,
   grouped two ways at once: per (item, product), assigned and used on D and D−7 and used90;
   and per trend mask, how many assignments of the toggled product count at each of the
   twelve points.
3. `analytics_line_figures` (temporary table, model `LineFigures`) — every meetings/calling
   line with licenses > 0 on an item in force on D, with those figures.

`trend()` then sums the twelve points from the masks. Why not one correlated subquery per line
and figure (as `subscriptions.selectors` offers)? At 20,000 customers, three of the five figures
that way took 2.0–3.6 s for one product — as long as this whole grouped pass, trend included
(bench/bench_subscriptions_analytics.py). The SQL is plain and portable (SQLite and PostgreSQL);
the few spellings that differ are behind `_days`, `_or_agg`, `_extreme` and the grouping of
`_counts_sql`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet

from partnerhub.accounts.policy import partner_customer_scope
from partnerhub.analytics.models import (
    COUNTS_TABLE,
    LINE_FIGURES_TABLE,
    USER_WEEKS_TABLE,
    LineFigures,
)
from partnerhub.core.choices import Product

PRODUCTS = (Product.MEETINGS.value, Product.CALLING.value)
TREND_POINTS = 12

_TOKEN = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def _compose(
    template: str, values: Mapping[str, Any], fragments: Mapping[str, tuple[str, Sequence[Any]]]
) -> tuple[str, list[Any]]:
    """Positional SQL and params from `%(name)s` values (tuples expand) and `{name}` fragments."""
    params: list[Any] = []

    def replace(match: re.Match[str]) -> str:
        name, fragment = match.groups()
        if fragment:
            sql, fragment_params = fragments[fragment]
            params.extend(fragment_params)
            return sql
        value = values[name]
        if isinstance(value, tuple):
            params.extend(value)
            return ", ".join(["%s"] * len(value))
        params.append(value)
        return "%s"

    return _TOKEN.sub(replace, template), params


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


def _or_agg(expr: str) -> str:
    """SQL aggregate OR-ing integer bit masks (distinct powers of two sum to their OR)."""
    if connection.vendor == "postgresql":
        return f"BIT_OR({expr})"
    return f"SUM(DISTINCT {expr})"


def _in_force_sql(alias: str, day: str) -> str:
    """SQL condition: the item `alias` is in force on `day` (rules.md; see in_force_q)."""
    return f'{alias}.start <= {day} AND {alias}."end" >= {day} AND {_state_ok_sql(alias)}'


def _state_ok_sql(alias: str) -> str:
    return (
        f"(({alias}.is_trial = %(false)s AND {alias}.state IN (%(subscription_states)s))"
        f" OR ({alias}.is_trial = %(true)s AND {alias}.state = %(trial_state)s))"
    )


def _base_values(as_of: dt.date, product: str) -> dict[str, Any]:
    """The named values every statement may use."""
    day = dt.timedelta(days=1)
    return {
        "d": as_of,
        "d_minus_7": as_of - 7 * day,
        "d_minus_89": as_of - 89 * day,
        "oldest_point": as_of - 7 * (TREND_POINTS - 1) * day,
        "product": product,
        "products": PRODUCTS,
        "true": True,
        "false": False,
        "subscription_states": ("active", "suspended"),
        "trial_state": "active",
    }


# --- The temporary tables ------------------------------------------------------------------


def _user_weeks_sql() -> str:
    """Per user of the scope, the weeks in which they used the toggled product, as bits.

    Bit k (k = 0 … 11) is set when the user used the product on D−7k−6 … D−7k, the window of
    used7 at trend point k (k = 0: used7(D), k = 1: used7(D−7)); bit 12 covers D−89 … D−84, so
    any bit set means used90(D). One pass over 90 days of usage serves every figure.
    """
    bit = "(1 << (" + _days("x.day", "%(d)s") + " / 7))"
    return f"""
CREATE TEMPORARY TABLE {USER_WEEKS_TABLE} AS
SELECT x.user_id, {_or_agg(bit)} AS used_mask
FROM activity_usageday x
WHERE x.product = %(product)s AND x.day >= %(d_minus_89)s AND x.day <= %(d)s
  AND x.user_id IN (SELECT cu.id FROM customers_customeruser cu
                    WHERE cu.customer_id IN ({{scope}}))
GROUP BY x.user_id
"""


def _extreme(function: str, *terms: str) -> str:
    """SQL GREATEST/LEAST of integer terms (SQLite spells them MAX/MIN)."""
    if connection.vendor != "postgresql":
        function = {"GREATEST": "MAX", "LEAST": "MIN"}[function]
    return f"{function}({', '.join(terms)})"


def _counts_sql() -> str:
    """One grouped pass over the scope's assignments feeding both the lines and the trend.

    Grouped by (item, product): assigned and used on D and D−7, used90 — the per-line figures.
    Grouped by (active_mask, used_mask): how many assignments of the toggled product count
    at each trend point k (bit k: active on D−7k on an item in force then; used: and its user
    used the product in that week) — a few hundred groups that the trend sums per point.
    """
    d = "%(d)s"
    active_d = f"a.from_date <= {d} AND (a.to_date IS NULL OR a.to_date > {d})"
    active_d7 = "a.from_date <= %(d_minus_7)s AND (a.to_date IS NULL OR a.to_date > %(d_minus_7)s)"
    # The points k at which the assignment is active: from <= D - 7k < to.
    first = (
        f"CASE WHEN a.to_date IS NULL OR a.to_date > {d} THEN 0"
        f" ELSE {_days('a.to_date', d)} / 7 + 1 END"
    )
    last = f"{_days('a.from_date', d)} / 7"
    figures = """SUM(assigned) AS assigned, SUM(assigned_before) AS assigned_before,
       SUM(used) AS used, SUM(used_before) AS used_before, SUM(used_90) AS used_90,
       COUNT(*) AS n"""
    if connection.vendor == "postgresql":
        grouped = f"""SELECT item_id, product, active_mask, used_mask, {figures}
FROM assignment GROUP BY GROUPING SETS ((item_id, product), (active_mask, used_mask))"""
    else:
        grouped = f"""SELECT item_id, product, NULL AS active_mask, NULL AS used_mask, {figures}
FROM assignment GROUP BY item_id, product
UNION ALL
SELECT NULL, NULL, active_mask, used_mask, {figures}
FROM assignment GROUP BY active_mask, used_mask"""
    return f"""
CREATE TEMPORARY TABLE {COUNTS_TABLE} AS
WITH item AS (
    -- The scope's items in force at some trend point, with the points (k) at which they are:
    -- start <= D - 7k <= end.
    SELECT i.id,
           CASE WHEN i."end" >= {d} THEN 0 ELSE ({_days('i."end"', d)} + 6) / 7 END AS k_from,
           {_days("i.start", d)} / 7 AS k_to
    FROM subscriptions_item i
    WHERE i.customer_id IN ({{scope}}) AND {_state_ok_sql("i")}
      AND i.start <= {d} AND i."end" >= %(oldest_point)s
),
assignment_points AS (
    SELECT a.item_id, a.product, a.from_date, a.to_date, w.used_mask,
           CASE WHEN a.product = %(product)s
                THEN {_extreme("GREATEST", "i.k_from", first)} ELSE {TREND_POINTS} END AS k_from,
           {_extreme("LEAST", "i.k_to", last, str(TREND_POINTS - 1))} AS k_to
    FROM subscriptions_assignment a
    JOIN item i ON i.id = a.item_id
    -- Only the toggled product's rows look their user up (a NULL key is never probed).
    LEFT JOIN {USER_WEEKS_TABLE} w
           ON w.user_id = CASE WHEN a.product = %(product)s THEN a.user_id END
    WHERE a.product IN (%(products)s) AND a.from_date <= {d}
      AND (a.to_date IS NULL OR a.to_date > %(oldest_point)s)
),
assignment_masks AS (
    SELECT a.*,
           CASE WHEN a.k_to >= a.k_from THEN (1 << (a.k_to + 1)) - (1 << a.k_from) ELSE 0 END
               AS active_mask
    FROM assignment_points a
),
assignment AS (
    SELECT a.item_id, a.product, a.active_mask,
           a.active_mask & COALESCE(a.used_mask, 0) AS used_mask,
           CASE WHEN {active_d} THEN 1 ELSE 0 END AS assigned,
           CASE WHEN {active_d7} THEN 1 ELSE 0 END AS assigned_before,
           CASE WHEN {active_d} AND (a.used_mask & 1) <> 0 THEN 1 ELSE 0 END AS used,
           CASE WHEN {active_d7} AND (a.used_mask & 2) <> 0 THEN 1 ELSE 0 END AS used_before,
           CASE WHEN {active_d} AND a.used_mask IS NOT NULL THEN 1 ELSE 0 END AS used_90
    FROM assignment_masks a
)
{grouped}
"""


def _line_figures_sql() -> str:
    return f"""
CREATE TEMPORARY TABLE {LINE_FIGURES_TABLE} AS
SELECT l.id AS line_id, l.item_id, l.product, l.licenses AS total,
       i.ext_id AS item_ext_id, i.is_trial, i.start, i."end", i.auto_renew,
       c.id AS customer_id, c.ext_id AS customer_ext_id, c.name AS customer_name,
       COALESCE(f.assigned, 0) AS assigned, COALESCE(f.assigned_before, 0) AS assigned_before,
       COALESCE(f.used, 0) AS used, COALESCE(f.used_before, 0) AS used_before,
       COALESCE(f.used_90, 0) AS used_90
FROM subscriptions_itemline l
JOIN subscriptions_item i ON i.id = l.item_id
JOIN customers_customer c ON c.id = i.customer_id
LEFT JOIN {COUNTS_TABLE} f ON f.item_id = l.item_id AND f.product = l.product
WHERE c.id IN ({{scope}}) AND l.product IN (%(products)s) AND l.licenses > 0
  AND {_in_force_sql("i", "%(d)s")}
"""


@contextmanager
def tuned() -> Iterator[None]:
    """On PostgreSQL: one transaction with JIT off and room for the hash aggregates in memory.

    Measured at 20,000 customers: JIT spent 2.7–3.5 s compiling each of these one-off
    statements (their cost estimates are high), longer than running them; and the planner,
    which cannot estimate how few trend masks there are, sorted the grouped pass on disk
    instead of hashing it (5.2 s instead of 3.4 s) until it had 256 MB to hash in.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        yield


@dataclass(frozen=True)
class Figures:
    """The temporary tables of one computation (see `figures`)."""

    user: Any
    product: str
    as_of: dt.date

    @property
    def lines(self) -> QuerySet[LineFigures]:
        return LineFigures.objects.all()

    def execute(self, template: str) -> list[tuple[Any, ...]]:
        """Run one statement of this module with the computation's values and scope."""
        sql, params = _compose(
            template, _base_values(self.as_of, self.product), {"scope": _scope_sql(self.user)}
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


@contextmanager
def figures(user: Any, product: str, as_of: dt.date) -> Iterator[Figures]:
    """The usage weeks and per-line figures as temporary tables that live inside this block.

    No transaction of its own: on SQLite that would take the database's write lock for the
    whole request; temporary tables need none, and are private to this connection.
    """
    computed = Figures(user, product, as_of)
    tables = (LINE_FIGURES_TABLE, COUNTS_TABLE, USER_WEEKS_TABLE)
    drop = [f"DROP TABLE IF EXISTS {table}" for table in tables]
    for statement in drop:
        computed.execute(statement)
    computed.execute(_user_weeks_sql())
    if connection.vendor == "postgresql":
        # Without statistics the planner hashes the assignments instead of this smaller table.
        computed.execute(f"ANALYZE {USER_WEEKS_TABLE}")
    computed.execute(_counts_sql())
    computed.execute(_line_figures_sql())
    try:
        yield computed
    finally:
        for statement in drop:
            computed.execute(statement)


# --- The license assignment trend ---------------------------------------------------------


def _trend_sql() -> str:
    d = "%(d)s"
    return f"""
WITH RECURSIVE points(k) AS (
    SELECT 0 UNION ALL SELECT k + 1 FROM points WHERE k < {TREND_POINTS - 1}
),
line AS (
    -- The toggled product's lines, with the points (k) at which their item is in force.
    SELECT l.licenses,
           CASE WHEN i."end" >= {d} THEN 0 ELSE ({_days('i."end"', d)} + 6) / 7 END AS k_from,
           {_days("i.start", d)} / 7 AS k_to
    FROM subscriptions_itemline l
    JOIN subscriptions_item i ON i.id = l.item_id
    WHERE l.product = %(product)s AND i.customer_id IN ({{scope}})
      AND i.start <= {d} AND i."end" >= %(oldest_point)s AND {_state_ok_sql("i")}
),
mask AS (
    SELECT active_mask, used_mask, n FROM {COUNTS_TABLE} WHERE item_id IS NULL
)
SELECT p.k,
       (SELECT COALESCE(SUM(l.licenses), 0) FROM line l
        WHERE l.k_from <= p.k AND p.k <= l.k_to) AS total,
       (SELECT COALESCE(SUM(m.n), 0) FROM mask m WHERE (m.active_mask & (1 << p.k)) <> 0)
           AS assigned,
       (SELECT COALESCE(SUM(m.n), 0) FROM mask m WHERE (m.used_mask & (1 << p.k)) <> 0)
           AS used
FROM points p
ORDER BY p.k DESC
"""


def trend(computed: Figures) -> list[dict[str, Any]]:
    """Twelve points d = D − 7k (k = 11 … 0): Σ total, Σ assigned, Σ used7 over the items in
    force on d with a line for the product (metrics.md), in one statement."""
    as_of = computed.as_of
    return [
        {
            "date": as_of - dt.timedelta(days=7 * k),
            "total": int(total),
            "assigned": int(assigned),
            "used": int(used),
        }
        for k, total, assigned, used in computed.execute(_trend_sql())
    ]
