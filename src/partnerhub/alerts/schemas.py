"""API shapes of alerts (docs/reference/events.md#alert-rules-and-alerts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class AlertOut(Schema):
    """An alert: `id`, `kind`, `customer_id`, `item_id`, `state`, `severity`, `opened`,
    `resolved`, `snoozed_until`, `assignee`, `summary`, `detail`."""

    id: str
    kind: str
    customer_id: str
    item_id: str | None = None
    state: str
    severity: str
    opened: str
    resolved: str | None = None
    snoozed_until: str | None = None
    assignee: str | None = None
    summary: str
    detail: dict[str, Any]


class AlertPageOut(Schema):
    count: int
    items: list[AlertOut]


class SnoozeIn(Schema):
    until: dt.date | None = None


class AssignIn(Schema):
    email: str | None = None


class AlertCommentIn(Schema):
    body: str


class AlertCommentOut(Schema):
    id: int
    author: str | None = None
    body: str
    created: str


class RuleOut(Schema):
    kind: str
    name: str
    enabled: bool
    threshold: int | None = None
    scope: str
    tag: str | None = None
    saved_filter_id: int | None = None
    recipients: list[str]
    channels: list[str]


class RulePatch(Schema):
    enabled: bool | None = None
    threshold: int | None = None
    scope: str | None = None
    tag: str | None = None
    saved_filter_id: int | None = None
    recipients: list[str] | None = None
    channels: list[str] | None = None
