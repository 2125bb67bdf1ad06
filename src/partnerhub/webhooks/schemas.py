"""API shapes of webhooks (docs/reference/api.md#webhooks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class EndpointIn(Schema):
    url: str
    events: list[str]
    description: str = ""


class EndpointPatch(Schema):
    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


class EndpointOut(Schema):
    """An endpoint; `secret` is answered only when it is created or its secret rotated."""

    id: str = Field(alias="public_id")
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None = None
    disabled_at: dt.datetime | None = None
    failing_since: dt.datetime | None = None
    previous_secret_expires: dt.datetime | None = None
    created: dt.datetime
    created_by: str | None = Field(None, alias="created_by.email")

    @staticmethod
    def resolve_disabled_reason(obj: Any) -> str | None:
        return obj.disabled_reason or None


class EndpointSecretOut(EndpointOut):
    secret: str


class AttemptOut(Schema):
    number: int
    at: dt.datetime
    status: int | None = Field(None, alias="status_code")
    error: str | None = None
    duration_ms: int

    @staticmethod
    def resolve_error(obj: Any) -> str | None:
        return obj.error or None


class DeliveryOut(Schema):
    id: int
    event_id: str = Field(alias="event.public_id")
    event_type: str = Field(alias="event.type")
    state: str
    attempt_count: int
    next_attempt_at: dt.datetime | None = None
    created: dt.datetime
    last_status: int | None = None
    last_error: str | None = None
    attempts: list[AttemptOut]

    @staticmethod
    def resolve_attempt_count(obj: Any) -> int:
        return int(obj.attempts)

    @staticmethod
    def resolve_attempts(obj: Any) -> list[Any]:
        return list(obj.attempt_log.all())

    @staticmethod
    def resolve_last_error(obj: Any) -> str | None:
        return obj.last_error or None

    @staticmethod
    def resolve_next_attempt_at(obj: Any) -> dt.datetime | None:
        # a running attempt's lease end is no planned attempt
        return obj.next_attempt_at if obj.state == "pending" else None


class DeliveryPageOut(Schema):
    count: int
    items: list[DeliveryOut]
