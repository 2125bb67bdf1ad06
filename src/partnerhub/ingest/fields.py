"""Checkers for the values of dataset lines: each returns the normalised value or raises `Bad`.

They run once per field of every line of multi-million-line files, so they test exact types
(`type(v) is str`) instead of going through a schema library; `bool` is never taken for a number.
"""

from __future__ import annotations

import datetime as dt
import reprlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerhub.activity.models import FEATURE_BITS, CallType, Direction, Endpoint, QueueOutcome
from partnerhub.core.choices import Product, Role
from partnerhub.resources.models import ResourceType
from partnerhub.subscriptions.models import (
    SUBSCRIPTION_STATES,
    TRIAL_STATES,
    InvoiceStatus,
    OrderAction,
)
from partnerhub.tags.models import MAX_TAG_LENGTH, MAX_TAGS_PER_CUSTOMER

Checker = Callable[[Any], Any]

PRODUCTS = frozenset(Product.values)
ROLES = frozenset(Role.values)
ENDPOINTS = frozenset(Endpoint.values)
CALL_TYPES = frozenset(CallType.values)
DIRECTIONS = frozenset(Direction.values)
QUEUE_OUTCOMES = frozenset(QueueOutcome.values)
ORDER_ACTIONS = frozenset(OrderAction.values)
INVOICE_STATUSES = frozenset(InvoiceStatus.values)
RESOURCE_TYPES = frozenset(ResourceType.values)
SUB_STATES = frozenset(SUBSCRIPTION_STATES)
TRIAL_STATES_SET = frozenset(TRIAL_STATES)

MAX_ID = 64  # every `ext_id` column
MAX_NAME = 200
MAX_EMAIL = 254
MAX_LICENSES = 2_147_483_647  # PositiveIntegerField
MAX_AMOUNT = 10**12  # DecimalField(max_digits=14, decimal_places=2)
MAX_NUMBER = 1e15  # durations, waits and quality measures: anything larger is a unit mistake
UTC = dt.UTC
# The first time whose UTC day and week (docs/reference/rules.md#weeks) are both dates: Python's
# dates start on Monday 0001-01-01. Times after 9999-12-31 UTC are no dates at all.
FIRST_TIME = dt.datetime(1, 1, 7, tzinfo=UTC)


class Bad(Exception):
    """A bad value; `sub` extends the field name for nested values (`[1].product`)."""

    def __init__(self, msg: str, sub: str = "") -> None:
        super().__init__(msg)
        self.msg = msg
        self.sub = sub


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _expected(what: str, value: Any) -> Bad:
    return Bad(_("expected %(what)s, got %(got)s") % {"what": what, "got": _type_name(value)})


def ident(value: Any) -> str:
    """A source-system id: a non-empty string of at most 64 characters."""
    if type(value) is not str:
        raise _expected(_("a string id"), value)
    if not 0 < len(value) <= MAX_ID or not value.strip():
        raise Bad(
            ngettext(
                "an id must be 1 to %(n)d character",
                "an id must be 1 to %(n)d characters",
                MAX_ID,
            )
            % {"n": MAX_ID}
        )
    return value


def text(max_len: int, *, blank: bool = False) -> Checker:
    """A string of at most `max_len` characters (non-blank unless `blank`)."""

    def check(value: Any) -> str:
        if type(value) is not str:
            raise _expected(_("a string"), value)
        if len(value) > max_len:
            raise Bad(
                ngettext("at most %(n)d character", "at most %(n)d characters", max_len)
                % {"n": max_len}
            )
        if not blank and not value.strip():
            raise Bad(_("must not be blank"))
        return value

    return check


def email(value: Any) -> str:
    """An e-mail address, lower-cased (people are keyed by it)."""
    if type(value) is not str:
        raise _expected(_("an e-mail address"), value)
    local, at, domain = value.rpartition("@")
    lowered = value.lower()  # may be longer ("İ" is two characters lower-cased): stored as such
    too_long = len(value) > MAX_EMAIL or len(lowered) > MAX_EMAIL
    if not at or not local or "." not in domain or too_long or " " in value:
        raise Bad(_("%(value)r is not an e-mail address") % {"value": value[:80]})
    return lowered


def date(value: Any) -> dt.date:
    """A `YYYY-MM-DD` date."""
    if type(value) is not str or len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise Bad(_("expected a date as YYYY-MM-DD, got %(value)r") % {"value": short(value)})
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Bad(_("%(value)r is not a valid date") % {"value": value}) from None


def timestamp(value: Any) -> dt.datetime:
    """An ISO 8601 time with a zone (`2026-11-20T09:00:00Z`), converted to UTC."""
    if type(value) is not str or len(value) < 16:
        raise Bad(
            _("expected an ISO 8601 time with a zone, got %(value)r") % {"value": short(value)}
        )
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Bad(_("%(value)r is not an ISO 8601 time") % {"value": value[:40]}) from None
    if parsed.tzinfo is None:
        raise Bad(_("%(value)r has no time zone (add Z or +HH:MM)") % {"value": value[:40]})
    try:
        utc = parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)
    except OverflowError:  # before year 1 or after year 9999 once in UTC
        utc = None
    if utc is None or utc < FIRST_TIME:
        raise Bad(
            _("%(value)r is out of range: times run from 0001-01-07 to 9999-12-31 (UTC)")
            % {"value": value[:40]}
        )
    return utc


class _Brief:
    """A value shown abridged in a message, not whole (it may be a huge or deeply nested list)."""

    # reprlib stops at six levels and a few items: `repr` of a list nested 1,000 deep exhausts
    # the recursion limit, and of a list of a million items fills the message.

    def __init__(self, value: Any) -> None:
        self.text = reprlib.repr(value)

    def __repr__(self) -> str:
        return self.text


def short(value: Any) -> Any:
    """`value` as a message shows it with %r: a string's first 40 characters, else abridged."""
    return value[:40] if type(value) is str else _Brief(value)


def non_negative(value: Any) -> float:
    """A number ≥ 0 (durations, waits, quality measures)."""
    kind = type(value)
    if kind is not int and kind is not float:
        raise _expected(_("a number"), value)
    if not 0 <= value <= MAX_NUMBER:
        raise Bad(_("must be a number from 0 to 1e15, got %(value)r") % {"value": value})
    return float(value)


def count(value: Any) -> int:
    """A whole number ≥ 0 (licenses)."""
    if type(value) is not int:
        raise _expected(_("a whole number"), value)
    if not 0 <= value <= MAX_LICENSES:
        raise Bad(
            _("must be a whole number from 0 to %(n)d, got %(value)r")
            % {"n": MAX_LICENSES, "value": value}
        )
    return value


def money(value: Any) -> Decimal:
    """An amount of money, rounded to cents."""
    kind = type(value)
    if kind is not int and kind is not float:
        raise _expected(_("a number"), value)
    if not abs(value) < MAX_AMOUNT:
        raise Bad(_("must be an amount below %(n)d") % {"n": MAX_AMOUNT})
    amount = Decimal(f"{value:.2f}")
    if not abs(amount) < MAX_AMOUNT:  # 999999999999.999 rounds up to 10^12: too many digits
        raise Bad(_("must be an amount below %(n)d") % {"n": MAX_AMOUNT})
    return amount


def currency(value: Any) -> str:
    """A three-letter ISO 4217 currency code, upper-cased."""
    if type(value) is not str or len(value) != 3 or not value.isascii() or not value.isalpha():
        raise Bad(
            _("expected a three-letter currency code, got %(value)r") % {"value": short(value)}
        )
    return value.upper()


def country(value: Any) -> str:
    """A two-letter ISO 3166 country code, upper-cased ('' when empty)."""
    if value == "":
        return ""
    if type(value) is not str or len(value) != 2 or not value.isascii() or not value.isalpha():
        raise Bad(_("expected a two-letter country code, got %(value)r") % {"value": short(value)})
    return value.upper()


def boolean(value: Any) -> bool:
    """true or false."""
    if type(value) is not bool:
        raise _expected(_("true or false"), value)
    return value


def choice(allowed: frozenset[str]) -> Checker:
    """One of a fixed set of names."""
    listed = ", ".join(sorted(allowed))

    def check(value: Any) -> str:
        if type(value) is not str or value not in allowed:
            raise Bad(
                _("%(value)r is not one of: %(allowed)s")
                % {"value": short(value), "allowed": listed}
            )
        return value

    return check


def _as_list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise _expected(_("a list"), value)
    return value


def id_list(value: Any) -> list[str]:
    """A list of ids, duplicates dropped, order kept."""
    out: dict[str, None] = {}
    for i, item in enumerate(_as_list(value)):
        try:
            out[ident(item)] = None
        except Bad as exc:
            raise Bad(exc.msg, f"[{i}]") from None
    return list(out)


def product_list(value: Any) -> list[str]:
    """A list of product names, duplicates dropped."""
    check = choice(PRODUCTS)
    out: dict[str, None] = {}
    for i, item in enumerate(_as_list(value)):
        try:
            out[check(item)] = None
        except Bad as exc:
            raise Bad(exc.msg, f"[{i}]") from None
    return list(out)


def tag_list(value: Any) -> list[str]:
    """At most 5 tag names of 1–25 characters; names differing only in case are one tag."""
    out: dict[str, str] = {}
    for i, item in enumerate(_as_list(value)):
        if type(item) is not str:
            raise Bad(_expected(_("a tag name"), item).msg, f"[{i}]")
        name = item.strip()
        if not 0 < len(name) <= MAX_TAG_LENGTH:
            raise Bad(
                ngettext(
                    "a tag name has 1 to %(n)d character",
                    "a tag name has 1 to %(n)d characters",
                    MAX_TAG_LENGTH,
                )
                % {"n": MAX_TAG_LENGTH},
                f"[{i}]",
            )
        out.setdefault(name.lower(), name)
    if len(out) > MAX_TAGS_PER_CUSTOMER:
        raise Bad(
            ngettext(
                "a customer carries at most %(n)d tag",
                "a customer carries at most %(n)d tags",
                MAX_TAGS_PER_CUSTOMER,
            )
            % {"n": MAX_TAGS_PER_CUSTOMER}
        )
    return list(out.values())


_LINE_KEYS = frozenset({"product", "licenses"})


def license_lines(value: Any) -> list[tuple[str, int]]:
    """`[{"product": P, "licenses": N}]`, N ≥ 0, each product at most once."""
    check_product = choice(PRODUCTS)
    out: dict[str, int] = {}
    for i, item in enumerate(_as_list(value)):
        if type(item) is not dict:
            raise Bad(_expected(_("an object"), item).msg, f"[{i}]")
        for key in item.keys() - _LINE_KEYS:
            raise Bad(_("unknown field"), f"[{i}].{key}")
        for key in ("product", "licenses"):
            if item.get(key) is None:
                raise Bad(_("this field is required"), f"[{i}].{key}")
        try:
            product = check_product(item["product"])
        except Bad as exc:
            raise Bad(exc.msg, f"[{i}].product") from None
        if product in out:
            raise Bad(
                _("the product %(p)r is listed more than once") % {"p": product}, f"[{i}].product"
            )
        try:
            out[product] = count(item["licenses"])
        except Bad as exc:
            raise Bad(exc.msg, f"[{i}].licenses") from None
    return list(out.items())


def features(value: Any) -> int:
    """A list of call feature names, as the bit mask stored on the call."""
    mask = 0
    for i, item in enumerate(_as_list(value)):
        bit = FEATURE_BITS.get(item) if type(item) is str else None
        if bit is None:
            listed = ", ".join(FEATURE_BITS)
            raise Bad(
                _("%(value)r is not one of: %(allowed)s")
                % {"value": short(item), "allowed": listed},
                f"[{i}]",
            )
        mask |= bit
    return mask


_QUALITY_KEYS = ("mos", "jitter_ms", "loss_pct", "latency_ms")
_QUALITY_SET = frozenset(_QUALITY_KEYS)
_NO_QUALITY = (None, None, None, None)


def quality(value: Any) -> tuple[float | None, ...]:
    """`{"mos", "jitter_ms", "loss_pct", "latency_ms"}`, each optional, as a 4-tuple."""
    if type(value) is not dict:
        raise _expected(_("an object"), value)
    for key in value.keys() - _QUALITY_SET:
        raise Bad(_("unknown field"), f".{key}")
    if not value:
        return _NO_QUALITY
    out: list[float | None] = []
    for key in _QUALITY_KEYS:
        v = value.get(key)
        if v is None:
            out.append(None)
            continue
        try:
            out.append(non_negative(v))
        except Bad as exc:
            raise Bad(exc.msg, f".{key}") from None
    return tuple(out)


_QUEUE_KEYS = frozenset({"id", "wait_s", "outcome"})
_check_outcome = choice(QUEUE_OUTCOMES)


def queue(value: Any) -> tuple[str, float | None, str | None]:
    """`{"id": queue id, "wait_s": ≥ 0, "outcome": …}` as (id, wait_s, outcome)."""
    if type(value) is not dict:
        raise _expected(_("an object"), value)
    for key in value.keys() - _QUEUE_KEYS:
        raise Bad(_("unknown field"), f".{key}")
    if value.get("id") is None:
        raise Bad(_("this field is required"), ".id")
    try:
        queue_id = ident(value["id"])
    except Bad as exc:
        raise Bad(exc.msg, ".id") from None
    wait = value.get("wait_s")
    outcome = value.get("outcome")
    try:
        wait = None if wait is None else non_negative(wait)
    except Bad as exc:
        raise Bad(exc.msg, ".wait_s") from None
    try:
        outcome = None if outcome is None else _check_outcome(outcome)
    except Bad as exc:
        raise Bad(exc.msg, ".outcome") from None
    return queue_id, wait, outcome
