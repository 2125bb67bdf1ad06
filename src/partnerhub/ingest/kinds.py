"""The kinds of docs/reference/dataset.md#kinds: their fields, and how a line becomes staging rows.

Each kind lists its fields with a checker (`fields.py`) and a builder that applies the rules across
fields and appends the line's staging rows (`lines.parse_line` drives them). References to other
records are only noted here (`Chunk.ref`); whether they exist is decided in SQL (`merge.py`,
`checks.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from partnerhub.ingest import fields as f


class FieldBad(Exception):
    """A line that is bad as a whole (a rule across fields), naming the field to blame."""

    def __init__(self, field_name: str, msg: str) -> None:
        super().__init__(msg)
        self.field = field_name
        self.msg = msg


@dataclass
class Chunk:
    """What one chunk of lines declared and referred to, to find forward references and repeats.

    Memory is bounded by the chunk size: it is reset after every chunk.
    """

    declared: dict[str, dict[str, int]] = field(default_factory=dict)
    pending: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)
    item_is_trial: dict[str, bool] = field(default_factory=dict)
    seen: dict[str, set[Any]] = field(default_factory=dict)
    dups: set[str] = field(default_factory=set)

    def declare(self, kind: str, ext_id: str, seq: int) -> None:
        known = self.declared.setdefault(kind, {})
        if ext_id in known:
            self.dups.add(kind)
        else:
            known[ext_id] = seq

    def ref(self, kind: str, ext_id: str, seq: int, field_name: str) -> None:
        if ext_id in self.declared.get(kind, ()):
            return
        self.pending.setdefault(kind, {}).setdefault(ext_id, (seq, field_name))

    def see(self, table: str, key: Any) -> None:
        seen = self.seen.setdefault(table, set())
        if key in seen:
            self.dups.add(table)
        else:
            seen.add(key)

    def forward_refs(self) -> dict[str, list[tuple[str, int, str]]]:
        """References to ids this chunk declares only later: kind -> [(id, seq, field)]."""
        out: dict[str, list[tuple[str, int, str]]] = {}
        for kind, refs in self.pending.items():
            declared = self.declared.get(kind, {})
            for ext_id, (seq, field_name) in refs.items():
                if ext_id in declared:
                    out.setdefault(kind, []).append((ext_id, seq, field_name))
        return out


@dataclass
class Context:
    """Settings of one load that parsing needs, and the rows of the batch being filled."""

    scope_partner: str | None  # ext id of the partner an API caller may feed; None for the CLI
    ts: Callable[[dt.datetime], Any]  # a time as the database's staging column wants it
    day: Callable[[dt.date], Any]  # a computed date likewise
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    chunk: Chunk = field(default_factory=Chunk)
    weeks: dict[dt.date, Any] = field(default_factory=dict)
    days: dict[dt.date, Any] = field(default_factory=dict)

    def out(self, table: str) -> list[tuple[Any, ...]]:
        rows = self.rows.get(table)
        if rows is None:
            rows = self.rows[table] = []
        return rows

    def day_and_week(self, start: dt.datetime) -> tuple[Any, Any]:
        """A time's UTC day and the Sunday starting its week (docs/reference/rules.md#weeks)."""
        day = start.date()
        out_day = self.days.get(day)
        if out_day is None:
            out_day = self.days[day] = self.day(day)
            sunday = day - dt.timedelta(days=(day.weekday() + 1) % 7)
            self.weeks[day] = self.day(sunday)
        return out_day, self.weeks[day]


@dataclass(frozen=True)
class Field:
    name: str
    check: f.Checker
    required: bool = False
    default: Any = None


@dataclass(frozen=True)
class Kind:
    """One `kind` of line: its fields in order and the builder of its staging rows."""

    name: str
    fields: tuple[Field, ...]
    build: Callable[[Context, int, list[Any]], None]
    api: bool = True  # may a partner send it to POST /api/v1/ingest
    id_field: str | None = "id"  # the field naming the record, for `badid`
    ref_kind: str | None = None  # the kind other lines refer to it as

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(fd.name for fd in self.fields) | {"kind"}


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


# --- builders: cross-field rules first (they raise before anything is recorded), then rows ------


def _partner(ctx: Context, seq: int, v: list[Any]) -> None:
    ext_id, name, country = v
    ctx.out("partner").append((seq, ext_id, name, country))
    ctx.chunk.declare("partner", ext_id, seq)


def _partner_user(ctx: Context, seq: int, v: list[Any]) -> None:
    partner, email, name, role, customers = v
    ctx.out("partner_user").append(
        (seq, email, partner, name, role, customers is not None, make_password(None))
    )
    ctx.chunk.ref("partner", partner, seq, "partner")
    if customers:
        out = ctx.out("pu_customer")
        for customer in customers:
            out.append((seq, email, partner, customer))
            ctx.chunk.ref("customer", customer, seq, "customers")
    ctx.chunk.declare("partner_user", email, seq)


def _customer(ctx: Context, seq: int, v: list[Any]) -> None:
    ext_id, partner, name, created, country, tags = v
    if ctx.scope_partner is not None and partner != ctx.scope_partner:
        raise FieldBad("partner", _("you may load only customers of your own partner"))
    ctx.out("customer").append(
        (seq, ext_id, partner, name, ctx.day(created), country, tags is not None)
    )
    if tags:
        out = ctx.out("customer_tag")
        for tag in tags:
            out.append((seq, ext_id, tag))
    ctx.chunk.ref("partner", partner, seq, "partner")
    ctx.chunk.declare("customer", ext_id, seq)


def _external_admin(ctx: Context, seq: int, v: list[Any]) -> None:
    customer, email = v
    ctx.out("external_admin").append((seq, customer, email))
    ctx.chunk.ref("customer", customer, seq, "customer")
    ctx.chunk.ref("partner_user", email, seq, "email")


def _admin_login(ctx: Context, seq: int, v: list[Any]) -> None:
    customer, at = v
    ctx.out("admin_login").append((seq, customer, ctx.ts(at)))
    ctx.chunk.ref("customer", customer, seq, "customer")


def _item(
    ctx: Context, seq: int, ext_id: str, customer: str, is_trial: bool, start: dt.date,
    end: dt.date, lines: list[tuple[str, int]], auto_renew: bool, state: str,
) -> None:  # fmt: skip
    if end < start:
        raise FieldBad(
            "end", _("the end %(end)s is before the start %(start)s") % {"end": end, "start": start}
        )
    earlier = ctx.chunk.item_is_trial.get(ext_id)
    if earlier is not None and earlier != is_trial:
        raise FieldBad("id", _id_collision(ext_id, earlier))
    ctx.chunk.item_is_trial[ext_id] = is_trial
    ctx.out("item").append(
        (seq, ext_id, customer, is_trial, ctx.day(start), ctx.day(end), auto_renew, state)
    )
    out = ctx.out("item_line")
    for product, licenses in lines:
        out.append((seq, ext_id, product, licenses))
    ctx.chunk.ref("customer", customer, seq, "customer")
    ctx.chunk.declare("item", ext_id, seq)


def _id_collision(ext_id: str, existing_is_trial: bool) -> str:
    if existing_is_trial:
        return _("%(id)r is already the id of a trial") % {"id": ext_id}
    return _("%(id)r is already the id of a subscription") % {"id": ext_id}


def _subscription(ctx: Context, seq: int, v: list[Any]) -> None:
    ext_id, customer, start, end, lines, auto_renew, state = v
    _item(ctx, seq, ext_id, customer, False, start, end, lines, auto_renew, state)


def _trial(ctx: Context, seq: int, v: list[Any]) -> None:
    ext_id, customer, start, end, lines, state = v
    _item(ctx, seq, ext_id, customer, True, start, end, lines, False, state)


def _order(ctx: Context, seq: int, v: list[Any]) -> None:
    ext_id, subscription, on_date, action, lines, amount, currency = v
    if amount is not None and not currency:
        raise FieldBad("currency", _("an order with an amount needs its currency"))
    payload = _json([{"product": p, "licenses": n} for p, n in lines or ()])
    ctx.out("order").append(
        (seq, ext_id, subscription, ctx.day(on_date), action, payload, amount, currency)
    )
    ctx.chunk.ref("item", subscription, seq, "subscription")
    ctx.chunk.see("order", ext_id)


def _invoice(ctx: Context, seq: int, v: list[Any]) -> None:
    ext_id, subscription, on_date, amount, currency, status = v
    ctx.out("invoice").append(
        (seq, ext_id, subscription, ctx.day(on_date), amount, currency, status)
    )
    ctx.chunk.ref("item", subscription, seq, "subscription")
    ctx.chunk.see("invoice", ext_id)


def _user(ctx: Context, seq: int, v: list[Any]) -> None:
    ext_id, customer, email, name = v
    ctx.out("user").append((seq, ext_id, customer, email, name))
    ctx.chunk.ref("customer", customer, seq, "customer")
    ctx.chunk.declare("user", ext_id, seq)


def _assignment(ctx: Context, seq: int, v: list[Any]) -> None:
    user, item, product, from_, to = v
    if to is not None and to < from_:
        raise FieldBad(
            "to", _("the end %(to)s is before the start %(from)s") % {"to": to, "from": from_}
        )
    day = ctx.day
    ctx.out("assignment").append(
        (seq, user, item, product, day(from_), None if to is None else day(to))
    )
    chunk = ctx.chunk
    chunk.ref("user", user, seq, "user")
    chunk.ref("item", item, seq, "item")
    chunk.see("assignment", (user, item, product, from_))


def _call_queue(ctx: Context, seq: int, v: list[Any]) -> None:
    ext_id, customer, name = v
    ctx.out("call_queue").append((seq, ext_id, customer, name))
    ctx.chunk.ref("customer", customer, seq, "customer")
    ctx.chunk.declare("call_queue", ext_id, seq)


def _meeting(ctx: Context, seq: int, v: list[Any]) -> None:
    ext_id, customer, host, start, duration, participants = v
    day, _week = ctx.day_and_week(start)
    ctx.out("meeting").append((seq, ext_id, customer, host, ctx.ts(start), duration, day))
    chunk = ctx.chunk
    chunk.ref("customer", customer, seq, "customer")
    chunk.ref("user", host, seq, "host")
    if participants:
        out = ctx.out("participant")
        for user in participants:
            if user != host:  # the host is not repeated among the participants
                out.append((seq, ext_id, customer, user, day))
                chunk.ref("user", user, seq, "participants")
    chunk.see("meeting", ext_id)


def _call(ctx: Context, seq: int, v: list[Any]) -> None:
    ext_id, customer, user, start, duration, endpoint, call_type, direction, q, feats, queue = v
    day, week = ctx.day_and_week(start)
    queue_id, wait, outcome = queue if queue is not None else (None, None, None)
    ctx.out("call").append(
        (seq, ext_id, customer, user, ctx.ts(start), week, day, duration, endpoint, call_type,
         direction, q[0], q[1], q[2], q[3], feats, queue_id, wait, outcome)
    )  # fmt: skip
    chunk = ctx.chunk
    chunk.ref("customer", customer, seq, "customer")
    chunk.ref("user", user, seq, "user")
    if queue_id is not None:
        chunk.ref("call_queue", queue_id, seq, "queue")
    chunk.see("call", ext_id)


def _resource(ctx: Context, seq: int, v: list[Any]) -> None:
    ext_id, title, url, rtype, products, summary, language, featured, quick_link = v
    ctx.out("resource").append(
        (seq, ext_id, title, url, rtype, _json(products), summary, language, featured, quick_link)
    )
    ctx.chunk.see("resource", ext_id)


_NAME = f.text(f.MAX_NAME)
_NO_QUALITY = (None, None, None, None)
_ITEM_FIELDS = (
    Field("id", f.ident, True),
    Field("customer", f.ident, True),
    Field("start", f.date, True),
    Field("end", f.date, True),
    Field("lines", f.license_lines, True),
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "partner",
            (
                Field("id", f.ident, True),
                Field("name", _NAME, True),
                Field("country", f.country, default=""),
            ),
            _partner,
            api=False,
            ref_kind="partner",
        ),
        Kind(
            "partner_user",
            (
                Field("partner", f.ident, True),
                Field("email", f.email, True),
                Field("name", _NAME, True),
                Field("role", f.choice(f.ROLES), default="user"),
                Field("customers", f.id_list),
            ),
            _partner_user,
            api=False,
            id_field="email",
            ref_kind="partner_user",
        ),
        Kind(
            "customer",
            (
                Field("id", f.ident, True),
                Field("partner", f.ident, True),
                Field("name", _NAME, True),
                Field("created", f.date, True),
                Field("country", f.country, default=""),
                Field("tags", f.tag_list),
            ),
            _customer,
            ref_kind="customer",
        ),
        Kind(
            "external_admin",
            (Field("customer", f.ident, True), Field("email", f.email, True)),
            _external_admin,
            id_field=None,
        ),
        Kind(
            "customer_admin_login",
            (Field("customer", f.ident, True), Field("at", f.timestamp, True)),
            _admin_login,
            id_field=None,
        ),
        Kind(
            "subscription",
            (
                *_ITEM_FIELDS,
                Field("auto_renew", f.boolean, default=False),
                Field("state", f.choice(f.SUB_STATES), default="active"),
            ),
            _subscription,
            ref_kind="item",
        ),
        Kind(
            "trial",
            (*_ITEM_FIELDS, Field("state", f.choice(f.TRIAL_STATES_SET), default="active")),
            _trial,
            ref_kind="item",
        ),
        Kind(
            "order",
            (
                Field("id", f.ident, True),
                Field("subscription", f.ident, True),
                Field("date", f.date, True),
                Field("action", f.choice(f.ORDER_ACTIONS), True),
                Field("lines", f.license_lines),
                Field("amount", f.money),
                Field("currency", f.currency, default=""),
            ),
            _order,
        ),
        Kind(
            "invoice",
            (
                Field("id", f.ident, True),
                Field("subscription", f.ident, True),
                Field("date", f.date, True),
                Field("amount", f.money, True),
                Field("currency", f.currency, True),
                Field("status", f.choice(f.INVOICE_STATUSES), default="open"),
            ),
            _invoice,
        ),
        Kind(
            "user",
            (
                Field("id", f.ident, True),
                Field("customer", f.ident, True),
                Field("email", f.email, True),
                Field("name", f.text(f.MAX_NAME, blank=True), default=""),
            ),
            _user,
            ref_kind="user",
        ),
        Kind(
            "assignment",
            (
                Field("user", f.ident, True),
                Field("item", f.ident, True),
                Field("product", f.choice(f.PRODUCTS), True),
                Field("from", f.date, True),
                Field("to", f.date),
            ),
            _assignment,
            id_field=None,
        ),
        Kind(
            "call_queue",
            (
                Field("id", f.ident, True),
                Field("customer", f.ident, True),
                Field("name", _NAME, True),
            ),
            _call_queue,
            ref_kind="call_queue",
        ),
        Kind(
            "meeting",
            (
                Field("id", f.ident, True),
                Field("customer", f.ident, True),
                Field("host", f.ident, True),
                Field("start", f.timestamp, True),
                Field("duration_s", f.non_negative, True),
                Field("participants", f.id_list),
            ),
            _meeting,
        ),
        Kind(
            "call",
            (
                Field("id", f.ident, True),
                Field("customer", f.ident, True),
                Field("user", f.ident, True),
                Field("start", f.timestamp, True),
                Field("duration_s", f.non_negative, True),
                Field("endpoint", f.choice(f.ENDPOINTS), True),
                Field("type", f.choice(f.CALL_TYPES), default="webex_calling"),
                Field("direction", f.choice(f.DIRECTIONS), default="outbound"),
                Field("quality", f.quality, default=_NO_QUALITY),
                Field("features", f.features, default=0),
                Field("queue", f.queue),
            ),
            _call,
        ),
        Kind(
            "resource",
            (
                Field("id", f.ident, True),
                Field("title", f.text(300), True),
                Field("url", f.text(500), True),
                Field("type", f.choice(f.RESOURCE_TYPES), True),
                Field("products", f.product_list, default=[]),
                Field("summary", f.text(10_000, blank=True), default=""),
                Field("language", f.text(8), default="en"),
                Field("featured", f.boolean, default=False),
                Field("quick_link", f.boolean, default=False),
            ),
            _resource,
            api=False,
        ),
    )
}
ALLOWED = {name: kind.allowed for name, kind in KINDS.items()}


def all_problems(
    ctx: Context, kind: Kind, obj: dict[str, Any], seq: int
) -> list[tuple[str | None, str]]:
    """Every problem of a bad line, one per field (the slow path, only for bad lines)."""
    problems: list[tuple[str | None, str]] = [
        (key, _("unknown field")) for key in sorted(obj.keys() - ALLOWED[kind.name])
    ]
    values: list[Any] = []
    for fd in kind.fields:
        value = obj.get(fd.name)
        if value is None:
            if fd.required:
                problems.append((fd.name, _("this field is required")))
            values.append(fd.default)
            continue
        try:
            values.append(fd.check(value))
        except f.Bad as exc:
            problems.append((fd.name + exc.sub, exc.msg))
            values.append(None)
    if not problems:
        try:
            kind.build(ctx, seq, values)
        except FieldBad as exc:
            problems.append((exc.field, exc.msg))
    return problems
