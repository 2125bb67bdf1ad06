"""Reads of the calling analytics (docs/reference/metrics.md), from the current refresh's rollups.

Everything is scoped to the person's own partner's customers (policy.partner_customer_scope) and
summed by the database; Python only divides the sums and rounds the ratios (half to even).
Five queries whatever the number of customers: the refresh, the 8-week trends, the week's
customer rows, the week's endpoint types, and the week's call-queue sums.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from django.db.models import Q, QuerySet, Sum

from partnerhub.accounts.policy import partner_customer_scope
from partnerhub.activity.models import FEATURES, Endpoint
from partnerhub.calling.models import CustomerWeek, Refresh
from partnerhub.calling.services import WEEK, refresh_weeks
from partnerhub.core import clock


def ratio(numerator: float, denominator: float, places: int = 1, scale: int = 1) -> float | None:
    """scale·numerator/denominator rounded half to even; None on a zero denominator."""
    if not denominator:
        return None
    if type(numerator) is int and type(denominator) is int:
        # Counts (almost every figure): exact integer arithmetic, 20x faster than Fraction.
        n, d = abs(numerator) * scale * 10**places, abs(denominator)
        q, r = divmod(n, d)
        if 2 * r > d or (2 * r == d and q % 2):
            q += 1
        if q and (numerator < 0) != (denominator < 0):
            q = -q
        return q / 10**places
    exact = Fraction(numerator) * scale / Fraction(denominator)
    return float(round(exact, places))


def pct(numerator: float, denominator: float) -> float | None:
    """A percentage 0–100, one decimal (docs/reference/metrics.md#conventions); None on 0."""
    return ratio(numerator, denominator, 1, 100)


def week_choices(as_of: dt.date) -> list[dt.date]:
    """The Sundays starting W7 … W0 as of `as_of` (the page's week picker)."""
    return refresh_weeks(clock.last_completed_week(as_of)[0])


def current_refresh(as_of: dt.date) -> Refresh | None:
    """The refresh the pages read for `as_of`: the current one of its last completed week."""
    week_start = clock.last_completed_week(as_of)[0]
    return Refresh.objects.filter(week_start=week_start, is_current=True).first()


def _scoped(model: type[Any], user: Any, refresh: Refresh) -> QuerySet[Any]:
    return model.objects.filter(
        refresh=refresh, customer_id__in=partner_customer_scope(user).values("id")
    )


def calling_analytics(
    *, user: Any, as_of: dt.date, week: dt.date | None = None, refresh: Refresh | None = None
) -> dict[str, Any] | None:
    """Every figure of the page and of `GET /analytics/calling` for `week` (default W0), or None
    when the week has not been refreshed. `week` must be one of week_choices(as_of)."""
    refresh = refresh or current_refresh(as_of)
    if refresh is None:
        return None
    weeks = refresh_weeks(refresh.week_start)
    week = week or weeks[-1]
    rows = customer_rows(user=user, refresh=refresh, week=week)
    queue_rows = [r for r in rows if r["queues"] > 0]
    return {
        "as_of": as_of,
        "week": {"start": week, "end": week + WEEK - dt.timedelta(days=1)},
        "refreshed_at": refresh.refreshed_at,
        **trends(user=user, refresh=refresh),
        "customers_usage": [_usage_row(r) for r in rows],
        "quality_by_endpoint": quality_by_endpoint(user=user, refresh=refresh, week=week),
        "customers_quality": [_quality_row(r) for r in rows if r["calls"] > 0],
        **queue_figures(user=user, refresh=refresh, week=week),
        "queue_customers": [_queue_row(r) for r in queue_rows],
    }


def trends(*, user: Any, refresh: Refresh) -> dict[str, list[dict[str, Any]]]:
    """users_by_volume and quality_trend over W7 … W0, summed over the person's customers."""
    sums = {
        row["week"]: row
        for row in _scoped(CustomerWeek, user, refresh)
        .values("week")
        .annotate(
            n_calls=Sum("calls"),
            n_poor=Sum("poor_calls"),
            n_none=Sum("users_none"),
            n_low=Sum("users_low"),
            n_medium=Sum("users_medium"),
            n_high=Sum("users_high"),
        )
        .order_by("week")
    }
    users, quality = [], []
    for week in refresh_weeks(refresh.week_start):
        s = sums.get(week, {})
        users.append(
            {
                "week_start": week,
                "none": s.get("n_none") or 0,
                "low": s.get("n_low") or 0,
                "medium": s.get("n_medium") or 0,
                "high": s.get("n_high") or 0,
            }
        )
        calls, poor = s.get("n_calls") or 0, s.get("n_poor") or 0
        quality.append(
            {"week_start": week, "calls": calls, "poor_calls": poor, "poor_pct": pct(poor, calls)}
        )
    return {"users_by_volume": users, "quality_trend": quality}


def customer_rows(*, user: Any, refresh: Refresh, week: dt.date) -> list[dict[str, Any]]:
    """The week's rollup row of each customer in scope, ordered by customer name."""
    return list(
        _scoped(CustomerWeek, user, refresh)
        .filter(week=week)
        .values(
            "customer__ext_id",
            "customer__name",
            "calling_licenses",
            "queues",
            "calls",
            "prev_calls",
            "duration_s",
            "poor_calls",
            "active_users",
            "worst_endpoint",
            "queue_calls",
            "queue_answered",
            "queue_abandoned",
            "wait_answered_s",
            "wait_abandoned_s",
        )
        .order_by("customer__name", "customer__ext_id")
    )


def _usage_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer_id": r["customer__ext_id"],
        "customer": r["customer__name"],
        "calling_licenses": r["calling_licenses"],
        "active_users": r["active_users"],
        "calls": r["calls"],
        "minutes": ratio(r["duration_s"], 60) or 0.0,
        "calls_per_active_user": ratio(r["calls"], r["active_users"], 2),
        "calls_change_pct": pct(r["calls"] - r["prev_calls"], r["prev_calls"]),
    }


def _quality_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer_id": r["customer__ext_id"],
        "customer": r["customer__name"],
        "calls": r["calls"],
        "poor_calls": r["poor_calls"],
        "poor_pct": pct(r["poor_calls"], r["calls"]),
        "worst_endpoint": r["worst_endpoint"],
    }


def _queue_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer_id": r["customer__ext_id"],
        "customer": r["customer__name"],
        "queues": r["queues"],
        "queue_calls": r["queue_calls"],
        "answered": r["queue_answered"],
        "abandoned": r["queue_abandoned"],
        "abandoned_pct": pct(r["queue_abandoned"], r["queue_calls"]),
        "wait_to_answer_s": ratio(r["wait_answered_s"], r["queue_answered"]),
        "wait_before_abandon_s": ratio(r["wait_abandoned_s"], r["queue_abandoned"]),
    }


def quality_by_endpoint(*, user: Any, refresh: Refresh, week: dt.date) -> list[dict[str, Any]]:
    """Calls and poor calls per endpoint type with calls in the week (in Endpoint order)."""
    sums = (
        _scoped(CustomerWeek, user, refresh)
        .filter(week=week)
        .aggregate(
            **{f"calls_{e}": Sum(f"calls_{e}") for e in Endpoint.values},
            **{f"poor_{e}": Sum(f"poor_{e}") for e in Endpoint.values},
        )
    )
    return [
        {
            "endpoint": e,
            "calls": sums[f"calls_{e}"],
            "poor_calls": sums[f"poor_{e}"] or 0,
            "poor_pct": pct(sums[f"poor_{e}"] or 0, sums[f"calls_{e}"]),
        }
        for e in Endpoint.values
        if sums[f"calls_{e}"]
    ]


def queue_figures(*, user: Any, refresh: Refresh, week: dt.date) -> dict[str, Any]:
    """feature_use and queue_kpis of the customers with call queues (docs/reference/metrics.md)."""
    names = {f"f_{name}": Sum(f"feature_{name}") for name in FEATURES}
    s = (
        _scoped(CustomerWeek, user, refresh)
        .filter(Q(week=week) & Q(queues__gt=0))
        .aggregate(
            **names,
            q_calls=Sum("queue_calls"),
            q_answered=Sum("queue_answered"),
            q_abandoned=Sum("queue_abandoned"),
            w_answered=Sum("wait_answered_s"),
            w_abandoned=Sum("wait_abandoned_s"),
        )
    )
    return {
        "feature_use": {name: s[f"f_{name}"] or 0 for name in FEATURES},
        "queue_kpis": {
            "wait_to_answer_s": ratio(s["w_answered"] or 0, s["q_answered"] or 0),
            "wait_before_abandon_s": ratio(s["w_abandoned"] or 0, s["q_abandoned"] or 0),
            "abandoned_pct": pct(s["q_abandoned"] or 0, s["q_calls"] or 0),
        },
    }
