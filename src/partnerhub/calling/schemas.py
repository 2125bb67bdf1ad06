"""Shapes of `GET /api/v1/analytics/calling` (api.md; keys as metrics.md names them)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class WeekOut(Schema):
    """The week the tables cover: its Sunday and its Saturday (both inclusive)."""

    start: dt.date
    end: dt.date


class UsersByVolumeOut(Schema):
    week_start: dt.date
    none: int
    low: int
    medium: int
    high: int


class QualityTrendOut(Schema):
    week_start: dt.date
    calls: int
    poor_calls: int
    poor_pct: float | None


class CustomerUsageOut(Schema):
    customer_id: str
    customer: str
    calling_licenses: int
    active_users: int
    calls: int
    minutes: float
    calls_per_active_user: float | None
    calls_change_pct: float | None


class EndpointQualityOut(Schema):
    endpoint: str
    calls: int
    poor_calls: int
    poor_pct: float | None


class CustomerQualityOut(Schema):
    customer_id: str
    customer: str
    calls: int
    poor_calls: int
    poor_pct: float | None
    worst_endpoint: str | None


class QueueKpisOut(Schema):
    wait_to_answer_s: float | None
    wait_before_abandon_s: float | None
    abandoned_pct: float | None


class QueueCustomerOut(Schema):
    customer_id: str
    customer: str
    queues: int
    queue_calls: int
    answered: int
    abandoned: int
    abandoned_pct: float | None
    wait_to_answer_s: float | None
    wait_before_abandon_s: float | None


class CallingAnalyticsOut(Schema):
    """Every calling figure for one week, with the 8-week trends (metrics.md)."""

    as_of: dt.date
    week: WeekOut
    refreshed_at: dt.datetime
    users_by_volume: list[UsersByVolumeOut]
    customers_usage: list[CustomerUsageOut]
    quality_trend: list[QualityTrendOut]
    quality_by_endpoint: list[EndpointQualityOut]
    customers_quality: list[CustomerQualityOut]
    feature_use: dict[str, int]
    queue_kpis: QueueKpisOut
    queue_customers: list[QueueCustomerOut]
