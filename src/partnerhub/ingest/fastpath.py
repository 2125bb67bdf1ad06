"""Fast checks for the kinds that make up almost every line of a large file (calls, meetings …).

Each function accepts only lines that are plainly valid and stages them exactly as the generic path
of `kinds.py` would; on anything unusual it answers False and the generic path decides (and names
the problems). `tests/test_ingest_fastpath.py` holds the two paths to the same results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from partnerhub.ingest import fields as f
from partnerhub.ingest.kinds import KINDS, Context

_fromisoformat = dt.datetime.fromisoformat
_date_fromisoformat = dt.date.fromisoformat
_UTC = dt.UTC
_FIRST_TIME = f.FIRST_TIME
_MAX = f.MAX_NUMBER
_CALL_KEYS = KINDS["call"].allowed
_MEETING_KEYS = KINDS["meeting"].allowed
_USER_KEYS = KINDS["user"].allowed
_ASSIGNMENT_KEYS = KINDS["assignment"].allowed
_QUALITY_KEYS = frozenset({"mos", "jitter_ms", "loss_pct", "latency_ms"})
_QUEUE_KEYS = frozenset({"id", "wait_s", "outcome"})
_FEATURE_BITS = f.FEATURE_BITS


def _id(value: Any) -> bool:
    """`fields.ident` accepts it (a non-empty string of at most 64 characters, not all blank)."""
    return type(value) is str and 0 < len(value) <= 64 and not value[0].isspace()


def _time(value: Any) -> dt.datetime | None:
    if type(value) is not str or len(value) < 16:
        return None
    try:
        parsed = _fromisoformat(value)
    except ValueError:
        return None
    tz = parsed.tzinfo
    if tz is None:
        return None
    try:
        utc = parsed if tz is _UTC else parsed.astimezone(_UTC)
    except OverflowError:
        return None
    return utc if utc >= _FIRST_TIME else None


def _number(value: Any) -> float | None:
    """`fields.non_negative`, or None when it would refuse the value."""
    kind = type(value)
    if kind is float or kind is int:
        return float(value) if 0 <= value <= _MAX else None
    return None


def _optional_number(value: Any) -> tuple[bool, float | None]:
    if value is None:
        return True, None
    number = _number(value)
    return number is not None, number


def _date(value: Any) -> dt.date | None:
    if type(value) is not str or len(value) != 10 or value[4] != "-" or value[7] != "-":
        return None
    try:
        return _date_fromisoformat(value)
    except ValueError:
        return None


def call(ctx: Context, obj: dict[str, Any], seq: int) -> bool:
    if not obj.keys() <= _CALL_KEYS:
        return False
    ext_id: Any = obj.get("id")
    customer: Any = obj.get("customer")
    user: Any = obj.get("user")
    if not (_id(ext_id) and _id(customer) and _id(user)):
        return False
    start = _time(obj.get("start"))
    duration = _number(obj.get("duration_s"))
    endpoint = obj.get("endpoint")
    if (
        start is None
        or duration is None
        or type(endpoint) is not str
        or endpoint not in f.ENDPOINTS
    ):
        return False
    call_type = obj.get("type")
    if call_type is None:
        call_type = "webex_calling"
    elif type(call_type) is not str or call_type not in f.CALL_TYPES:
        return False
    direction = obj.get("direction")
    if direction is None:
        direction = "outbound"
    elif type(direction) is not str or direction not in f.DIRECTIONS:
        return False
    mos = jitter = loss = latency = None
    quality = obj.get("quality")
    if quality is not None:
        if type(quality) is not dict or not quality.keys() <= _QUALITY_KEYS:
            return False
        ok1, mos = _optional_number(quality.get("mos"))
        ok2, jitter = _optional_number(quality.get("jitter_ms"))
        ok3, loss = _optional_number(quality.get("loss_pct"))
        ok4, latency = _optional_number(quality.get("latency_ms"))
        if not (ok1 and ok2 and ok3 and ok4):
            return False
    mask = 0
    features = obj.get("features")
    if features is not None:
        if type(features) is not list:
            return False
        for name in features:
            bit = _FEATURE_BITS.get(name) if type(name) is str else None
            if bit is None:
                return False
            mask |= bit
    queue_id = wait = outcome = None
    queue = obj.get("queue")
    if queue is not None:
        if type(queue) is not dict or not queue.keys() <= _QUEUE_KEYS:
            return False
        queue_id = queue.get("id")
        outcome = queue.get("outcome")
        ok, wait = _optional_number(queue.get("wait_s"))
        if not ok or not _id(queue_id):
            return False
        if outcome is not None and (type(outcome) is not str or outcome not in f.QUEUE_OUTCOMES):
            return False
    day, week = ctx.day_and_week(start)
    ctx.out("call").append(
        (seq, ext_id, customer, user, ctx.ts(start), week, day, duration, endpoint, call_type,
         direction, mos, jitter, loss, latency, mask, queue_id, wait, outcome)
    )  # fmt: skip
    chunk = ctx.chunk
    chunk.ref("customer", customer, seq, "customer")
    chunk.ref("user", user, seq, "user")
    if queue_id is not None:
        chunk.ref("call_queue", queue_id, seq, "queue")
    chunk.see("call", ext_id)
    return True


def meeting(ctx: Context, obj: dict[str, Any], seq: int) -> bool:
    if not obj.keys() <= _MEETING_KEYS:
        return False
    ext_id: Any = obj.get("id")
    customer: Any = obj.get("customer")
    host: Any = obj.get("host")
    if not (_id(ext_id) and _id(customer) and _id(host)):
        return False
    start = _time(obj.get("start"))
    duration = _number(obj.get("duration_s"))
    if start is None or duration is None:
        return False
    participants = obj.get("participants")
    if participants is not None:
        if type(participants) is not list:
            return False
        for user in participants:
            if not _id(user):
                return False
    day, _week = ctx.day_and_week(start)
    ctx.out("meeting").append((seq, ext_id, customer, host, ctx.ts(start), duration, day))
    chunk = ctx.chunk
    chunk.ref("customer", customer, seq, "customer")
    chunk.ref("user", host, seq, "host")
    if participants:
        out = ctx.out("participant")
        for user in dict.fromkeys(participants):
            if user != host:
                out.append((seq, ext_id, customer, user, day))
                chunk.ref("user", user, seq, "participants")
    chunk.see("meeting", ext_id)
    return True


def user(ctx: Context, obj: dict[str, Any], seq: int) -> bool:
    if not obj.keys() <= _USER_KEYS:
        return False
    ext_id: Any = obj.get("id")
    customer: Any = obj.get("customer")
    email: Any = obj.get("email")
    name = obj.get("name")
    if not (_id(ext_id) and _id(customer)) or type(email) is not str:
        return False
    if name is None:
        name = ""
    elif type(name) is not str or len(name) > f.MAX_NAME:
        return False
    try:
        email = f.email(email)
    except f.Bad:
        return False
    ctx.out("user").append((seq, ext_id, customer, email, name))
    ctx.chunk.ref("customer", customer, seq, "customer")
    ctx.chunk.declare("user", ext_id, seq)
    return True


def assignment(ctx: Context, obj: dict[str, Any], seq: int) -> bool:
    if not obj.keys() <= _ASSIGNMENT_KEYS:
        return False
    user_id: Any = obj.get("user")
    item: Any = obj.get("item")
    product = obj.get("product")
    from_ = _date(obj.get("from"))
    to: Any = obj.get("to")
    if not (_id(user_id) and _id(item)) or from_ is None:
        return False
    if type(product) is not str or product not in f.PRODUCTS:
        return False
    if to is not None:
        to = _date(to)
        if to is None or to < from_:
            return False
    day = ctx.day
    ctx.out("assignment").append(
        (seq, user_id, item, product, day(from_), None if to is None else day(to))
    )
    chunk = ctx.chunk
    chunk.ref("user", user_id, seq, "user")
    chunk.ref("item", item, seq, "item")
    chunk.see("assignment", (user_id, item, product, from_))
    return True


FAST: dict[str, Callable[[Context, dict[str, Any], int], bool]] = {
    "call": call,
    "meeting": meeting,
    "user": user,
    "assignment": assignment,
}
