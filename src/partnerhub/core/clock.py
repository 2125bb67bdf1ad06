"""The one clock: every business date ("today", windows, weeks) comes from here.

`PARTNERHUB_TODAY` fixes the as-of date for demos and tests; an API request may override it with
`?as_of=YYYY-MM-DD`. `now()` is the wall clock, for what happens in real time and is never a
business date: when a scheduled job fires, how old an event is, and the timestamps code stores
on rows (refreshed, opened, revoked). Only model field defaults (`default=timezone.now`, e.g.
audit rows' `at`) read Django's clock themselves.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _


class AsOfError(ValueError):
    """An `as_of` value that is not a YYYY-MM-DD date, or one outside MIN_DATE … MAX_DATE."""


# The as-of dates figures can be computed for: their windows reach years before and after D,
# which near date.min / date.max would overflow.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)


def parse_date(value: str, *, field: str = "as_of") -> dt.date:
    """Parse a YYYY-MM-DD date from MIN_DATE to MAX_DATE, naming the field in the error."""
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise AsOfError(
            _("%(field)s: expected a date as YYYY-MM-DD, got %(value)r")
            % {"field": field, "value": value}
        ) from exc
    if not MIN_DATE <= day <= MAX_DATE:
        raise AsOfError(
            _("%(field)s: expected a date from %(min)s to %(max)s, got %(value)s")
            % {"field": field, "min": MIN_DATE, "max": MAX_DATE, "value": day}
        )
    return day


def now() -> dt.datetime:
    """The wall clock, in UTC: real time, whatever the as-of date (`today()`) is."""
    return timezone.now().astimezone(dt.UTC)


def today() -> dt.date:
    """The as-of date D: `PARTNERHUB_TODAY` when set, else the real UTC date."""
    fixed = getattr(settings, "PARTNERHUB_TODAY", None)
    if fixed:
        return parse_date(fixed, field="PARTNERHUB_TODAY")
    return now().date()


def as_of(request: HttpRequest | None) -> dt.date:
    """The as-of date for a request: `?as_of=` when given, else `today()`."""
    if request is not None:
        raw = request.GET.get("as_of")
        if raw:
            return parse_date(raw)
    return today()


def week_start(day: dt.date) -> dt.date:
    """The Sunday that starts the week containing `day` (weeks run Sunday 00:00 UTC to Sunday)."""
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def last_completed_week(day: dt.date) -> tuple[dt.date, dt.date]:
    """(start, end) of the last completed week as of `day`: end is the latest Sunday <= day.

    `end` is exclusive: the week covers start 00:00 .. end 00:00 UTC.
    """
    end = week_start(day)
    return end - dt.timedelta(days=7), end


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole calendar months from a to b, never below 0 (docs/reference/rules.md)."""
    months = (b.year - a.year) * 12 + (b.month - a.month)
    if b.day < a.day:
        months -= 1
    return max(0, months)
