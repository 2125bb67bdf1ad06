"""Shapes of `GET /api/v1/jobs/{id}` answers."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class JobOut(Schema):
    """A background job: its state, progress and, once finished, its outcome."""

    id: str
    kind: str
    state: str
    total: int | None
    done: int
    results: list[Any]
    result: Any | None
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None


class JobAcceptedOut(Schema):
    """A job was queued (202): poll the URL in the Location header."""

    id: str
    state: str
    url: str
