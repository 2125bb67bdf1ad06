"""Shapes of `GET /api/v1/analytics/calling` (docs/reference/api.md#calling-analytics)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

# Plain pydantic models, not ninja's Schema (the OpenAPI document is the same): the answer is
# built from dicts, and ninja's per-object root validator (for reading ORM attributes) cost
# 0.33 s of 0.7 s for a partner with 19,000 customers (the 20,000-customer demo).


class WeekOut(BaseModel):
    """The week the tables cover: its Sunday and its Saturday (both inclusive)."""

    start: dt.date
    end: dt.date


class UsersByVolumeOut(BaseModel):
    week_start: dt.date
    none: int
    low: int
    medium: int
    high: int


class QualityTrendOut(BaseModel):
    week_start: dt.date
    calls: int
    poor_calls: int
    poor_pct: float | None


class CustomerUsageOut(BaseModel):
    customer_id: str
    customer: str
    calling_licenses: int
    active_users: int
    calls: int
    minutes: float
    calls_per_active_user: float | None
    calls_change_pct: float | None


class EndpointQualityOut(BaseModel):
    endpoint: str
    calls: int
    poor_calls: int
    poor_pct: float | None


class CustomerQualityOut(BaseModel):
    customer_id: str
    customer: str
    calls: int
    poor_calls: int
    poor_pct: float | None
    worst_endpoint: str | None


class QueueKpisOut(BaseModel):
    wait_to_answer_s: float | None
    wait_before_abandon_s: float | None
    abandoned_pct: float | None


class QueueCustomerOut(BaseModel):
    customer_id: str
    customer: str
    queues: int
    queue_calls: int
    answered: int
    abandoned: int
    abandoned_pct: float | None
    wait_to_answer_s: float | None
    wait_before_abandon_s: float | None


class CallingAnalyticsOut(BaseModel):
    """Every calling figure for one week, with the 8-week trends (docs/reference/metrics.md)."""

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
