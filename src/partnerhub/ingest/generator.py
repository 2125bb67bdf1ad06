"""The deterministic demo dataset generator: writes the format of docs/reference/dataset.md.

Pure Python and orjson, no Django. The same `seed`, `customers` and `as_of` give the same bytes:
every random choice comes from `random.Random` instances seeded from `seed` (one for the partner
plan, one per customer), never from the global generator or `hash()`. Keep it so: never let the
iteration order of a `set` of `str` (which varies per process) decide how randomness is consumed.

The output streams customer by customer, so memory stays flat whatever `customers` is; only a few
integers per customer (the plan) are kept for the whole run.

Order of the lines (each refers only to earlier ones):

1. `partner` lines, then every `partner_user` without `customers`;
2. per customer: `customer`, `user`, `trial` / `subscription`, `order`, `invoice`, `assignment`,
   `customer_admin_login`, `call_queue`, `meeting`, `call`, `external_admin`;
3. the `partner_user` lines of the people assigned to manage customers again, now with their
   `customers` (a later line replaces the earlier one, keyed by e-mail).

Meetings, calls and admin sign-ins cover the `ACTIVITY_DAYS` (13 weeks) ending on `as_of`, so that
every calling week, the 12-point assignment trend and "usage in the last 3 months" have data.

Every status of docs/reference/rules.md and section of docs/reference/metrics.md is covered: a list
of *scenarios* (boundaries such as an item ending exactly on D or D+31) is placed on fixed, seeded
positions among the demo partner's customers; the other customers get weighted random profiles.
"""

from __future__ import annotations

import calendar
import datetime as dt
import gzip
import math
import os
import random
import sys
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, count
from operator import itemgetter
from typing import IO, Any, BinaryIO, Final, cast

import orjson

from partnerhub.ingest import names

Json = dict[str, Any]
DAY: Final = dt.timedelta(days=1)

# --- vocabulary of docs/reference/dataset.md -----------------------------------------------------

PRODUCTS: Final = ("meetings", "calling", "messaging", "real_time_translation", "contact_center")
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

# --- the partners and their people -----------------------------------------------------------

PARTNERS: Final = (
    {"id": "P1", "name": "Northwind Partners", "country": "PL", "domain": "northwind.example"},
    {"id": "P2", "name": "Skyline Communications", "country": "GB", "domain": "skyline.example"},
)

#: (partner, display name, role); role None is the default role `user` (left out of the line).
PEOPLE: Final[tuple[tuple[str, str, str | None], ...]] = (
    ("P1", "Anna Nowak", "partner_full_admin"),
    ("P1", "Marek Kowalczyk", "sales_full_admin"),
    ("P1", "Ewa Mazur", "sales_admin"),
    ("P1", "Tomasz Wójcik", "sales_admin"),
    ("P1", "Joanna Krawczyk", "partner_readonly_admin"),
    ("P1", "Paweł Dąbrowski", None),
    ("P2", "Oliver Bennett", "partner_full_admin"),
)


def person_email(partner: str, name: str) -> str:
    """The e-mail of one of `PEOPLE`.

    ("P1", "Paweł Dąbrowski") → "pawel.dabrowski@northwind.example".
    """
    domain = next(p["domain"] for p in PARTNERS if p["id"] == partner)
    return f"{names.email_local(name)}@{domain}"


def demo_people() -> list[dict[str, str]]:
    """The partner people the generator writes: `partner`, `email`, `name`, `role`."""
    return [
        {"partner": p, "email": person_email(p, n), "name": n, "role": r or "user"}
        for p, n, r in PEOPLE
    ]


FULL_ADMIN: Final = person_email("P1", "Anna Nowak")
SALES_FULL_ADMIN: Final = person_email("P1", "Marek Kowalczyk")
SALES_ADMINS: Final = (person_email("P1", "Ewa Mazur"), person_email("P1", "Tomasz Wójcik"))
P2_ADMIN: Final = person_email("P2", "Oliver Bennett")

P2_SHARE: Final = 0.05  # of the customers belong to the second partner
SALES_ADMIN_CUSTOMERS: Final = 20  # customers each sales admin is assigned to manage
SALES_FULL_ADMIN_SHARE: Final = 0.25  # of the other P1 customers assigned to the sales full admin

TAGS: Final[dict[str, tuple[str, ...]]] = {
    "P1": (
        "gold",
        "silver",
        "bronze",
        "strategic",
        "public-sector",
        "healthcare",
        "education",
        "manufacturing",
        "retail",
        "upsell",
        "renewal-2027",
        "at-risk",
    ),
    "P2": ("priority", "smb", "enterprise", "nordics", "at-risk"),
}

COUNTRY_WEIGHTS: Final[dict[str, tuple[tuple[str, ...], tuple[int, ...]]]] = {
    "P1": (names.COUNTRIES, (36, 15, 9, 8, 8, 7, 6, 6, 5)),
    "P2": (names.COUNTRIES, (2, 8, 40, 20, 6, 12, 4, 3, 5)),
}
CURRENCY: Final = {"PL": "PLN", "GB": "GBP", "US": "USD", "SE": "SEK"}  # else EUR
FX: Final = {"EUR": 1.0, "PLN": 4.3, "GBP": 0.86, "USD": 1.08, "SEK": 11.4}
#: list price per license and month, EUR
PRICE: Final = {
    "meetings": 13.5,
    "calling": 17.0,
    "messaging": 4.0,
    "real_time_translation": 8.0,
    "contact_center": 95.0,
}
#: UTC offset of local business hours (winter time, good enough for a demo)
UTC_OFFSET: Final = {"PL": 1, "DE": 1, "FR": 1, "NL": 1, "ES": 1, "IT": 1, "SE": 1, "GB": 0}
US_OFFSET: Final = -5

# Calling: per-endpoint primary share, poor-call probability, good-call jitter / loss / latency.
ENDPOINT_SHARE: Final = (34, 18, 6, 26, 6, 5, 5)
ENDPOINT_POOR: Final = (0.015, 0.05, 0.025, 0.008, 0.012, 0.07, 0.09)
ENDPOINT_JITTER: Final = (8.0, 26.0, 12.0, 4.0, 5.0, 15.0, 19.0)
ENDPOINT_LOSS: Final = (0.3, 0.9, 0.5, 0.1, 0.2, 0.8, 1.0)
ENDPOINT_LATENCY: Final = (60.0, 110.0, 80.0, 40.0, 50.0, 90.0, 100.0)

# Calls per licensed user and week, by user type; most users call a little, a few a lot.
CALL_RATE: Final = (0.25, 1.8, 7.5, 24.0)
CALL_RATE_W: Final = (32, 44, 18, 6)
# Meetings hosted per licensed user and week.
HOST_RATE: Final = (0.1, 0.45, 1.4, 4.0)
HOST_RATE_W: Final = (40, 35, 18, 7)

_QUARTERS: Final = (0, 0, 0, 15, 30, 30, 45)  # minutes past the hour a meeting starts
_MEETING_LENGTHS: Final = (900, 1800, 1800, 1800, 2700, 3600, 3600, 5400)  # booked, seconds

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


def _poisson(rnd: Callable[[], float], lam: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal for large ones)."""
    if lam <= 0.0:
        return 0
    if lam > 40.0:
        u1, u2 = rnd() or 1e-12, rnd()
        z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
        return max(0, round(lam + z * math.sqrt(lam)))
    limit = math.exp(-lam)
    k = 0
    p = rnd()
    while p > limit:
        k += 1
        p *= rnd()
    return k


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


#: Forced scenarios for the demo partner: every status, analytics section and date boundary.
SCENARIOS: Final = (
    "suspended",
    "suspended_end_today",
    "suspended_lapsed",
    "overage_meetings",
    "overage_calling_expiring",
    "overage_trial",
    "trial_ends_today",
    "trial_new",
    "trial_low",
    "sub_end_30",
    "sub_end_31",
    "sub_end_90",
    "sub_end_91",
    "renew_today",
    "renew_90",
    "renew_91",
    "added_today",
    "added_90",
    "added_91",
    "cohort_29",
    "cohort_30",
    "low_meetings",
    "low_calling",
    "provisioning_new",
    "provisioning_from_trial",
    "provisioning_upsell",
    "expired_cancelled",
    "expired_trial",
    "expired_lapsed",
    "converted",
    "multi",
    "messaging_only",
    "messaging_only",
    "messaging_trial",
    "no_login_never",
    "login_d29",
    "login_d30",
    "queues_busy",
    "queues_small",
    "bad_quality",
    "calls_declining",
    "calling_silent",
    "zero_line",
    "sub_plus_trial",
)

RANDOM_PROFILES: Final = (
    "sub",
    "sub2",
    "sub_trial",
    "trial",
    "converted",
    "provisioning",
    "upsell_provisioning",
    "expired",
    "suspended",
    "messaging_only",
)
RANDOM_PROFILE_W: Final = (52, 5, 6, 10, 8, 3, 2, 8, 2, 3)


class _Plan:
    """What is decided for the whole run up front: a few small integers per customer."""

    def __init__(self, customers: int, seed: int) -> None:
        rng = random.Random(f"partnerhub-demo/{seed}/plan")
        self.n = customers
        n_p2 = 0 if customers < 4 else max(2, round(customers * P2_SHARE))
        p2 = set(rng.sample(range(customers), n_p2)) if n_p2 else set()
        self.partner = bytearray(1 if i in p2 else 0 for i in range(customers))
        p1 = [i for i in range(customers) if not self.partner[i]]
        p2_sorted = sorted(p2)

        picks = rng.sample(p1, min(len(p1), len(SCENARIOS)))
        self.scenario: dict[int, str] = dict(zip(picks, SCENARIOS, strict=False))

        # Two sales admins with 20 customers each, two of them shared.
        self.managers: dict[str, list[int]] = {}
        pool = rng.sample(p1, min(len(p1), 2 * SALES_ADMIN_CUSTOMERS - 2))
        k = min(SALES_ADMIN_CUSTOMERS, len(pool))
        self.managers[SALES_ADMINS[0]] = sorted(pool[:k])
        self.managers[SALES_ADMINS[1]] = sorted(pool[max(0, len(pool) - k) :])
        taken = set(pool)
        self.managers[SALES_FULL_ADMIN] = [
            i for i in p1 if i not in taken and rng.random() < SALES_FULL_ADMIN_SHARE
        ]

        # External administrators across partners.
        self.externals: dict[int, list[str]] = {}
        for i in p2_sorted[:2]:
            self.externals.setdefault(i, []).append(SALES_ADMINS[0])
        if p1 and p2:
            self.externals.setdefault(rng.choice(p1), []).append(P2_ADMIN)
        self.seed = seed


# --- the writer ------------------------------------------------------------------------------


class _Progress:
    """A one-line progress bar on standard error (only when it is a terminal)."""

    def __init__(self, total: int, stream: IO[str]) -> None:
        self.total = max(1, total)
        self.stream = stream
        self.started = self.last = time.monotonic()

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and done < self.total:
            return
        self.last = now
        width = 30
        filled = width * done // self.total
        elapsed = now - self.started
        eta = elapsed / done * (self.total - done) if done else 0.0
        self.stream.write(
            f"\rgenerating [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
            f"customers  {elapsed:5.0f}s elapsed, ~{eta:4.0f}s left "
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


_dumps = orjson.dumps
_NL = orjson.OPT_APPEND_NEWLINE


class _Generator:
    def __init__(self, out: BinaryIO, customers: int, seed: int, as_of: dt.date) -> None:
        self.out = out
        self.D = as_of
        self.seed = seed
        self.plan = _Plan(customers, seed)
        self.counts: dict[str, int] = {}
        self.buf: list[bytes] = []
        self.names_used: set[str] = set()
        self.domains_used: set[str] = set()
        self.domain_next: dict[str, int] = {}
        self.n_user = self.n_sub = self.n_trial = self.n_order = self.n_invoice = 0
        self.n_meeting = self.n_call = self.n_queue = 0
        self._init_calendar()

    # ---- output

    def emit(self, obj: Json) -> None:
        self.buf.append(_dumps(obj, option=_NL))
        kind = obj["kind"]
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def emit_many(self, kind: str, objs: Sequence[Json]) -> None:
        if objs:
            self.buf.extend(_dumps(o, option=_NL) for o in objs)
            self.counts[kind] = self.counts.get(kind, 0) + len(objs)

    def flush(self) -> None:
        self.out.write(b"".join(self.buf))
        self.buf.clear()

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

    # ---- the run

    def run(self, progress: _Progress | None) -> dict[str, int]:
        for p in PARTNERS:
            self.emit(
                {"kind": "partner", "id": p["id"], "name": p["name"], "country": p["country"]}
            )
        for partner, name, role in PEOPLE:
            line: Json = {
                "kind": "partner_user",
                "partner": partner,
                "email": person_email(partner, name),
                "name": name,
            }
            if role:
                line["role"] = role
            self.emit(line)
        self.flush()

        for idx in range(self.plan.n):
            self.customer(idx)
            self.flush()
            if progress:
                progress.update(idx + 1)

        for partner, name, role in PEOPLE:
            email = person_email(partner, name)
            managed = self.plan.managers.get(email)
            if managed:
                self.emit(
                    {
                        "kind": "partner_user",
                        "partner": partner,
                        "email": email,
                        "name": name,
                        "role": role or "user",
                        "customers": [self.customer_id(i) for i in managed],
                    }
                )
        self.flush()
        return dict(self.counts)

    @staticmethod
    def customer_id(idx: int) -> str:
        return f"C{idx + 1:05d}"

    # ---- one customer

    def customer(self, idx: int) -> None:
        plan = self.plan
        rng = random.Random(f"partnerhub-demo/{plan.seed}/customer/{idx}")
        partner = "P2" if plan.partner[idx] else "P1"
        scenario = plan.scenario.get(idx) or rng.choices(RANDOM_PROFILES, RANDOM_PROFILE_W)[0]
        countries, weights = COUNTRY_WEIGHTS[partner]
        country = rng.choices(countries, weights)[0]
        n_users = min(200, max(5, round(rng.lognormvariate(3.42, 0.78))))
        if scenario.startswith("messaging"):
            n_users = min(n_users, 30)
        c = Customer(idx, self.customer_id(idx), partner, country, rng, n_users, scenario)
        c.externals = list(plan.externals.get(idx, ()))

        self.plan_items(c)
        self.plan_behaviour(c)

        name = self.company_name(rng, country)
        domain = self.domain(name, country)
        created = self.created(c)
        tags = self.tags(c)
        line: Json = {
            "kind": "customer",
            "id": c.id,
            "partner": partner,
            "name": name,
            "created": created.isoformat(),
            "country": country,
        }
        if tags:
            line["tags"] = tags
        self.emit(line)

        user_ids = self.users(c, domain)
        for item in c.items:
            self.emit_item(c, item)
        for item in c.items:
            if not item.trial:
                self.orders(c, item)
        for item in c.items:
            if not item.trial:
                self.invoices(c, item)
        intervals = self.assignments(c, user_ids)
        self.logins(c)
        queue_ids = self.call_queues(c)
        self.meetings(c, user_ids, intervals.get("meetings", {}))
        self.calls(c, user_ids, intervals.get("calling", {}), queue_ids)
        for email in c.externals:
            self.emit({"kind": "external_admin", "customer": c.id, "email": email})

    def company_name(self, rng: random.Random, country: str) -> str:
        name = names.company_name(rng, country)
        for _ in range(40):
            if name not in self.names_used:
                break
            name = names.company_name(rng, country)
        else:
            base = name
            for qualifier in chain(names.CITIES[country], map(str, count(2))):
                name = names.with_qualifier(base, qualifier)
                if name not in self.names_used:
                    break
        self.names_used.add(name)
        return name

    def domain(self, company: str, country: str) -> str:
        domain = names.email_domain(company)
        if domain in self.domains_used:
            stem = domain.rsplit(".", 1)[0]
            domain = f"{stem}-{country.lower()}.example"
            n = self.domain_next.get(stem, 2)
            while domain in self.domains_used:
                domain = f"{stem}{n}.example"
                n += 1
            self.domain_next[stem] = n
        self.domains_used.add(domain)
        return domain

    def created(self, c: Customer) -> dt.date:
        first = min((it.start for it in c.items), default=self.D)
        for it in c.items:
            if not it.trial:
                first = min(first, self.order_date(c, it))
        back = c.rng.randint(0, 45) if first < self.D - 10 * DAY else c.rng.randint(0, 3)
        return min(self.D, first - back * DAY)

    def tags(self, c: Customer) -> list[str]:
        rng = c.rng
        vocab = TAGS[c.partner]
        k = rng.choices((0, 1, 2, 3, 4), (34, 34, 20, 9, 3))[0]
        chosen: list[str] = []
        if k and c.partner == "P1" and rng.random() < 0.6:
            chosen.append(rng.choice(vocab[:3]))  # a tier
        for _ in range(20):
            if len(chosen) >= k:
                break
            t = rng.choice(vocab)
            if t not in chosen and not (t in vocab[:3] and any(x in vocab[:3] for x in chosen)):
                chosen.append(t)
        if (
            (c.scenario.startswith(("suspended", "expired")) or c.no_login)
            and "at-risk" not in chosen
            and len(chosen) < 5
            and rng.random() < 0.5
        ):
            chosen.append("at-risk")
        return chosen

    # ---- items

    def new_sub(
        self,
        c: Customer,
        products: Iterable[str],
        start: dt.date,
        end: dt.date,
        *,
        auto_renew: bool,
        state: str = "active",
        term: int = 12,
    ) -> Item:
        self.n_sub += 1
        rng = c.rng
        item = Item(
            id=f"Sub-{100000 + self.n_sub}",
            trial=False,
            start=start,
            end=end,
            state=state,
            lines=self.lines(c, products, trial=False),
            auto_renew=auto_renew,
            term=term,
            billing="monthly" if term == 1 or rng.random() < 0.6 else "annual",
        )
        c.items.append(item)
        return item

    def new_trial(
        self, c: Customer, products: Iterable[str], start: dt.date, end: dt.date, state: str
    ) -> Item:
        self.n_trial += 1
        item = Item(
            id=f"Trial-{200000 + self.n_trial}",
            trial=True,
            start=start,
            end=end,
            state=state,
            lines=self.lines(c, products, trial=True),
        )
        c.items.append(item)
        return item

    def lines(self, c: Customer, products: Iterable[str], *, trial: bool) -> dict[str, int]:
        rng, n = c.rng, c.n_users
        out: dict[str, int] = {}
        for p in products:
            if p == "messaging":
                lic = n * rng.uniform(0.95, 1.3)
            elif p == "real_time_translation":
                lic = n * rng.uniform(0.05, 0.3)
            elif p == "contact_center":
                lic = n * rng.uniform(0.05, 0.2)
            else:
                lic = n * rng.uniform(0.55, 1.15)
            licenses = max(1, round(lic))
            if trial:
                licenses = min(1000, max(5, licenses))
            elif licenses > 20:
                licenses = 5 * round(licenses / 5)
            out[p] = licenses
        return out

    def products(self, c: Customer) -> list[str]:
        rng = c.rng
        core = rng.choices(
            (("meetings", "calling"), ("meetings",), ("calling",), ("calling", "contact_center")),
            (45, 30, 20, 5),
        )[0]
        out = list(core)
        if rng.random() < 0.7:
            out.append("messaging")
        if "meetings" in out and rng.random() < 0.12:
            out.append("real_time_translation")
        if "calling" in out and "contact_center" not in out and rng.random() < 0.08:
            out.append("contact_center")
        return out

    def random_sub(
        self, c: Customer, products: Sequence[str], *, recent: bool | None = None
    ) -> Item:
        rng, D = c.rng, self.D
        term = rng.choices((12, 36, 1), (75, 20, 5))[0]
        auto = term == 1 or rng.random() < 0.7
        if recent is None:
            recent = rng.random() < 0.15
        if auto:
            age = rng.randint(0, 90) if recent else rng.randint(91, 1500)
            start = D - age * DAY
            end = term_end(start, term, D)
        else:
            term_days = (add_months(D, term) - D).days
            end = D + rng.randint(0, term_days - 1) * DAY
            start = add_months(end + DAY, -term)
            if recent:
                start = D - rng.randint(0, 90) * DAY
                end = add_months(start, term) - DAY
        return self.new_sub(c, products, start, end, auto_renew=auto, term=term)

    def random_trial(self, c: Customer, products: Sequence[str]) -> Item:
        rng, D = c.rng, self.D
        length = rng.choices((30, 60, 90), (1, 1, 3))[0]
        elapsed = rng.randint(0, length)
        start = D - elapsed * DAY
        return self.new_trial(c, products, start, start + length * DAY, "active")

    def converted(self, c: Customer, products: Sequence[str], conv: dt.date) -> Item:
        """A trial converted on `conv` into a subscription (its assignments move over)."""
        rng, D = c.rng, self.D
        length = rng.choices((30, 60, 90), (1, 1, 3))[0]
        t_start = conv - rng.randint(10, length) * DAY
        trial_products = [p for p in products if p in ("meetings", "calling")] or list(products)
        trial = self.new_trial(c, trial_products, t_start, conv, "converted")
        term = rng.choices((12, 36), (80, 20))[0]
        auto = rng.random() < 0.8 or add_months(conv, term) - DAY < D
        end = term_end(conv, term, D) if auto else add_months(conv, term) - DAY
        sub = self.new_sub(c, products, conv, end, auto_renew=auto, term=term)
        sub.converted_from = trial
        return sub

    def forced_sub(
        self,
        c: Customer,
        products: Sequence[str],
        *,
        end: dt.date | None = None,
        start: dt.date | None = None,
        auto_renew: bool = True,
        state: str = "active",
        term: int = 12,
    ) -> Item:
        """A subscription with a fixed end (start derived) or a fixed start (end derived)."""
        rng, D = c.rng, self.D
        if end is not None:
            terms = rng.randint(1, 3) if auto_renew else 1
            start = add_months(end + DAY, -term * terms)
        else:
            assert start is not None
            end = term_end(start, term, max(start, D)) if auto_renew else None
            if end is None:
                end = add_months(start, term) - DAY
        return self.new_sub(c, products, start, end, auto_renew=auto_renew, state=state, term=term)

    def plan_items(self, c: Customer) -> None:
        rng, D, s = c.rng, self.D, c.scenario
        days = dt.timedelta
        old = D - rng.randint(200, 1200) * DAY
        mc = ["meetings", "calling", "messaging"]
        if s == "sub":
            self.random_sub(c, self.products(c))
        elif s == "sub2":
            self.random_sub(c, ["meetings", "messaging"])
            self.random_sub(c, rng.choice((["calling"], ["calling", "contact_center"])))
        elif s == "sub_trial" or s == "sub_plus_trial":
            self.random_sub(c, ["meetings", "messaging"])
            self.random_trial(c, ["calling"])
        elif s == "trial":
            self.random_trial(c, rng.choice((["meetings", "calling"], ["meetings"], ["calling"])))
        elif s == "converted":
            self.converted(c, self.products(c), D - rng.randint(5, 700) * DAY)
        elif s == "provisioning":
            start = D + rng.randint(-5, 20) * DAY
            if rng.random() < 0.4:
                order_day = min(D, start)
                length = rng.choice((30, 60, 90))
                self.new_trial(
                    c, ["meetings", "calling"], order_day - length * DAY, order_day, "converted"
                )
            self.new_sub(
                c,
                self.products(c),
                start,
                add_months(start, 12) - DAY,
                auto_renew=True,
                state="provisioning",
            )
        elif s == "upsell_provisioning" or s == "provisioning_upsell":
            self.random_sub(c, ["meetings", "messaging"], recent=False)
            start = D + rng.randint(0, 14) * DAY
            self.new_sub(
                c,
                ["calling"],
                start,
                add_months(start, 12) - DAY,
                auto_renew=True,
                state="provisioning",
            )
        elif s == "expired":
            kind = rng.choice(("cancelled", "trial", "lapsed", "both"))
            if kind in ("trial", "both"):
                end = D - rng.randint(1, 300) * DAY
                self.new_trial(
                    c, ["meetings", "calling"], end - rng.choice((30, 60, 90)) * DAY, end, "ended"
                )
            if kind in ("cancelled", "both"):
                end = D - rng.randint(1, 400) * DAY
                self.forced_sub(c, self.products(c), end=end, state="cancelled")
            if kind == "lapsed":
                self.forced_sub(
                    c, self.products(c), end=D - rng.randint(1, 200) * DAY, auto_renew=False
                )
        elif s == "suspended":
            if rng.random() < 0.5:
                self.random_sub(c, ["meetings", "messaging"], recent=False)
                prods = ["calling"]
            else:
                prods = self.products(c)
            self.forced_sub(c, prods, end=D + rng.randint(0, 300) * DAY, state="suspended")
        elif s in ("messaging_only",):
            self.random_sub(c, ["messaging"])
        elif s == "messaging_trial":
            self.random_trial(c, ["messaging"])
        # --- forced scenarios
        elif s == "suspended_end_today":
            self.forced_sub(c, mc, end=D, state="suspended")
        elif s == "suspended_lapsed":
            self.forced_sub(c, mc, end=D - DAY, state="suspended")
        elif s == "overage_meetings":
            self.forced_sub(c, ["meetings", "messaging"], end=D + days(150)).over.add("meetings")
        elif s == "overage_calling_expiring":
            item = self.forced_sub(c, ["calling"], end=D + days(45), auto_renew=False)
            item.over.add("calling")
        elif s == "overage_trial":
            item = self.new_trial(c, ["meetings", "calling"], D - days(40), D + days(50), "active")
            item.over.update(("meetings", "calling"))
        elif s == "trial_ends_today":
            self.new_trial(c, ["meetings", "calling"], D - days(60), D, "active")
        elif s == "trial_new":
            self.new_trial(c, ["meetings", "calling"], D, D + days(90), "active")
        elif s == "trial_low":
            item = self.new_trial(c, ["meetings", "calling"], D - days(45), D + days(45), "active")
            item.low.add("meetings")
        elif s.startswith("sub_end_"):
            self.forced_sub(c, mc, end=D + days(int(s[8:])), auto_renew=False)
        elif s == "renew_today":
            self.forced_sub(c, mc, end=D)
        elif s.startswith("renew_"):
            self.forced_sub(c, mc, end=D + days(int(s[6:])))
        elif s == "added_today":
            self.forced_sub(c, mc, start=D)
        elif s.startswith("added_"):
            self.forced_sub(c, mc, start=D - days(int(s[6:])))
        elif s.startswith("cohort_"):
            item = self.forced_sub(c, mc, start=D - days(int(s[7:])))
            item.low.update(("meetings", "calling"))
        elif s == "low_meetings":
            self.forced_sub(c, ["meetings", "messaging"], start=old).low.add("meetings")
        elif s == "low_calling":
            self.forced_sub(c, ["calling"], start=old).low.add("calling")
        elif s == "provisioning_new":
            start = D + days(7)
            self.new_sub(
                c, mc, start, add_months(start, 12) - DAY, auto_renew=True, state="provisioning"
            )
        elif s == "provisioning_from_trial":
            self.new_trial(c, ["meetings", "calling"], D - days(63), D - days(3), "converted")
            self.new_sub(
                c,
                mc,
                D - days(3),
                add_months(D - days(3), 12) - DAY,
                auto_renew=True,
                state="provisioning",
            )
        elif s == "expired_cancelled":
            self.forced_sub(c, mc, end=D - days(40), state="cancelled")
        elif s == "expired_trial":
            self.new_trial(c, ["meetings", "calling"], D - days(110), D - days(20), "ended")
        elif s == "expired_lapsed":
            self.forced_sub(c, mc, end=D - DAY, auto_renew=False)
        elif s == "multi":
            self.forced_sub(c, ["meetings", "messaging", "real_time_translation"], start=old)
            self.forced_sub(c, ["calling", "contact_center"], start=old + days(75), term=36)
        elif s == "zero_line":
            item = self.forced_sub(c, ["meetings", "calling", "messaging"], start=old)
            item.lines["calling"] = 0
            item.zero.add("calling")
        elif s in (
            "no_login_never",
            "login_d29",
            "login_d30",
            "bad_quality",
            "calls_declining",
            "calling_silent",
            "queues_busy",
            "queues_small",
        ):
            self.forced_sub(c, mc, start=old)
        else:  # pragma: no cover - every scenario is handled above
            raise AssertionError(f"unknown scenario {s}")

        # Random overlays on the random profiles: low assignment, overage.
        if s in RANDOM_PROFILES:
            for item in c.items:
                if item.state not in ("active", "suspended"):
                    continue
                for p in ("meetings", "calling"):
                    if p in item.lines:
                        r = rng.random()
                        if r < 0.05:
                            item.low.add(p)
                        elif r < 0.095:
                            item.over.add(p)
        for item in c.items:
            for p in sorted(item.over):  # sorted: set order of str varies by run
                # leave room among the users to assign more than the licenses
                cap = max(1, round(c.n_users * rng.uniform(0.55, 0.85)))
                item.lines[p] = min(item.lines[p], cap, c.n_users - 1)
            if (
                not item.trial
                and item.state != "provisioning"
                and rng.random() < 0.3
                and (min(self.D, item.end) - item.start).days > 120
            ):
                # the subscription grew since its first order: a `change` order in between
                item.initial = {
                    p: max(1, round(n * rng.uniform(0.6, 0.9))) for p, n in item.lines.items()
                }

    def plan_behaviour(self, c: Customer) -> None:
        rng, s = c.rng, c.scenario
        # Sign-ins of the customer's own administrators.
        if s == "no_login_never":
            c.no_login = "never"
        elif s == "login_d29":
            c.no_login = "d29"
        elif s == "login_d30":
            c.no_login = "d30"
        elif s.startswith("expired"):
            c.no_login = "stale" if rng.random() < 0.6 else ""
        elif rng.random() < 0.08:
            c.no_login = rng.choice(("stale", "stale", "never"))
        has_calling = any(it.lines.get("calling") for it in c.items)
        if s == "queues_busy":
            c.queues = 3
        elif s == "queues_small":
            c.queues = 1
        elif has_calling and rng.random() < 0.2:
            c.queues = rng.choices((1, 2, 3, 4), (40, 30, 20, 10))[0]
        if s == "bad_quality":
            c.net_factor = 4.0
        elif rng.random() < 0.08:
            c.net_factor = 2.5
        if rng.random() < 0.12:
            c.spike_week = rng.randrange(len(self.weeks))
        if s == "calls_declining":
            c.trend = "down"
        elif s == "calling_silent":
            c.trend = "silent"
        else:
            c.trend = rng.choices(("flat", "up", "down"), (70, 15, 15))[0]

    def emit_item(self, c: Customer, item: Item) -> None:
        lines = [{"product": p, "licenses": n} for p, n in item.lines.items()]
        if item.trial:
            line: Json = {"kind": "trial", "id": item.id, "customer": c.id}
            line.update(start=item.start.isoformat(), end=item.end.isoformat(), lines=lines)
            if item.state != "active":
                line["state"] = item.state
        else:
            line = {"kind": "subscription", "id": item.id, "customer": c.id}
            line.update(start=item.start.isoformat(), end=item.end.isoformat(), lines=lines)
            line["auto_renew"] = item.auto_renew
            line["state"] = item.state
        self.emit(line)

    # ---- orders and invoices

    def currency(self, c: Customer) -> str:
        return CURRENCY.get(c.country, "EUR")

    def price(self, c: Customer, lines: dict[str, int], months: float) -> float:
        fx = FX[self.currency(c)]
        return round(sum(PRICE[p] * n for p, n in lines.items()) * months * fx, 2)

    def order_date(self, c: Customer, item: Item) -> dt.date:
        if item.state == "provisioning":
            return min(self.D, item.start)
        if item.converted_from is not None:
            return item.start
        # seeded on the item id so that `created` and `orders` agree
        back = int(item.id[4:]) % 11
        return item.start - back * DAY

    @staticmethod
    def _lines(lines: dict[str, int]) -> list[Json]:
        return [{"product": p, "licenses": n} for p, n in lines.items()]

    def orders(self, c: Customer, item: Item) -> None:
        rng, D = c.rng, self.D
        cur = self.currency(c)
        history: list[tuple[dt.date, str, dict[str, int] | None, float | None]] = []
        first = item.initial or item.lines
        history.append((self.order_date(c, item), "new", first, self.price(c, first, item.term)))
        change_day: dt.date | None = None
        if item.initial:
            span = (min(D, item.end) - item.start).days
            change_day = item.start + rng.randint(30, max(31, span - 1)) * DAY
        if item.term > 1 and item.state != "provisioning":
            k = 1
            while True:
                renewal_start = add_months(item.start, item.term * k)
                if renewal_start > item.end or renewal_start - 7 * DAY > D:
                    break
                day = renewal_start - rng.randint(1, 7) * DAY
                lines = item.lines if change_day is None or day >= change_day else first
                history.append((day, "renewal", lines, self.price(c, lines, item.term)))
                k += 1
        if change_day is not None:
            delta = {p: max(0, n - first.get(p, 0)) for p, n in item.lines.items()}
            months_left = max(1, months_between(change_day, item.end))
            history.append((change_day, "change", item.lines, self.price(c, delta, months_left)))
        if item.state == "cancelled":
            history.append((item.end - rng.randint(0, 30) * DAY, "cancel", None, None))
        history.sort(key=itemgetter(0))
        for day, action, order_lines, amount in history:
            self.n_order += 1
            line: Json = {
                "kind": "order",
                "id": f"O{self.n_order:07d}",
                "subscription": item.id,
                "date": min(day, D).isoformat(),
                "action": action,
            }
            if order_lines is not None:
                line["lines"] = self._lines(order_lines)
            if amount is not None:
                line["amount"] = amount
                line["currency"] = cur
            self.emit(line)

    def invoices(self, c: Customer, item: Item) -> None:
        if item.state == "provisioning" or item.start > self.D:
            return
        rng, D = c.rng, self.D
        cur = self.currency(c)
        step = 1 if item.billing == "monthly" else 12
        amount = self.price(c, item.lines, step)
        last = min(D, item.end)
        horizon = D - (400 if step == 1 else 1100) * DAY
        k = 0
        while True:
            day = add_months(item.start, step * k)
            k += 1
            if day > last:
                break
            if day < horizon:
                continue
            age = (D - day).days
            if item.state == "suspended" and age <= 120:
                status = "overdue" if age > 14 else "open"
            elif age <= 30:
                status = "open"
            elif age <= 60 and rng.random() < 0.04:
                status = "overdue"
            else:
                status = "paid"
            self.n_invoice += 1
            self.emit(
                {
                    "kind": "invoice",
                    "id": f"INV-{self.n_invoice:07d}",
                    "subscription": item.id,
                    "date": day.isoformat(),
                    "amount": amount,
                    "currency": cur,
                    "status": status,
                }
            )

    # ---- users and assignments

    def users(self, c: Customer, domain: str) -> list[str]:
        rng = c.rng
        ids: list[str] = []
        seen: set[str] = set()
        out: list[Json] = []
        for _ in range(c.n_users):
            country = c.country if rng.random() < 0.85 else rng.choice(names.COUNTRIES)
            display, local = names.person(rng, country)
            if local in seen:
                n = 2
                while f"{local}{n}" in seen:
                    n += 1
                local = f"{local}{n}"
            seen.add(local)
            self.n_user += 1
            uid = f"U{self.n_user:07d}"
            ids.append(uid)
            out.append(
                {
                    "kind": "user",
                    "id": uid,
                    "customer": c.id,
                    "email": f"{local}@{domain}",
                    "name": display,
                }
            )
        self.emit_many("user", out)
        return ids

    def assignments(
        self, c: Customer, user_ids: list[str]
    ) -> dict[str, dict[int, list[tuple[dt.date, dt.date | None]]]]:
        """Write the assignments; answer product -> user index -> [(from, to)] for activity."""
        rng, D, n = c.rng, self.D, c.n_users
        out: list[Json] = []
        spans: dict[str, dict[int, list[tuple[dt.date, dt.date | None]]]] = {}

        def add(u: int, item: Item, p: str, frm: dt.date, to: dt.date | None) -> None:
            line: Json = {
                "kind": "assignment",
                "user": user_ids[u],
                "item": item.id,
                "product": p,
                "from": frm.isoformat(),
            }
            if to is not None:
                line["to"] = to.isoformat()
            out.append(line)
            spans.setdefault(p, {}).setdefault(u, []).append((frm, to))

        for item in c.items:
            if item.state == "provisioning" or item.start > D:
                continue
            first = item.start
            last = min(D, item.end)
            # unassigned the day after the item ended (converted: on the conversion day)
            if item.state == "converted":
                release: dt.date | None = item.end
            elif item.state in ("cancelled", "ended") and item.end + DAY <= D:
                release = item.end + DAY
            else:
                release = None
            if release is not None:
                last = min(last, release - DAY)
            span = (last - first).days
            if span < 0:
                continue
            for p, licenses in item.lines.items():
                if p in item.zero or licenses == 0:
                    continue
                if p in item.over:
                    target = min(n, licenses + rng.randint(1, max(1, math.ceil(licenses * 0.2))))
                elif p in item.low:
                    target = round(licenses * rng.uniform(0.03, 0.2))
                elif p == "messaging":
                    target = round(licenses * rng.uniform(0.75, 1.0))
                elif item.trial:
                    target = round(licenses * rng.uniform(0.35, 0.95))
                else:
                    target = round(licenses * rng.uniform(0.55, 1.0))
                target = min(n, max(0, target))
                moved: dict[int, dt.date] = {}
                src = item.converted_from
                if src is not None:
                    moved = dict(src.holders.get(p, {}))
                    if len(moved) > target:
                        target = len(moved)
                holders = list(moved)
                rest = [u for u in range(n) if u not in moved]
                holders += rng.sample(rest, target - len(holders))
                mean = max(1.0, span * 0.12)
                current: dict[int, dt.date] = {}
                for u in holders:
                    if u in moved:
                        frm = first
                    elif rng.random() < 0.12:
                        frm = first + rng.randint(0, span) * DAY
                    else:
                        frm = first + min(span, int(rng.expovariate(1.0 / mean))) * DAY
                    current[u] = frm
                # churn: earlier stints that ended (some users later got a license again)
                churn: list[tuple[int, dt.date, dt.date]] = []
                if span >= 2:
                    n_churn = sum(1 for _ in range(len(holders)) if rng.random() < 0.1)
                    others = [u for u in range(n) if u not in current]
                    for _ in range(n_churn):
                        if others and rng.random() < 0.7:
                            u = others.pop(rng.randrange(len(others)))
                            f1 = first + rng.randint(0, span - 1) * DAY
                            t1 = f1 + rng.randint(1, (last - f1).days or 1) * DAY
                            churn.append((u, f1, min(t1, last)))
                        elif holders:
                            u = rng.choice(holders)
                            f0 = current[u]
                            gap = (f0 - first).days
                            if gap >= 2 and all(x[0] != u for x in churn):
                                f1 = first + rng.randint(0, gap - 2) * DAY
                                t1 = f1 + rng.randint(1, (f0 - f1).days) * DAY
                                churn.append((u, f1, t1))
                for u, f1, t1 in churn:
                    if release is not None and t1 > release:
                        t1 = release
                    if t1 > f1:
                        add(u, item, p, f1, t1)
                for u in holders:
                    add(u, item, p, current[u], release)
                item.holders[p] = {u: current[u] for u in holders}
        self.emit_many("assignment", out)
        return spans

    # ---- customer admin sign-ins

    def logins(self, c: Customer) -> None:
        rng, D = c.rng, self.D
        mode = c.no_login
        days: list[dt.date] = []
        if mode == "never":
            pass
        elif mode in ("d29", "d30"):
            days = [D - rng.randint(31, 60) * DAY for _ in range(rng.randint(1, 4))]
        elif mode == "stale":
            last = D - rng.randint(31, 200) * DAY
            days = [last - rng.randint(0, 60) * DAY for _ in range(rng.randint(1, 6))]
        else:
            p = rng.uniform(0.08, 0.5)
            days = [D - k * DAY for k in range(60) if rng.random() < p]
            if not any(d >= D - 29 * DAY for d in days):
                days.append(D - rng.randint(0, 29) * DAY)
        stamps = set()
        hours = self.hours[c.country]
        for d in days:
            stamps.add(
                f"{d.isoformat()}T{rng.choice(hours):02d}:{rng.randrange(60):02d}:"
                f"{rng.randrange(60):02d}Z"
            )
        if mode == "d29":
            stamps.add(f"{(D - 29 * DAY).isoformat()}T00:00:00Z")
        elif mode == "d30":
            stamps.add(f"{(D - 30 * DAY).isoformat()}T23:59:59Z")
        self.emit_many(
            "customer_admin_login",
            [{"kind": "customer_admin_login", "customer": c.id, "at": s} for s in sorted(stamps)],
        )

    # ---- call queues, meetings, calls

    def call_queues(self, c: Customer) -> list[str]:
        ids: list[str] = []
        labels = list(names.QUEUE_NAMES[c.country])
        c.rng.shuffle(labels)
        out: list[Json] = []
        for k in range(c.queues):
            self.n_queue += 1
            qid = f"Q{self.n_queue:06d}"
            ids.append(qid)
            out.append({"kind": "call_queue", "id": qid, "customer": c.id, "name": labels[k]})
        self.emit_many("call_queue", out)
        return ids

    def week_factors(self, c: Customer) -> list[float]:
        rng = c.rng
        n = len(self.weeks)
        base = rng.lognormvariate(0.0, 0.3)
        out = []
        for k in range(n):
            pos = k - (n - 1)  # 0 for the current week, negative before
            if c.trend == "up":
                f = 1.0 + 0.05 * pos
            elif c.trend == "down":
                f = 1.0 - 0.04 * pos
            else:
                f = 1.0
            out.append(max(0.05, f) * base * rng.uniform(0.85, 1.15))
        if c.trend == "down" and n >= 3:
            out[-2] *= 0.6  # W0 (the last completed week) falls sharply against W1
            out[-3] *= 1.1
        if c.trend == "silent":
            out = [0.0] * n
        return out

    def active_days(
        self, stints: list[tuple[dt.date, dt.date | None]]
    ) -> tuple[bool, list[bool] | None]:
        """Whether a user holds the license on every window day; else a per-day mask."""
        lo_all, hi_all = 0, ACTIVITY_DAYS  # [lo, hi)
        for frm, to in stints:
            a = self.day_index(frm)
            b = ACTIVITY_DAYS if to is None else self.day_index(to)
            if a <= lo_all and b >= hi_all:
                return True, None
        mask = [False] * ACTIVITY_DAYS
        for frm, to in stints:
            a = max(0, self.day_index(frm))
            b = min(ACTIVITY_DAYS, ACTIVITY_DAYS if to is None else self.day_index(to))
            for i in range(a, b):
                mask[i] = True
        return False, mask

    def _week_days(
        self, k: int, full: bool, mask: list[bool] | None
    ) -> tuple[list[int], list[float], float]:
        days = self.weeks[k]
        if full or mask is None:
            return days, self.week_cum[k], self.week_cum[k][-1]
        sel = [i for i in days if mask[i]]
        if not sel:
            return sel, [], 0.0
        cum = list(accumulate(self.day_weight[i] for i in sel))
        return sel, cum, cum[-1]

    def meetings(
        self,
        c: Customer,
        user_ids: list[str],
        stints: dict[int, list[tuple[dt.date, dt.date | None]]],
    ) -> None:
        if not stints:
            return
        rng = c.rng
        rnd = rng.random
        factors = self.week_factors(c)
        hours = self.hours[c.country]
        n_hours = len(hours)
        n = c.n_users
        full_total = self.full_week_total
        out: list[Json] = []
        prefix, hhmm, ss = self.day_prefix, self.hhmm, self.ss
        for u in sorted(stints):
            full, mask = self.active_days(stints[u])
            rate = rng.choices(HOST_RATE, HOST_RATE_W)[0]
            host = user_ids[u]
            for k, wf in enumerate(factors):
                days, cum, tot = self._week_days(k, full, mask)
                if not days:
                    continue
                m = _poisson(rnd, rate * wf * tot / full_total)
                for _ in range(m):
                    d = days[bisect_right(cum, rnd() * tot)]
                    minute = hours[int(rnd() * n_hours)] * 60 + _QUARTERS[int(rnd() * 7)]
                    size = min(n - 1, 1 + _poisson(rnd, 2.6))
                    seen = {u}
                    parts: list[str] = []
                    while len(parts) < size:
                        x = int(rnd() * n)
                        if x not in seen:
                            seen.add(x)
                            parts.append(user_ids[x])
                    length = _MEETING_LENGTHS[int(rnd() * 8)]
                    duration = max(120, length + int((rnd() + rnd() + rnd() - 1.5) * 400.0))
                    out.append(
                        {
                            "kind": "meeting",
                            "id": "",
                            "customer": c.id,
                            "host": host,
                            "start": prefix[d] + hhmm[minute] + ss[0],
                            "duration_s": duration,
                            "participants": parts,
                        }
                    )
        out.sort(key=itemgetter("start"))
        for m_ in out:
            self.n_meeting += 1
            m_["id"] = f"M{self.n_meeting:08d}"
        self.emit_many("meeting", out)

    def calls(
        self,
        c: Customer,
        user_ids: list[str],
        stints: dict[int, list[tuple[dt.date, dt.date | None]]],
        queue_ids: list[str],
    ) -> None:
        if not stints:
            return
        rng = c.rng
        rnd = rng.random
        factors = self.week_factors(c)
        hours = self.hours[c.country]
        n_hours = len(hours)
        full_total = self.full_week_total
        prefix, hhmm, ss = self.day_prefix, self.hhmm, self.ss
        durations = self.call_durations
        n_durations = len(durations)
        ep_cum = list(accumulate(ENDPOINT_SHARE))
        ep_tot = ep_cum[-1]
        poor = [min(0.6, p * c.net_factor) for p in ENDPOINT_POOR]
        # customer-level feature habits
        feats: list[tuple[str, float, bool]] = [  # (feature, probability, inbound only)
            ("transfer", rng.uniform(0.03, 0.09), False),
            ("conference", rng.uniform(0.01, 0.04), False),
            ("call_park", rng.uniform(0.0, 0.02), False),
            ("call_pickup", rng.uniform(0.0, 0.03), True),
            ("voicemail", rng.uniform(0.03, 0.08), True),
        ]
        if rng.random() < 0.4:
            feats.append(("hunt_group", rng.uniform(0.05, 0.15), True))
        if rng.random() < 0.5 or queue_ids:
            feats.append(("auto_attendant", rng.uniform(0.1, 0.35), True))
        if rng.random() < 0.25:
            feats.append(("call_recording", rng.uniform(0.5, 0.95), False))
        feats_in = [(f, p) for f, p, _ in feats]
        feats_out = [(f, p) for f, p, inbound_only in feats if not inbound_only]
        q_share = rng.uniform(0.3, 0.6) if queue_ids else 0.0
        p_abandon = 0.3 if c.scenario == "queues_busy" else rng.uniform(0.03, 0.2)
        p_overflow = rng.uniform(0.02, 0.08)
        wait_answer = rng.uniform(8.0, 45.0)
        wait_abandon = rng.uniform(30.0, 110.0)
        agents = rng.sample(sorted(stints), min(len(stints), max(1, len(stints) // 3)))

        out: list[Json] = []
        for u in sorted(stints):
            full, mask = self.active_days(stints[u])
            rate = rng.choices(CALL_RATE, CALL_RATE_W)[0]
            uid = user_ids[u]
            primary = bisect_right(ep_cum, rnd() * ep_tot)
            for k, wf in enumerate(factors):
                days, cum, tot = self._week_days(k, full, mask)
                if not days:
                    continue
                spike = 3.0 if k == c.spike_week else 1.0
                m = _poisson(rnd, rate * wf * tot / full_total)
                for _ in range(m):
                    d = days[bisect_right(cum, rnd() * tot)]
                    minute = hours[int(rnd() * n_hours)] * 60 + int(rnd() * 60)
                    r = rnd()
                    e = primary if r < 0.85 else bisect_right(ep_cum, rnd() * ep_tot)
                    call: Json = {
                        "kind": "call",
                        "id": "",
                        "customer": c.id,
                        "user": uid,
                        "start": prefix[d] + hhmm[minute] + ss[int(rnd() * 60)],
                        "duration_s": durations[int(rnd() * n_durations)],
                        "endpoint": ENDPOINTS[e],
                    }
                    r = rnd()
                    inbound = False
                    if r < 0.05:
                        call["type"] = "call_on_webex"
                        call["direction"] = "internal"
                    elif r < 0.43:
                        call["direction"] = "inbound"
                        inbound = True
                    elif r < 0.58:
                        call["direction"] = "internal"
                    # else outbound, the default: left out
                    q = self.quality(rnd, e, min(0.8, poor[e] * spike))
                    if q is not None:
                        call["quality"] = q
                    features = [f for f, p in (feats_in if inbound else feats_out) if rnd() < p]
                    if inbound and queue_ids and rnd() < q_share:
                        call["user"] = user_ids[agents[int(rnd() * len(agents))]]
                        r = rnd()
                        if r < p_abandon * 0.65:
                            outcome = "abandoned"
                            wait = -_log(1.0 - rnd()) * wait_abandon
                            call["duration_s"] = max(1, int(wait))
                        elif r < p_abandon:
                            outcome = "voicemail"
                            wait = rng.uniform(20.0, 90.0)
                            call["duration_s"] = int(wait) + rng.randint(10, 60)
                            if "voicemail" not in features:
                                features.append("voicemail")
                        elif r < p_abandon + p_overflow:
                            outcome = "overflow"
                            wait = rng.uniform(60.0, 180.0)
                            call["duration_s"] += int(wait)
                        else:
                            outcome = "answered"
                            wait = -_log(1.0 - rnd()) * wait_answer
                            call["duration_s"] += int(wait)
                        call["queue"] = {
                            "id": queue_ids[int(rnd() * len(queue_ids))],
                            "wait_s": int(wait * 10.0 + 0.5) / 10.0,
                            "outcome": outcome,
                        }
                        features.insert(0, "call_queue")
                    if features:
                        call["features"] = features
                    out.append(call)
        out.sort(key=itemgetter("start"))
        for call in out:
            self.n_call += 1
            call["id"] = f"K{self.n_call:08d}"
        self.emit_many("call", out)

    @staticmethod
    def quality(rnd: Callable[[], float], e: int, p_poor: float) -> dict[str, float] | None:
        """One call's quality: usually complete and good, sometimes poor, partly or all missing.

        Inline arithmetic instead of `random.uniform` / `expovariate` / `round`: this runs for
        millions of calls. Values are rounded half up (all positive).
        """
        r = rnd()
        if r < 0.05:
            return None
        if rnd() < p_poor:
            mode = rnd()
            jitter = 20.0 + 120.0 * rnd()
            loss = 0.5 + 4.0 * rnd()
            latency = 80.0 + 300.0 * rnd()
            mos = 2.0 + 1.4 * rnd()
            if mode < 0.3:
                loss = 5.1 + 12.9 * rnd()
            elif mode < 0.6:
                jitter = 151.0 + 269.0 * rnd()
            elif mode < 0.8:
                latency = 401.0 + 549.0 * rnd()
            else:
                mos = 1.4 + 1.55 * rnd()
        else:
            jitter = min(150.0, -_log(1.0 - rnd()) * ENDPOINT_JITTER[e])
            loss = min(5.0, -_log(1.0 - rnd()) * ENDPOINT_LOSS[e])
            latency = min(400.0, ENDPOINT_LATENCY[e] - _log(1.0 - rnd()) * 35.0)
            mos = max(3.0, min(4.5, 4.45 - jitter / 120.0 - loss * 0.18 - rnd() * 0.15))
            if rnd() < 0.003:  # exactly on a threshold: not poor
                which = int(rnd() * 4)
                if which == 0:
                    loss = 5.0
                elif which == 1:
                    jitter = 150.0
                elif which == 2:
                    latency = 400.0
                else:
                    mos = 3.0
        q = {
            "mos": int(mos * 100.0 + 0.5) / 100.0,
            "jitter_ms": int(jitter * 10.0 + 0.5) / 10.0,
            "loss_pct": int(loss * 100.0 + 0.5) / 100.0,
            "latency_ms": int(latency * 10.0 + 0.5) / 10.0,
        }
        if r < 0.11:  # partly missing
            for key in _QUALITY_DROPS[int(rnd() * len(_QUALITY_DROPS))]:
                del q[key]
        return q


_QUALITY_KEYS: Final = ("mos", "jitter_ms", "loss_pct", "latency_ms")
#: every non-empty proper subset of the quality keys: what a partly missing quality leaves out
_QUALITY_DROPS: Final = tuple(
    tuple(k for i, k in enumerate(_QUALITY_KEYS) if mask >> i & 1) for mask in range(1, 15)
)
_log = math.log


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole calendar months from a to b, never below 0 (docs/reference/rules.md)."""
    months = (b.year - a.year) * 12 + (b.month - a.month)
    if b.day < a.day:
        months -= 1
    return max(0, months)


def _open(path: str) -> tuple[BinaryIO, Callable[[], None]]:
    """Open `path` for writing bytes: `-` is standard output, `.gz` is gzip (reproducible)."""
    if path == "-":
        stdout = sys.stdout.buffer
        return stdout, stdout.flush
    raw = open(path, "wb", buffering=1 << 20)  # noqa: SIM115 - closed by the returned callable
    if path.endswith(".gz"):
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=3, mtime=0)

        def close() -> None:
            gz.close()
            raw.close()

        return cast(BinaryIO, gz), close
    return raw, raw.close


def generate(
    out: BinaryIO | str | os.PathLike[str],
    *,
    customers: int = 250,
    seed: int = 1,
    as_of: dt.date,
    progress: bool = False,
) -> dict[str, int]:
    """Write a demo dataset (docs/reference/dataset.md) and answer the number of lines per kind.

    `out` is a binary file object, or a path (`-` for standard output, `.gz` for gzip). The same
    `customers`, `seed` and `as_of` always give the same bytes.
    """
    if customers < 0:
        raise ValueError("customers must be >= 0")
    bar = _Progress(customers, sys.stderr) if progress and sys.stderr.isatty() else None
    try:
        if isinstance(out, str | os.PathLike):
            fh, close = _open(os.fspath(out))
            try:
                return _Generator(fh, customers, seed, as_of).run(bar)
            finally:
                close()
        return _Generator(out, customers, seed, as_of).run(bar)
    finally:
        if bar:
            bar.close()
