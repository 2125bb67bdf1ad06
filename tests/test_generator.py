"""The demo generator: determinism, validity per docs/reference/dataset.md, rules/metrics covered.

Plain tests: no database. The coverage checks re-derive statuses and analytics cohorts from the
generated lines with simple Python, from docs/reference/rules.md and docs/reference/metrics.md.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import pytest

from partnerhub.activity import models as activity
from partnerhub.core import clock
from partnerhub.core.choices import Product, Role
from partnerhub.demo import calls, companies, names, orders, partners, vocabulary
from partnerhub.demo.generator import generate

D = dt.date(2026, 11, 26)
DAY = dt.timedelta(days=1)
Line = dict[str, Any]

KINDS: dict[str, tuple[set[str], set[str]]] = {  # kind -> (required, optional)
    "partner": ({"id", "name"}, {"country"}),
    "partner_user": ({"partner", "email", "name"}, {"role", "customers"}),
    "customer": ({"id", "partner", "name", "created"}, {"country", "tags"}),
    "external_admin": ({"customer", "email"}, set()),
    "customer_admin_login": ({"customer", "at"}, set()),
    "subscription": ({"id", "customer", "start", "end", "lines"}, {"auto_renew", "state"}),
    "trial": ({"id", "customer", "start", "end", "lines"}, {"state"}),
    "order": ({"id", "subscription", "date", "action"}, {"lines", "amount", "currency"}),
    "invoice": ({"id", "subscription", "date", "amount", "currency"}, {"status"}),
    "user": ({"id", "customer", "email"}, {"name"}),
    "assignment": ({"user", "item", "product", "from"}, {"to"}),
    "call_queue": ({"id", "customer", "name"}, set()),
    "meeting": ({"id", "customer", "host", "start", "duration_s"}, {"participants"}),
    "call": (
        {"id", "customer", "user", "start", "duration_s", "endpoint"},
        {"type", "direction", "quality", "features", "queue"},
    ),
}
PRODUCTS = {"meetings", "calling", "messaging", "real_time_translation", "contact_center"}
ROLES = {"partner_full_admin", "partner_readonly_admin", "sales_full_admin", "sales_admin", "user"}
SUB_STATES = {"provisioning", "active", "suspended", "cancelled"}
TRIAL_STATES = {"active", "ended", "converted"}
ENDPOINTS = {
    "webex_app_desktop",
    "webex_app_mobile",
    "webex_app_web",
    "ip_phone",
    "room_device",
    "analog_adapter",
    "third_party",
}
FEATURES = {
    "call_queue",
    "hunt_group",
    "auto_attendant",
    "transfer",
    "call_park",
    "call_pickup",
    "voicemail",
    "conference",
    "call_recording",
}
OUTCOMES = {"answered", "overflow", "abandoned", "voicemail"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ID_RE = {
    "customer": re.compile(r"^C\d{5,}$"),
    "subscription": re.compile(r"^Sub-1\d{5,}$"),
    "trial": re.compile(r"^Trial-2\d{5,}$"),
    "user": re.compile(r"^U\d{7,}$"),
    "call": re.compile(r"^K\d{8,}$"),
    "meeting": re.compile(r"^M\d{8,}$"),
    "order": re.compile(r"^O\d{7,}$"),
    "invoice": re.compile(r"^INV-\d{7,}$"),
    "call_queue": re.compile(r"^Q\d{6,}$"),
}


def _date(value: Any) -> dt.date:
    assert isinstance(value, str) and len(value) == 10, value
    return dt.date.fromisoformat(value)


def _time(value: Any) -> dt.datetime:
    assert isinstance(value, str) and TIME_RE.match(value), value
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _make(customers: int = 250, seed: int = 1, as_of: dt.date = D) -> bytes:
    buf = io.BytesIO()
    generate(buf, customers=customers, seed=seed, as_of=as_of)
    return buf.getvalue()


@pytest.fixture(scope="module")
def raw() -> bytes:
    return _make()


@pytest.fixture(scope="module")
def lines(raw: bytes) -> list[Line]:
    return [orjson.loads(x) for x in raw.splitlines() if x.strip()]


class World:
    """The generated lines, indexed for the coverage checks."""

    def __init__(self, lines: list[Line]) -> None:
        self.by_kind: dict[str, list[Line]] = defaultdict(list)
        for x in lines:
            self.by_kind[x["kind"]].append(x)
        self.customers = {c["id"]: c for c in self.by_kind["customer"]}
        self.items: dict[str, Line] = {}
        for kind in ("subscription", "trial"):
            for x in self.by_kind[kind]:
                self.items[x["id"]] = {**x, "is_trial": kind == "trial"}
        self.items_of: dict[str, list[Line]] = defaultdict(list)
        for it in self.items.values():
            self.items_of[it["customer"]].append(it)
        self.assigns: dict[tuple[str, str], list[Line]] = defaultdict(list)
        for a in self.by_kind["assignment"]:
            self.assigns[(a["item"], a["product"])].append(a)
        self.logins: dict[str, list[dt.date]] = defaultdict(list)
        for x in self.by_kind["customer_admin_login"]:
            self.logins[x["customer"]].append(_time(x["at"]).date())
        self.user_customer = {u["id"]: u["customer"] for u in self.by_kind["user"]}

    def p1_customers(self) -> list[str]:
        return [cid for cid, c in self.customers.items() if c["partner"] == "P1"]

    @staticmethod
    def in_force(it: Line, d: dt.date) -> bool:
        if not _date(it["start"]) <= d <= _date(it["end"]):
            return False
        state = it.get("state", "active")
        return state in ("active", "suspended") if not it["is_trial"] else state == "active"

    @staticmethod
    def lic(it: Line, product: str) -> int | None:
        for ln in it["lines"]:
            if ln["product"] == product:
                return int(ln["licenses"])
        return None

    def total(self, it: Line, product: str) -> int:
        return self.lic(it, product) or 0

    def assigned(self, it: Line, product: str, d: dt.date) -> int:
        return sum(
            1
            for a in self.assigns[(it["id"], product)]
            if _date(a["from"]) <= d and (a.get("to") is None or d < _date(a["to"]))
        )

    def statuses(self, cid: str) -> set[str]:
        out: set[str] = set()
        items = self.items_of[cid]
        for it in items:
            subscription = not it["is_trial"]
            state = it.get("state", "active")
            end = _date(it["end"])
            if subscription and state == "suspended" and end >= D:
                out.add("suspended")
            if subscription and state == "provisioning":
                out.add("ready_to_set_up")
            if not self.in_force(it, D):
                continue
            out.add("subscription" if subscription else "trial")
            if any(self.assigned(it, ln["product"], D) > ln["licenses"] for ln in it["lines"]):
                out.add("license_overage")
            if (it["is_trial"] or not it.get("auto_renew", False)) and 0 <= (end - D).days <= 30:
                out.add("expiring_soon")
        if not any(D - 29 * DAY <= d <= D for d in self.logins.get(cid, ())):
            out.add("no_recent_activity")
        if not out & {"subscription", "trial", "ready_to_set_up"}:
            out.add("expired")
        return out

    def scope(self, product: str, partner: str = "P1") -> list[Line]:
        """U(P): items in force on D with a line for P with licenses > 0, of the partner."""
        return [
            it
            for it in self.items.values()
            if self.customers[it["customer"]]["partner"] == partner
            and self.in_force(it, D)
            and (self.lic(it, product) or 0) > 0
        ]


@pytest.fixture(scope="module")
def world(lines: list[Line]) -> World:
    return World(lines)


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_same_bytes(raw: bytes) -> None:
    assert _make() == raw
    assert _make(customers=30, seed=2) != _make(customers=30)


def test_independent_of_hash_randomization(raw: bytes) -> None:
    """Interpreters with other PYTHONHASHSEEDs write the very same bytes (str hashes vary)."""
    code = (
        "import datetime, hashlib, io, sys\n"
        "from partnerhub.demo.generator import generate\n"
        "b = io.BytesIO()\n"
        "generate(b, customers=250, seed=1, as_of=datetime.date(2026, 11, 26))\n"
        "sys.stdout.write(hashlib.sha256(b.getvalue()).hexdigest())\n"
    )
    src = str(Path(__file__).resolve().parents[1] / "src")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": src},
            stdout=subprocess.PIPE,
            text=True,
        )
        for hash_seed in ("1", "2", "12345")
    ]
    digests = {p.communicate(timeout=300)[0] for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert digests == {hashlib.sha256(raw).hexdigest()}


def test_paths_gzip_and_counts(tmp_path: Path) -> None:
    plain, packed = tmp_path / "demo.jsonl", tmp_path / "demo.jsonl.gz"
    counts = generate(plain, customers=12, seed=3, as_of=D)
    generate(packed, customers=12, seed=3, as_of=D)
    data = plain.read_bytes()
    assert gzip.decompress(packed.read_bytes()) == data
    first = packed.read_bytes()
    generate(packed, customers=12, seed=3, as_of=D)
    assert packed.read_bytes() == first  # gzip header without a time stamp
    kinds = Counter(orjson.loads(x)["kind"] for x in data.splitlines())
    assert counts == dict(kinds)


def test_small_and_empty_runs_are_valid() -> None:
    for n in (0, 1, 3, 7):
        assert_valid([orjson.loads(x) for x in _make(customers=n).splitlines()])


# --- validity ---------------------------------------------------------------------------------


def _check_lines(value: Any) -> set[str]:
    assert isinstance(value, list) and value
    seen: set[str] = set()
    for ln in value:
        assert set(ln) == {"product", "licenses"}, ln
        assert ln["product"] in PRODUCTS and ln["product"] not in seen
        assert isinstance(ln["licenses"], int) and ln["licenses"] >= 0
        seen.add(ln["product"])
    return seen


def assert_valid(lines: Iterable[Line]) -> None:
    ids: dict[str, set[str]] = defaultdict(set)
    partners: set[str] = set()
    people: dict[str, str] = {}  # email -> partner
    customers: dict[str, str] = {}  # id -> partner
    users: dict[str, str] = {}  # id -> customer
    emails: set[str] = set()
    items: dict[str, tuple[str, bool, set[str]]] = {}  # id -> (customer, is_trial, products)
    queues: dict[str, str] = {}
    assignment_keys: set[tuple[str, str, str, str]] = set()
    plain_dupes: set[bytes] = set()
    for no, x in enumerate(lines, 1):
        kind = x.get("kind")
        assert kind in KINDS, (no, kind)
        required, optional = KINDS[kind]
        fields = set(x) - {"kind"}
        assert required <= fields, (no, required - fields)
        assert fields <= required | optional, (no, fields - required - optional)
        if "id" in x:
            assert isinstance(x["id"], str) and x["id"]
            if kind in ID_RE:
                assert ID_RE[kind].match(x["id"]), (no, x["id"])
            assert x["id"] not in ids[kind], (no, "duplicate id")
            ids[kind].add(x["id"])
        if kind == "partner":
            partners.add(x["id"])
        elif kind == "partner_user":
            assert x["partner"] in partners
            assert x.get("role", "user") in ROLES
            assert people.get(x["email"], x["partner"]) == x["partner"]
            people[x["email"]] = x["partner"]
            for cid in x.get("customers", []):
                assert customers.get(cid) == x["partner"], (no, cid)
        elif kind == "customer":
            assert x["partner"] in partners
            assert _date(x["created"]) <= D
            tags = x.get("tags", [])
            assert len(tags) <= 5 and len({t.lower() for t in tags}) == len(tags)
            assert all(1 <= len(t) <= 25 for t in tags)
            customers[x["id"]] = x["partner"]
        elif kind == "user":
            assert x["customer"] in customers
            assert x["email"].isascii() and x["email"] not in emails
            assert re.match(r"^[a-z0-9.]+@[a-z0-9.-]+\.example$", x["email"]), x["email"]
            emails.add(x["email"])
            users[x["id"]] = x["customer"]
        elif kind in ("subscription", "trial"):
            assert x["customer"] in customers
            assert _date(x["start"]) <= _date(x["end"])
            products = _check_lines(x["lines"])
            states = SUB_STATES if kind == "subscription" else TRIAL_STATES
            assert x.get("state", "active") in states
            if kind == "subscription":
                assert isinstance(x.get("auto_renew", False), bool)
            assert x["id"] not in items, "trial and subscription ids collide"
            items[x["id"]] = (x["customer"], kind == "trial", products)
        elif kind == "order":
            assert x["subscription"] in items and not items[x["subscription"]][1]
            assert _date(x["date"]) <= D
            assert x["action"] in {"new", "change", "renewal", "cancel"}
            if "lines" in x:
                _check_lines(x["lines"])
            if "amount" in x:
                assert isinstance(x["amount"], int | float) and x["amount"] >= 0
                assert re.match(r"^[A-Z]{3}$", x["currency"])
        elif kind == "invoice":
            assert x["subscription"] in items and not items[x["subscription"]][1]
            assert _date(x["date"]) <= D
            assert isinstance(x["amount"], int | float) and x["amount"] >= 0
            assert x.get("status", "open") in {"paid", "open", "overdue"}
        elif kind == "assignment":
            assert x["user"] in users and x["item"] in items, no
            customer, _, products = items[x["item"]]
            assert users[x["user"]] == customer
            assert x["product"] in products
            frm = _date(x["from"])
            assert frm <= D
            if x.get("to") is not None:
                assert frm < _date(x["to"]) <= D, no
            key = (x["user"], x["item"], x["product"], x["from"])
            assert key not in assignment_keys, (no, key)
            assignment_keys.add(key)
        elif kind == "customer_admin_login":
            assert x["customer"] in customers
            assert _time(x["at"]).date() <= D
            raw = orjson.dumps(x)
            assert raw not in plain_dupes
            plain_dupes.add(raw)
        elif kind == "external_admin":
            assert x["customer"] in customers and x["email"] in people
        elif kind == "call_queue":
            assert x["customer"] in customers and x["name"]
            queues[x["id"]] = x["customer"]
        elif kind == "meeting":
            assert users.get(x["host"]) == x["customer"]
            assert all(users.get(u) == x["customer"] for u in x.get("participants", []))
            assert x["host"] not in x.get("participants", [])
            assert _time(x["start"]).date() <= D and x["duration_s"] > 0
        elif kind == "call":
            assert users.get(x["user"]) == x["customer"]
            assert _time(x["start"]).date() <= D and x["duration_s"] >= 0
            assert x["endpoint"] in ENDPOINTS
            assert x.get("type", "webex_calling") in {"webex_calling", "call_on_webex"}
            assert x.get("direction", "outbound") in {"inbound", "outbound", "internal"}
            q = x.get("quality", {})
            assert set(q) <= {"mos", "jitter_ms", "loss_pct", "latency_ms"}
            assert all(isinstance(v, int | float) and v >= 0 for v in q.values())
            features = x.get("features", [])
            assert set(features) <= FEATURES and len(set(features)) == len(features)
            if "queue" in x:
                qu = x["queue"]
                assert set(qu) == {"id", "wait_s", "outcome"}
                assert queues.get(qu["id"]) == x["customer"]
                assert qu["wait_s"] >= 0 and qu["outcome"] in OUTCOMES
    # at most one in-force trial per customer, on every day
    # (checked in test_one_in_force_trial with dates)


def test_every_line_is_valid(lines: list[Line]) -> None:
    assert_valid(lines)


def test_one_in_force_trial_per_customer(world: World) -> None:
    for cid in world.customers:
        trials = [it for it in world.items_of[cid] if it["is_trial"] and world.in_force(it, D)]
        assert len(trials) <= 1, cid


def test_volumes(world: World) -> None:
    n = {k: len(v) for k, v in world.by_kind.items()}
    assert n["customer"] == 250
    assert 7_000 <= n["user"] <= 14_000
    assert 1.5 * n["user"] <= n["assignment"] <= 3.5 * n["user"]
    assert 100_000 <= n["call"] <= 250_000
    assert 25_000 <= n["meeting"] <= 60_000
    sizes = Counter(world.user_customer.values())
    assert min(sizes.values()) >= 5 and max(sizes.values()) <= 200
    assert "resource" not in n


# --- partners and people -----------------------------------------------------------------------


def test_partners_people_and_external_admins(world: World) -> None:
    partners = Counter(c["partner"] for c in world.customers.values())
    assert partners["P1"] >= 0.9 * 250 and 3 <= partners["P2"] <= 0.1 * 250
    people: dict[str, Line] = {}
    for p in world.by_kind["partner_user"]:
        people[p["email"]] = p  # a later line replaces the earlier
    p1_roles = Counter(p.get("role", "user") for p in people.values() if p["partner"] == "P1")
    assert set(p1_roles) == ROLES
    assert p1_roles["sales_admin"] == 2
    p2_people = [p for p in people.values() if p["partner"] == "P2"]
    assert [p["role"] for p in p2_people] == ["partner_full_admin"]
    assert "anna.nowak@northwind.example" in people
    for p in people.values():
        if p.get("role") == "sales_admin":
            assert len(p["customers"]) == 20
    ext = [
        (world.customers[x["customer"]]["partner"], people[x["email"]]["partner"])
        for x in world.by_kind["external_admin"]
    ]
    assert ext.count(("P2", "P1")) >= 2 and ext.count(("P1", "P2")) >= 1


# --- coverage of docs/reference/rules.md -----------------------------------------------------


def test_every_status_occurs(world: World) -> None:
    seen: Counter[str] = Counter()
    for cid in world.p1_customers():
        seen.update(world.statuses(cid))
    expected = {
        "suspended",
        "license_overage",
        "expiring_soon",
        "ready_to_set_up",
        "no_recent_activity",
        "trial",
        "subscription",
        "expired",
    }
    assert set(seen) == expected, seen
    assert all(seen[s] >= 2 for s in expected), seen
    assert seen["subscription"] > 0.6 * len(world.p1_customers())


def test_date_boundaries(world: World) -> None:
    subs = [it for it in world.items.values() if not it["is_trial"]]
    trials = [it for it in world.items.values() if it["is_trial"]]
    ends = {(_date(it["end"]) - D).days for it in subs if world.in_force(it, D)}
    assert {0, 30, 31, 90, 91} <= ends
    auto_ends = {
        (_date(it["end"]) - D).days for it in subs if it.get("auto_renew") and world.in_force(it, D)
    }
    assert {0, 90, 91} <= auto_ends
    starts = {(D - _date(it["start"])).days for it in world.items.values() if world.in_force(it, D)}
    assert {0, 29, 30, 90, 91} <= starts
    assert any(_date(t["end"]) == D and world.in_force(t, D) for t in trials)
    assert any(_date(s["start"]) > D and s["state"] == "provisioning" for s in subs)
    assert any(s["state"] == "suspended" and _date(s["end"]) == D for s in subs)
    assert any(s["state"] == "suspended" and _date(s["end"]) == D - DAY for s in subs)
    assert any(s["state"] == "active" and _date(s["end"]) < D for s in subs)  # lapsed
    last_login = {cid: max(ds) for cid, ds in world.logins.items() if ds}
    assert D - 29 * DAY in last_login.values() and D - 30 * DAY in last_login.values()
    assert any(not world.logins.get(cid) for cid in world.customers)  # never signed in
    states = Counter((it["is_trial"], it.get("state", "active")) for it in world.items.values())
    for key in [(False, s) for s in SUB_STATES] + [(True, s) for s in TRIAL_STATES]:
        assert states[key] >= 1, key
    zero = [it for it in subs if any(ln["licenses"] == 0 for ln in it["lines"])]
    assert zero


def test_orders_and_invoices(world: World) -> None:
    actions = Counter(o["action"] for o in world.by_kind["order"])
    assert set(actions) == {"new", "change", "renewal", "cancel"}
    statuses = Counter(i.get("status", "open") for i in world.by_kind["invoice"])
    assert set(statuses) == {"paid", "open", "overdue"}
    orders = defaultdict(list)
    for o in world.by_kind["order"]:
        orders[o["subscription"]].append(o)
    for sid, sub in world.items.items():
        if sub["is_trial"]:
            continue
        history = orders[sid]
        assert history and history[0]["action"] == "new", sid
        dates = [o["date"] for o in history]
        assert dates == sorted(dates)
        with_lines = [o for o in history if "lines" in o]
        assert with_lines[-1]["lines"] == sub["lines"], sid  # the last order is the current state
        if sub["state"] == "cancelled":
            assert history[-1]["action"] == "cancel"
    suspended = {s["id"] for s in world.items.values() if s.get("state") == "suspended"}
    overdue = {i["subscription"] for i in world.by_kind["invoice"] if i["status"] == "overdue"}
    assert suspended & overdue


def test_assignment_history(world: World) -> None:
    a = world.by_kind["assignment"]
    ended = [x for x in a if x.get("to")]
    assert 0.03 * len(a) < len(ended) < 0.5 * len(a)
    assert any(D - 7 * DAY < _date(x["from"]) <= D for x in a)
    assert any(D - 7 * DAY < _date(x["to"]) <= D for x in ended)
    # converted trials: their users move to the subscription on the conversion day
    moved = 0
    for it in world.items.values():
        if it["is_trial"] and it.get("state") == "converted":
            for x in world.by_kind["assignment"]:
                if x["item"] == it["id"] and not x.get("to"):
                    pytest.fail(f"assignment on converted trial {it['id']} still active")
            moved += 1
    assert moved
    # typical assigned share 40-100 % of the licenses
    ratios = []
    for it in world.scope("meetings") + world.scope("calling"):
        for p in ("meetings", "calling"):
            lic = world.lic(it, p)
            if lic:
                ratios.append(world.assigned(it, p, D) / lic)
    assert 0.55 <= statistics.median(ratios) <= 0.95


# --- coverage of docs/reference/metrics.md ---------------------------------------------------


@pytest.mark.parametrize("product", ["meetings", "calling"])
def test_subscription_analytics_sections(world: World, product: str) -> None:
    scope = world.scope(product)
    assert {it["is_trial"] for it in scope} == {True, False}
    recent = [it for it in scope if 0 <= (D - _date(it["start"])).days <= 90]
    assert len({it["customer"] for it in recent}) >= 5
    assert {it["is_trial"] for it in recent} == {True, False}
    expiring = [
        it
        for it in scope
        if (it["is_trial"] or not it.get("auto_renew")) and 0 <= (_date(it["end"]) - D).days <= 90
    ]
    assert len({it["customer"] for it in expiring}) >= 5
    assert {it["is_trial"] for it in expiring} == {True, False}
    renewing = [
        it
        for it in scope
        if not it["is_trial"] and it.get("auto_renew") and 0 <= (_date(it["end"]) - D).days <= 90
    ]
    assert len({it["customer"] for it in renewing}) >= 5
    cohort = [it for it in scope if (D - _date(it["start"])).days >= 30]
    ratios = {it["id"]: world.assigned(it, product, D) / world.total(it, product) for it in cohort}
    median = statistics.median(ratios.values())
    low = [it for it in cohort if ratios[it["id"]] < median / 2]
    assert len({it["customer"] for it in low}) >= 3, (median, len(low))
    assert any(ratios[it["id"]] < median / 4 for it in low)  # far below
    assert len(low) < 0.25 * len(cohort)
    over = [it for it in scope if world.assigned(it, product, D) > world.total(it, product)]
    assert len({it["customer"] for it in over}) >= 2
    # weekly changes exist: assigned(D) differs from assigned(D-7) on some items
    assert any(
        world.assigned(it, product, D) != world.assigned(it, product, D - 7 * DAY) for it in scope
    )


def test_messaging_only_customers(world: World) -> None:
    only = [
        cid
        for cid in world.p1_customers()
        if world.items_of[cid]
        and all(
            {ln["product"] for ln in it["lines"]} == {"messaging"} for it in world.items_of[cid]
        )
        and any(world.in_force(it, D) for it in world.items_of[cid])
    ]
    assert len(only) >= 3


def test_other_products_occur(world: World) -> None:
    products = {ln["product"] for it in world.items.values() for ln in it["lines"]}
    assert products == PRODUCTS


def _weeks() -> list[tuple[dt.date, dt.date]]:
    end = D - dt.timedelta(days=(D.weekday() + 1) % 7)  # latest Sunday <= D
    return [(end - (k + 1) * 7 * DAY, end - k * 7 * DAY) for k in range(8)]  # W0 … W7


def test_calling_coverage(world: World) -> None:
    calls = world.by_kind["call"]
    assert {c["endpoint"] for c in calls} == ENDPOINTS
    types = Counter(c.get("type", "webex_calling") for c in calls)
    assert 0.02 < types["call_on_webex"] / len(calls) < 0.1
    assert {c.get("direction", "outbound") for c in calls} == {"inbound", "outbound", "internal"}
    features = Counter(f for c in calls for f in c.get("features", []))
    assert set(features) == FEATURES
    outcomes = Counter(c["queue"]["outcome"] for c in calls if "queue" in c)
    assert set(outcomes) == OUTCOMES
    # quality: sometimes missing, sometimes partial, poor by each criterion
    missing = sum(1 for c in calls if "quality" not in c)
    partial = sum(1 for c in calls if 0 < len(c.get("quality", {})) < 4)
    assert missing > 100 and partial > 100
    q = [c.get("quality", {}) for c in calls]
    assert any(x.get("loss_pct", 0) > 5 for x in q)
    assert any(x.get("jitter_ms", 0) > 150 for x in q)
    assert any(x.get("latency_ms", 0) > 400 for x in q)
    assert any(x.get("mos", 5) < 3.0 for x in q)

    def poor(x: dict[str, float]) -> bool:
        return (
            x.get("loss_pct", 0) > 5
            or x.get("jitter_ms", 0) > 150
            or x.get("latency_ms", 0) > 400
            or x.get("mos", 5) < 3.0
        )

    by_ep: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in calls:
        by_ep[c["endpoint"]][0] += 1
        by_ep[c["endpoint"]][1] += poor(c.get("quality", {}))
    rate = {e: p / n for e, (n, p) in by_ep.items()}
    assert rate["analog_adapter"] > rate["ip_phone"] and rate["third_party"] > rate["ip_phone"]
    assert 0.01 < sum(p for _, p in by_ep.values()) / len(calls) < 0.15

    # weekly volume per licensed calling user spans none, low, medium and high in every week
    weeks = _weeks()
    per_user_week: Counter[tuple[str, int]] = Counter()
    for c in calls:
        if c.get("type", "webex_calling") != "webex_calling":
            continue
        day = _time(c["start"]).date()
        for k, (a, b) in enumerate(weeks):
            if a <= day < b:
                per_user_week[(c["user"], k)] += 1
    for k, (_, b) in enumerate(weeks):
        saturday = b - DAY
        licensed = {
            a["user"]
            for (item, p), rows in world.assigns.items()
            if p == "calling" and world.in_force(world.items[item], saturday)
            for a in rows
            if _date(a["from"]) <= saturday and (not a.get("to") or saturday < _date(a["to"]))
        }
        buckets: Counter[str] = Counter()
        for u in licensed:
            n = per_user_week[(u, k)]
            buckets["none" if n == 0 else "low" if n <= 5 else "medium" if n <= 20 else "high"] += 1
        assert set(buckets) == {"none", "low", "medium", "high"}, (k, buckets)

    # every one of the 8 weeks has calls; some customer's calls fall sharply W1 -> W0
    w0, w1 = weeks[0], weeks[1]
    per_cust: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in calls:
        day = _time(c["start"]).date()
        if w0[0] <= day < w0[1]:
            per_cust[c["customer"]][0] += 1
        elif w1[0] <= day < w1[1]:
            per_cust[c["customer"]][1] += 1
    assert any(b > 20 and a < 0.75 * b for a, b in per_cust.values())
    assert all(any(a <= _time(c["start"]).date() < b for c in calls[::50]) for a, b in weeks)
    # a calling customer in scope without any call (a zero row in customers_usage)
    calling_customers = {it["customer"] for it in world.scope("calling")}
    assert calling_customers - {c["customer"] for c in calls}


def test_call_queues(world: World) -> None:
    queue_customers = {q["customer"] for q in world.by_kind["call_queue"]}
    calling_customers = {it["customer"] for it in world.scope("calling")}
    share = len(queue_customers & calling_customers) / len(calling_customers)
    assert 0.1 <= share <= 0.35
    with_queue_calls = {c["customer"] for c in world.by_kind["call"] if "queue" in c}
    assert len(with_queue_calls) >= 5
    for c in world.by_kind["call"]:
        if "queue" in c:
            assert "call_queue" in c.get("features", [])
    abandoned: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for c in world.by_kind["call"]:
        if "queue" in c:
            total[c["customer"]] += 1
            abandoned[c["customer"]] += c["queue"]["outcome"] in ("abandoned", "voicemail")
    pct = [abandoned[k] / total[k] for k in total if total[k] >= 20]
    assert max(pct) > 0.2 and min(pct) < 0.1


def test_meetings(world: World) -> None:
    meetings = world.by_kind["meeting"]
    assert all(m.get("participants") for m in meetings[:1000])
    hosts = Counter(m["host"] for m in meetings)
    assert len(hosts) > 1000
    days = {_time(m["start"]).date() for m in meetings}
    assert min(days) <= D - 89 * DAY and max(days) == D


# --- the generator's vocabulary is the domain's ----------------------------------------------


def test_the_generator_s_vocabulary_is_the_domain_s() -> None:
    """The copies the generator keeps equal their originals, and its tables cover them.

    activity.models needs Django's app registry, which the generator runs without, so its
    endpoints, features and queue outcomes are copied; the products and months_between are the
    domain's own.
    """
    assert tuple(activity.Endpoint.values) == vocabulary.ENDPOINTS
    assert vocabulary.FEATURES == activity.FEATURES
    assert tuple(activity.QueueOutcome.values) == vocabulary.QUEUE_OUTCOMES
    assert tuple(Product.values) == vocabulary.PRODUCTS
    assert orders.months_between is clock.months_between
    # tables indexed or keyed by them
    assert set(partners.PRICE) == set(Product.values)
    assert {role or Role.USER for _, _, role in partners.PEOPLE} <= set(Role.values)
    for table in (
        calls.ENDPOINT_SHARE,
        calls.ENDPOINT_POOR,
        calls.ENDPOINT_JITTER,
        calls.ENDPOINT_LOSS,
        calls.ENDPOINT_LATENCY,
    ):
        assert len(table) == len(vocabulary.ENDPOINTS)


# --- names ------------------------------------------------------------------------------------


def test_names_helpers() -> None:
    assert names.fold("Łukasz Wróbel") == "Lukasz Wrobel"
    assert names.email_local("Paweł Dąbrowski") == "pawel.dabrowski"
    assert companies.email_domain("Müller & Söhne GmbH") == "muller-sohne.example"
    assert companies.email_domain("Jantar Logistyka Sp. z o.o.") == "jantar-logistyka.example"
    assert companies.with_qualifier("Jantar Sp. z o.o.", "Gdańsk") == "Jantar Gdańsk Sp. z o.o."
    import random

    rng = random.Random(5)
    for country in names.COUNTRIES:
        display, local = names.person(rng, country)
        assert " " in display and local.isascii() and "." in local
        assert companies.company_name(rng, country)


def test_customer_names_are_unique_and_local(world: World) -> None:
    names_ = [c["name"] for c in world.customers.values()]
    assert len(set(names_)) == len(names_)
    pl = [c["name"] for c in world.customers.values() if c["country"] == "PL"]
    assert sum("Sp. z o.o." in n or "S.A." in n or "Sp." in n for n in pl) >= 0.8 * len(pl)
    countries = Counter(c["country"] for c in world.customers.values())
    assert set(countries) == set(names.COUNTRIES)
