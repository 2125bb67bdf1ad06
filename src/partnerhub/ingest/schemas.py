"""Shapes of `POST /api/v1/ingest` answers."""

from __future__ import annotations

from ninja import Schema


class IngestOut(Schema):
    """A load that was written: lines read and valid lines per kind."""

    lines: int
    counts: dict[str, int]


class BadLineOut(Schema):
    """One reason why one line is bad."""

    line: int | None
    field: str | None
    msg: str


class IngestErrorOut(Schema):
    """A refused load (nothing written): the first 100 errors and how many there were."""

    detail: list[BadLineOut]
    error_count: int
    note: str | None = None
