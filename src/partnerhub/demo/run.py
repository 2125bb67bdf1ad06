"""One run's shared state: the customer being planned (`Customer`, `Item`), the plan of the run,
the activity calendar, the id counters and the lines written so far.

The parts of the generator are mixins of `Run`, each in its module: subscriptions.py (the items
of a customer), orders.py (orders and invoices), people.py (users, assignments, sign-ins) and
calls.py (call queues, meetings, calls); generator.py combines them and writes the run.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from itertools import accumulate
from typing import BinaryIO, Final

from partnerhub.demo import names
from partnerhub.demo.output import JsonLines
from partnerhub.demo.partners import Plan
from partnerhub.demo.vocabulary import ACTIVITY_DAYS, DAY

#: UTC offset of local business hours (winter time, good enough for a demo)
UTC_OFFSET: Final = {"PL": 1, "DE": 1, "FR": 1, "NL": 1, "ES": 1, "IT": 1, "SE": 1, "GB": 0}
US_OFFSET: Final = -5

# Local business hours, weighted (a dip at lunch).
_LOCAL_HOURS: Final = (
    7,
    8,
    8,
    9,
    9,
    9,
    10,
    10,
    10,
    10,
    11,
    11,
    11,
    12,
    12,
    13,
    13,
    13,
    14,
    14,
    14,
    15,
    15,
    15,
    16,
    16,
    17,
    18,
)


# --- the plan of one customer ----------------------------------------------------------------


@dataclass(slots=True)
class Item:
    """A subscription or trial being planned for one customer."""

    id: str
    trial: bool
    start: dt.date
    end: dt.date
    state: str
    lines: dict[str, int]
    auto_renew: bool = False
    term: int = 12  # months; subscriptions only
    low: set[str] = field(default_factory=set)  # products with a low assigned ratio
    over: set[str] = field(default_factory=set)  # products assigned over the licenses
    zero: set[str] = field(default_factory=set)  # products with a 0-license line
    converted_from: Item | None = None  # the trial whose assignments moved here
    initial: dict[str, int] | None = None  # lines of the `new` order when they changed since
    billing: str = "monthly"
    # filled while assigning: product -> user index -> assigned on the last day of the item
    holders: dict[str, dict[int, dt.date]] = field(default_factory=dict)


@dataclass(slots=True)
class Customer:
    idx: int
    id: str
    partner: str
    country: str
    rng: random.Random
    n_users: int
    scenario: str
    items: list[Item] = field(default_factory=list)
    no_login: str = ""  # "", "never", "stale", "d29", "d30"
    queues: int = 0
    net_factor: float = 1.0
    spike_week: int = -1
    trend: str = "flat"  # flat, up, down, silent
    externals: list[str] = field(default_factory=list)


class Run(JsonLines):
    """What every part of one run reads and counts: the as-of date, the plan, the calendar."""

    def __init__(self, out: BinaryIO, customers: int, seed: int, as_of: dt.date) -> None:
        super().__init__(out)
        self.D = as_of
        self.seed = seed
        self.plan = Plan(customers, seed)
        self.names_used: set[str] = set()
        self.domains_used: set[str] = set()
        self.domain_next: dict[str, int] = {}
        self.n_user = self.n_sub = self.n_trial = self.n_order = self.n_invoice = 0
        self.n_meeting = self.n_call = self.n_queue = 0
        self._init_calendar()

    # ---- calendar of the activity window

    def _init_calendar(self) -> None:
        d0 = self.D - (ACTIVITY_DAYS - 1) * DAY
        self.w0 = d0
        self.day_prefix = [(d0 + i * DAY).isoformat() + "T" for i in range(ACTIVITY_DAYS)]
        self.day_weight = [
            0.06 if (d0 + i * DAY).weekday() >= 5 else 1.0 for i in range(ACTIVITY_DAYS)
        ]
        weeks: list[list[int]] = []
        for i in range(ACTIVITY_DAYS):
            if not weeks or (d0 + i * DAY).weekday() == 6:  # a week starts on Sunday
                weeks.append([])
            weeks[-1].append(i)
        self.weeks = weeks
        self.week_cum = [list(accumulate(self.day_weight[i] for i in w)) for w in weeks]
        self.full_week_total = sum(self.day_weight[i] for i in range(7)) or 1.0
        # call durations (seconds): a log-normal table, median about 2 minutes
        table_rng = random.Random(f"partnerhub-demo/{self.seed}/durations")
        self.call_durations = [
            min(7200, max(3, int(table_rng.lognormvariate(4.75, 1.0)))) for _ in range(8192)
        ]
        self.hhmm = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
        self.ss = [f"{s:02d}Z" for s in range(60)]
        self.hours: dict[str, tuple[int, ...]] = {}
        for c in names.COUNTRIES:
            off = US_OFFSET if c == "US" else UTC_OFFSET[c]
            self.hours[c] = tuple(min(23, max(0, h - off)) for h in _LOCAL_HOURS)

    def day_index(self, day: dt.date) -> int:
        return (day - self.w0).days
