"""Bodies of `/api/v1/sign-ins` and `/api/v1/sessions`."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class SignInOut(Schema):
    at: dt.datetime
    email: str
    name: str
    method: str
    outcome: str
    ip: str
    user_agent: str
    device: str


class SignInPageOut(Schema):
    count: int
    items: list[SignInOut]


class SessionOut(Schema):
    id: int
    device: str
    ip: str
    user_agent: str
    created: dt.datetime
    last_seen: dt.datetime
    current: bool
