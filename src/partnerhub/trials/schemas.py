"""Request and answer bodies of the trials API (docs/reference/api.md#trials)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from partnerhub.subscriptions.schemas import LineIn, LineOut


class NewCustomerIn(Schema):
    """A prospect that becomes a customer with its trial."""

    name: str = ""
    admin_email: str = ""
    country: str = ""


class TrialIn(Schema):
    """Start a trial: `customer_id` or `new_customer`, the lines, and 30, 60 or 90 days."""

    customer_id: str | None = None
    new_customer: NewCustomerIn | None = None
    lines: list[LineIn] = []
    days: int | None = None


class TrialOut(Schema):
    """A trial as every trial endpoint answers it."""

    id: str
    customer_id: str
    start: dt.date
    end: dt.date
    state: str
    lines: list[LineOut]


class TrialExtendIn(Schema):
    """Extend a trial (the body may be left out): `confirm_shorten` must be true when the new end,
    today + 30 days, is earlier than the current end; an extend that does not shorten needs
    nothing."""

    confirm_shorten: bool = False


class TrialExtendOut(TrialOut):
    """The extended trial (with `?dry_run=true`: as it would be) and its end before the extend."""

    previous_end: dt.date
