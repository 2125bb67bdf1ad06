"""Shapes of `GET /api/v1/analytics/subscriptions` (docs/reference/api.md)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class KpisOut(Schema):
    """The first KPI row: customers counted over Meetings and Calling together."""

    total_customers: int
    expiring_soon: int
    renewing_soon: int
    low_assignment: int
    over_limit: int


class TrendPointOut(Schema):
    date: dt.date
    total: int
    assigned: int
    used: int


class RowOut(Schema):
    """What every table row starts with."""

    customer_id: str
    customer: str
    item_id: str
    is_trial: bool


class RecentRowOut(RowOut):
    days_since_added: int
    total: int
    used: int
    assigned: int
    available: int
    weekly_assignment_change: int
    weekly_usage_change: int


class ExpiringRowOut(RowOut):
    days_to_expiry: int
    total: int
    used: int
    assigned: int
    available: int
    usage_3_months: int


class RenewingRowOut(RowOut):
    days_to_renewal: int
    total: int
    used: int
    assigned: int
    available: int
    usage_3_months: int


class LowRowOut(RowOut):
    months_since_added: int
    assigned: int
    assigned_pct: float | None
    total: int
    used: int
    available: int
    weekly_assignment_change: int


class OverRowOut(RowOut):
    months_remaining: int
    auto_renew: bool
    total: int
    assigned: int
    assigned_pct: float | None
    used: int
    used_pct: float | None


class RecentKpisOut(Schema):
    new_customers: int
    total_licenses: int


class ExpiringKpisOut(Schema):
    expiring_customers: int
    assignment_pct: float | None
    usage_pct: float | None


class RenewingKpisOut(Schema):
    renewing_customers: int
    assignment_pct: float | None
    usage_pct: float | None


class LowKpisOut(Schema):
    low_customers: int
    assignment_pct: float | None
    usage_after_assignment_pct: float | None
    unassigned: int


class OverKpisOut(Schema):
    over_customers: int
    overage: int
    average_overage: float | None


class RecentOut(Schema):
    kpis: RecentKpisOut
    rows: list[RecentRowOut]


class ExpiringOut(Schema):
    kpis: ExpiringKpisOut
    rows: list[ExpiringRowOut]


class RenewingOut(Schema):
    kpis: RenewingKpisOut
    rows: list[RenewingRowOut]


class LowOut(Schema):
    kpis: LowKpisOut
    rows: list[LowRowOut]


class OverOut(Schema):
    kpis: OverKpisOut
    rows: list[OverRowOut]


class SubscriptionsAnalyticsOut(Schema):
    """The whole answer, as of `as_of`, for the toggled `product`."""

    as_of: dt.date
    product: str
    kpis: KpisOut
    trend: list[TrendPointOut]
    recently_added: RecentOut
    expiring: ExpiringOut
    renewing: RenewingOut
    low_assignment: LowOut
    over_limit: OverOut
