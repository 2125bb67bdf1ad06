"""The vocabulary of docs/reference/dataset.md that the demo dataset speaks, and date helpers.

`PRODUCTS` is the domain's own (`core.choices.Product`). `ENDPOINTS`, `FEATURES` and
`QUEUE_OUTCOMES` copy `activity.models`, which cannot be imported before Django has loaded its
apps, and the generator runs without that (bench/bench_load.py imports it bare):
tests/test_generator.py fails when a copy differs from its original.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, Final

from partnerhub.core.choices import Product

Json = dict[str, Any]
DAY: Final = dt.timedelta(days=1)

# --- vocabulary of docs/reference/dataset.md -----------------------------------------------------

PRODUCTS: Final = tuple(Product.values)
ENDPOINTS: Final = (
    "webex_app_desktop",
    "webex_app_mobile",
    "webex_app_web",
    "ip_phone",
    "room_device",
    "analog_adapter",
    "third_party",
)
FEATURES: Final = (
    "call_queue",
    "hunt_group",
    "auto_attendant",
    "transfer",
    "call_park",
    "call_pickup",
    "voicemail",
    "conference",
    "call_recording",
)
QUEUE_OUTCOMES: Final = ("answered", "overflow", "abandoned", "voicemail")

#: Days of meetings, calls and recent sign-ins, ending on (and including) as_of: 13 weeks, so the
#: 8 weeks of calling analytics, the 12-point assignment trend (used7 back to D-83) and the
#: "usage in the last 3 months" (D-89 … D) all see data.
ACTIVITY_DAYS: Final = 91


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole calendar months, the day clamped to the month's length."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(start: dt.date, months: int, on_or_after: dt.date) -> dt.date:
    """The last day of the first term of `months` from `start` that ends on or after a day."""
    est = (on_or_after.year - start.year) * 12 + on_or_after.month - start.month
    k = max(1, est // months - 1)
    while add_months(start, months * k) - DAY < on_or_after:
        k += 1
    return add_months(start, months * k) - DAY
