"""The one clock: as-of date, weeks and months (docs/reference/rules.md#time)."""

import datetime as dt

import pytest
from django.test import RequestFactory

from partnerhub.core import clock


def test_today_follows_partnerhub_today(settings):
    settings.PARTNERHUB_TODAY = "2026-03-01"
    assert clock.today() == dt.date(2026, 3, 1)


def test_as_of_query_overrides_today(settings):
    request = RequestFactory().get("/", {"as_of": "2026-05-05"})
    assert clock.as_of(request) == dt.date(2026, 5, 5)


def test_bad_as_of_names_the_field():
    request = RequestFactory().get("/", {"as_of": "26/11/2026"})
    with pytest.raises(clock.AsOfError, match="as_of"):
        clock.as_of(request)


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        # Thursday 2026-11-26: the last completed week is Sun 15th .. Sun 22nd.
        (dt.date(2026, 11, 26), dt.date(2026, 11, 15), dt.date(2026, 11, 22)),
        # On a Sunday the week that has just ended is the last completed one.
        (dt.date(2026, 11, 22), dt.date(2026, 11, 15), dt.date(2026, 11, 22)),
        # Saturday is still inside the running week.
        (dt.date(2026, 11, 21), dt.date(2026, 11, 8), dt.date(2026, 11, 15)),
    ],
)
def test_last_completed_week(day, start, end):
    assert clock.last_completed_week(day) == (start, end)


@pytest.mark.parametrize(
    ("a", "b", "months"),
    [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 28), 0),
        (dt.date(2026, 1, 15), dt.date(2026, 2, 15), 1),
        (dt.date(2026, 1, 15), dt.date(2026, 2, 14), 0),
        (dt.date(2025, 11, 26), dt.date(2026, 11, 26), 12),
        (dt.date(2026, 12, 1), dt.date(2026, 11, 26), 0),
    ],
)
def test_months_between(a, b, months):
    assert clock.months_between(a, b) == months
