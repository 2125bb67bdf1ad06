"""API shapes of tags (docs/reference/api.md#tags)."""

from __future__ import annotations

from ninja import Schema


class TagOut(Schema):
    id: int
    name: str
    customers: int


class TagPageOut(Schema):
    count: int
    items: list[TagOut]


class CustomerTagsIn(Schema):
    tags: list[str]


class CustomerTagsOut(Schema):
    id: str
    tags: list[str]
