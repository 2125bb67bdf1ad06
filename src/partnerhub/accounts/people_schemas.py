"""API shapes of the partner's people (docs/reference/api.md#people-and-roles)."""

from __future__ import annotations

from ninja import Schema


class PersonOut(Schema):
    email: str
    name: str
    role: str
    all_customers: bool


class PersonPageOut(Schema):
    count: int
    items: list[PersonOut]


class RoleIn(Schema):
    role: str


class InviteIn(Schema):
    email: str
    name: str = ""
    role: str = "user"
