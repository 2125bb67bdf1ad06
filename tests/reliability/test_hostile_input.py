"""Hostile input to the loader and to `POST /api/v1/ingest` (issue 8, item 3), property-based.

Whatever the input, a load either succeeds or is refused with a `LoadError` (422 through the API)
whose messages name the line (and, on a line that is a JSON object, the field); it never ends in a
traceback or a 500, and a refused load writes nothing: the row count of every table is unchanged.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Lower
from django.test.client import ClientHandler
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from partnerhub.accounts.models import Partner, User
from partnerhub.accounts.services import token_create
from partnerhub.activity.models import Call, CallQueue, Meeting
from partnerhub.customers.models import Customer, CustomerUser
from partnerhub.ingest.errors import LoadError, SourceError
from partnerhub.ingest.loader import LoadResult
from partnerhub.ingest.reader import BOM, GZIP_MAGIC, MAX_LINE_BYTES, file_source, stream_source
from partnerhub.ingest.services import dataset_load
from partnerhub.subscriptions.models import Invoice, ItemLine
from partnerhub.tags.models import Tag
from tests.ingest_factories import BASE, base

pytestmark = pytest.mark.django_db

HOSTILE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
FEWER = settings(HOSTILE, max_examples=30)
URL = "/api/v1/ingest"
MB = 1 << 20

# --- the invariants ---------------------------------------------------------------------------


# Logs that record a call rather than what it changed: an API token's first use of the day is a
# row of the sign-in audit, written by the request's authentication however it is then answered.
LOG_TABLES = {"signins_signin"}


def every_table_count() -> dict[str, int]:
    """Rows of every table of the database (the load's own temporary tables and the logs of
    calls aside)."""
    with connection.cursor() as cursor:
        out = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            if table.startswith("ingest_") or table in LOG_TABLES:
                continue
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            out[table] = int(cursor.fetchone()[0])
    return out


def dumps(obj: Any) -> bytes:
    """JSON of one line; the standard library writes integers beyond 64 bits, orjson does not."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def jsonl(lines: list[Any]) -> bytes:
    """Lines given as dicts (or raw bytes, written as they are), one per line."""
    return b"".join((line if isinstance(line, bytes) else dumps(line)) + b"\n" for line in lines)


def split_lines(data: bytes) -> list[bytes]:
    """The lines the reader sees (split on LF only), numbered from 1 in the returned order."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def object_lines(data: bytes) -> set[int]:
    """Numbers of the lines that are JSON objects: an error about one of them names its field."""
    out = set()
    for number, line in enumerate(split_lines(data), 1):
        if number == 1 and line.startswith(BOM):
            line = line[len(BOM) :]
        if len(line) > MAX_LINE_BYTES:
            continue
        try:
            if type(orjson.loads(line)) is dict:
                out.add(number)
        except orjson.JSONDecodeError:
            pass
    return out


def assert_clear_refusal(error: LoadError, data: bytes) -> None:
    """Every reported error names a line of the input and, on an object line, a field."""
    numbers = len(split_lines(data))
    objects = object_lines(data)
    assert 1 <= len(error.errors) <= 100
    assert error.total >= len(error.errors)
    assert "nothing was written" in str(error)
    for e in error.errors:
        assert type(e.line) is int and 1 <= e.line <= numbers, e
        assert type(e.msg) is str and e.msg.strip(), e
        if e.line in objects:
            assert e.field, f"an error on an object line names no field: {e}"
        assert str(e).startswith(f"line {e.line}: ")


def attempt(data: bytes, **tuning: int) -> LoadResult | LoadError:
    """Load `data` through the service; a refusal must be clear and must have written nothing."""
    before = every_table_count()
    try:
        return dataset_load(sources=[stream_source(io.BytesIO(data))], **tuning)
    except LoadError as error:
        assert every_table_count() == before
        assert_clear_refusal(error, data)
        return error
    except SourceError:
        # Only an input that starts like gzip can fail to be read at all (a broken stream).
        assert data.startswith(GZIP_MAGIC)
        assert every_table_count() == before
        raise


def refused(data: bytes, **tuning: int) -> LoadError:
    outcome = attempt(data, **tuning)
    assert isinstance(outcome, LoadError), f"loaded what should be refused: {outcome}"
    return outcome


def loaded(data: bytes, **tuning: int) -> LoadResult:
    outcome = attempt(data, **tuning)
    assert isinstance(outcome, LoadResult), [str(e) for e in outcome.errors]
    return outcome


def named(error: LoadError) -> set[tuple[int | None, str | None]]:
    return {(e.line, e.field) for e in error.errors}


def field_of(error: LoadError, line: int) -> list[str]:
    """The fields named on one line."""
    return [e.field or "" for e in error.errors if e.line == line]


def blames(fields: list[str], name: str) -> bool:
    """Whether one of `fields` is `name` or a part of it (`lines[0].licenses`, `quality.mos`)."""
    return any(f == name or f.startswith((name + "[", name + ".")) for f in fields)


# --- strategies -------------------------------------------------------------------------------

BASE_BYTES = [dumps(line) for line in BASE]
BASE_DATA = b"".join(line + b"\n" for line in BASE_BYTES)

# Valid but awkward text: RTL and bidi controls, combining marks, emoji sequences, separators that
# Python's str.splitlines() would split on, a BOM and zero-width characters inside, astral planes.
AWKWARD = [
    "\u202eevil.exe\u202c",
    "شركة الاتصالات",
    "חברה בע״מ",
    "e\u0301te\u0301",
    "Z\u0337\u0322\u031ba\u0335l\u0336g\u0334o",
    "👩‍👩‍👧‍👦 Family Ltd",
    "🇵🇱🇩🇪",
    "line\u2028separator\u2029para",
    "\ufeffBOM inside",
    "zero\u200bwidth\u200djoiner",
    "\U0010fffd plane 16",
    "nonchar \ufffe\uffff",
    "tab\tand\rcr",
    "x" * 200,
    "İ" * 200,
    "ǅǆǄ",
]
printable = st.characters(codec="utf-8", exclude_categories=["Cs"])
names = st.one_of(st.sampled_from(AWKWARD), st.text(printable, min_size=0, max_size=60))

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=5,
)

TYPES: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: type(v) is str,
    "number": lambda v: type(v) in (int, float),
    "whole": lambda v: type(v) is int,
    "bool": lambda v: type(v) is bool,
    "list": lambda v: type(v) is list,
    "dict": lambda v: type(v) is dict,
}
# (line of BASE, path to the value, type it must have, field named in the error)
TYPED: list[tuple[int, tuple[Any, ...], str, str]] = [
    (0, ("name",), "str", "name"),
    (0, ("country",), "str", "country"),
    (2, ("email",), "str", "email"),
    (2, ("role",), "str", "role"),
    (4, ("id",), "str", "id"),
    (4, ("created",), "str", "created"),
    (4, ("tags",), "list", "tags"),
    (4, ("tags", 0), "str", "tags[0]"),
    (6, ("customers",), "list", "customers"),
    (6, ("customers", 0), "str", "customers[0]"),
    (7, ("customer",), "str", "customer"),
    (8, ("at",), "str", "at"),
    (9, ("lines",), "list", "lines"),
    (9, ("lines", 0), "dict", "lines[0]"),
    (9, ("lines", 0, "licenses"), "whole", "lines[0].licenses"),
    (9, ("lines", 0, "product"), "str", "lines[0].product"),
    (9, ("auto_renew",), "bool", "auto_renew"),
    (9, ("end",), "str", "end"),
    (10, ("state",), "str", "state"),
    (11, ("amount",), "number", "amount"),
    (11, ("action",), "str", "action"),
    (12, ("currency",), "str", "currency"),
    (12, ("status",), "str", "status"),
    (13, ("name",), "str", "name"),
    (13, ("email",), "str", "email"),
    (15, ("from",), "str", "from"),
    (16, ("to",), "str", "to"),
    (18, ("participants",), "list", "participants"),
    (18, ("participants", 0), "str", "participants[0]"),
    (18, ("duration_s",), "number", "duration_s"),
    (19, ("start",), "str", "start"),
    (19, ("duration_s",), "number", "duration_s"),
    (19, ("endpoint",), "str", "endpoint"),
    (19, ("quality",), "dict", "quality"),
    (19, ("quality", "mos"), "number", "quality.mos"),
    (20, ("type",), "str", "type"),
    (20, ("direction",), "str", "direction"),
    (21, ("features",), "list", "features"),
    (21, ("queue",), "dict", "queue"),
    (21, ("queue", "wait_s"), "number", "queue.wait_s"),
    (21, ("queue", "id"), "str", "queue.id"),
    (22, ("featured",), "bool", "featured"),
    (22, ("products",), "list", "products"),
]


def set_path(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        obj = obj[step]
    obj[path[-1]] = value


# --- malformed JSON ---------------------------------------------------------------------------


@HOSTILE
@given(
    garbage=st.lists(st.binary(max_size=120), min_size=1, max_size=6),
    at=st.integers(min_value=1, max_value=len(BASE)),
)
def test_random_bytes_between_good_lines_are_refused_naming_only_those_lines(garbage, at):
    # Given good lines with random bytes inserted after the first one
    blob = b"\n".join(garbage)
    data = b"".join(BASE_BYTES[i] + b"\n" for i in range(at)) + blob + b"\n"
    data += b"".join(line + b"\n" for line in BASE_BYTES[at:])
    inserted = {at + 1 + i for i, piece in enumerate(blob.split(b"\n")) if piece.strip()}

    # When it is loaded
    outcome = attempt(data)

    # Then it is refused exactly when a random line is not blank, and only those lines are named
    if inserted:
        assert isinstance(outcome, LoadError)
        assert {e.line for e in outcome.errors} == inserted
    else:
        assert isinstance(outcome, LoadResult)


@HOSTILE
@given(st.binary(max_size=400))
def test_a_body_of_random_bytes_is_refused_or_blank_never_a_crash(data):
    try:
        attempt(data)
    except SourceError:
        pass  # a broken gzip stream: refused naming the input, nothing written (see attempt)


@HOSTILE
@given(index=st.integers(0, len(BASE) - 1), share=st.floats(0.0, 1.0, exclude_max=True))
def test_a_truncated_line_is_refused_naming_it_first(index, share):
    # Given a line cut short somewhere inside it
    line = BASE_BYTES[index]
    cut = line[: max(1, int(len(line) * share))]
    data = jsonl([*BASE_BYTES[:index], cut, *BASE_BYTES[index + 1 :]])

    # Then it is refused, and the first error is that line not being JSON
    error = refused(data)
    first = error.errors[0]
    assert (first.line, first.field) == (index + 1, None)
    assert first.msg.startswith("not valid JSON")


@HOSTILE
@given(end=st.integers(1, len(BASE_DATA) - 1))
def test_a_file_cut_short_loads_whole_lines_only_when_it_ends_between_lines(end):
    # Given a transfer that stopped after `end` bytes
    data = BASE_DATA[:end]
    tail = data.rsplit(b"\n", 1)[-1]

    outcome = attempt(data)

    # Then a cut between lines loads the lines before it; a cut inside a line names that line
    if tail in (b"", *BASE_BYTES):
        assert isinstance(outcome, LoadResult)
    else:
        assert isinstance(outcome, LoadError)
        assert len(split_lines(data)) in {e.line for e in outcome.errors}


INVALID_UTF8 = [
    b"\xff",
    b"\x80",
    b"\xc3\x28",
    b"\xc0\xaf",  # an overlong "/"
    b"\xed\xa0\x80",  # a UTF-8-encoded surrogate
    b"\xe2\x82",  # a truncated sequence
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\xf8\x88\x80\x80\x80",
]


@HOSTILE
@given(
    index=st.integers(0, len(BASE) - 1),
    share=st.floats(0.0, 1.0),
    bad=st.sampled_from(INVALID_UTF8),
)
def test_invalid_utf8_anywhere_in_a_line_is_refused_naming_the_line(index, share, bad):
    line = BASE_BYTES[index]
    at = int(len(line) * share)
    data = jsonl([*BASE_BYTES[:index], line[:at] + bad + line[at:], *BASE_BYTES[index + 1 :]])

    error = refused(data)

    assert (error.errors[0].line, error.errors[0].field) == (index + 1, None)


@pytest.mark.parametrize(
    "escaped",
    [rb"\ud800", rb"\udfff", rb"\ud83d", rb"\ud83dx", rb"\ude00\ud83d", rb"\ud800\u0041"],
)
def test_a_lone_surrogate_escaped_in_json_is_refused_naming_the_line(escaped):
    line = b'{"kind":"partner","id":"P9","name":"Bad ' + escaped + b' name"}'

    error = refused(jsonl([BASE[0], line]))

    assert named(error) == {(2, None)}
    assert "not valid JSON" in error.errors[0].msg


def test_an_escaped_surrogate_pair_is_the_character_it_encodes():
    line = b'{"kind":"partner","id":"P9","name":"Smile \\ud83d\\ude00"}'

    loaded(jsonl([line]))

    assert Partner.objects.get(ext_id="P9").name == "Smile 😀"


# --- wrong types ------------------------------------------------------------------------------


@HOSTILE
@given(target=st.sampled_from(TYPED), value=json_values)
def test_a_value_of_the_wrong_type_is_refused_naming_its_field(target, value):
    index, path, wanted, field_name = target
    assume(value is not None and not TYPES[wanted](value))  # a boolean is no number either
    lines = base()
    set_path(lines[index], path, value)

    error = refused(jsonl(lines))

    assert blames(field_of(error, index + 1), field_name), (field_of(error, index + 1), target)


@FEWER
@given(kind=st.sampled_from(sorted({line["kind"] for line in BASE})), extra=json_values)
def test_an_unknown_field_of_any_type_is_refused_naming_it(kind, extra):
    index = next(i for i, line in enumerate(BASE) if line["kind"] == kind)
    lines = base()
    lines[index]["colour"] = extra

    error = refused(jsonl(lines))

    assert blames(field_of(error, index + 1), "colour")  # or a NUL inside it


@FEWER
@given(kind=json_values)
def test_a_kind_that_is_not_a_known_name_is_refused_naming_kind(kind):
    assume(not (type(kind) is str and kind in {line["kind"] for line in BASE}))

    error = refused(jsonl([{"kind": kind, "id": "X"}]))

    assert named(error) == {(1, "kind")}


@pytest.mark.parametrize("depth", [100, 999, 1023, 1024, 100_000])
@pytest.mark.parametrize(
    ("opening", "inner", "closing"),
    [(b"[", b'"PL"', b"]"), (b'{"a":', b'"PL"', b"}"), (b"[", b'"\\u0000"', b"]")],
    ids=["lists", "objects", "nul-inside"],
)
def test_a_deeply_nested_value_is_refused_naming_its_field_in_a_short_message(
    depth, opening, inner, closing
):
    # Given a value nested deeper than Python may recurse (orjson reads up to 1,023 levels)
    line = b'{"kind":"partner","id":"P9","name":"n","country":'
    line += opening * depth + inner + closing * depth + b"}"

    error = refused(jsonl([BASE[0], line]))

    [e] = error.errors
    if depth >= 1024:
        assert (e.line, e.field, e.msg) == (2, None, "not valid JSON: depth limit exceeded")
    else:
        assert (e.line, e.field and e.field[:7]) == (2, "country")
        assert len(e.msg) < 200


@pytest.mark.parametrize(
    ("field_name", "value"),
    [
        ("endpoint", [0] * 300_000),
        ("endpoint", {f"k{i}": i for i in range(50_000)}),
        ("type", "x" * 900_000),
        ("start", [[["deep"]]] * 50_000),
        ("kind", ["call"] * 100_000),
        ("kind", "c" * 900_000),
    ],
    ids=["long-list", "big-object", "long-string", "list-of-lists", "kind-list", "kind-string"],
)
def test_a_huge_wrong_value_is_named_in_a_short_message(field_name, value):
    lines = base()
    lines[19][field_name] = value

    error = refused(jsonl(lines))

    assert [(e.line, e.field) for e in error.errors] == [(20, field_name)]
    assert len(error.errors[0].msg) < 400


# --- huge values ------------------------------------------------------------------------------

EDGES = [
    2**31 - 1,
    2**31,
    2**53 + 1,
    2**63 - 1,
    2**63,
    2**64 - 1,
    2**64,
    2**200,
    -(2**63) - 1,
    10**12,
    999999999999.99,
    999999999999.999,
    -999999999999.999,
    1e15,
    1e15 + 2,
    1e300,
    5e-324,
]
huge_numbers = st.one_of(
    st.sampled_from(EDGES),
    st.integers(min_value=2**31 - 2, max_value=2**80),
    st.integers(max_value=-1, min_value=-(2**80)),
    st.floats(min_value=1e11, max_value=1e300),
)


def call(ext_id: str) -> Call:
    return Call.objects.get(ext_id=ext_id)


def licenses_ok(v: Any) -> bool:
    return type(v) is int and 0 <= v <= 2**31 - 1 and abs(v) < 2**64


def measure_ok(v: Any) -> bool:
    return 0 <= v <= 1e15


def amount_ok(v: Any) -> bool:
    return abs(Decimal(f"{float(v):.2f}")) < 10**12


# (line of BASE, path, field named, accepted?, stored value of the loaded record)
NUMERIC: list[tuple[int, tuple[Any, ...], str, Callable[[Any], bool], Callable[[], Any]]] = [
    (
        9,
        ("lines", 0, "licenses"),
        "lines[0].licenses",
        licenses_ok,
        lambda: ItemLine.objects.get(item__ext_id="Sub-1", product="calling").licenses,
    ),
    (19, ("duration_s",), "duration_s", measure_ok, lambda: call("K1").duration_s),
    (
        18,
        ("duration_s",),
        "duration_s",
        measure_ok,
        lambda: Meeting.objects.get(ext_id="M1").duration_s,
    ),
    (19, ("quality", "jitter_ms"), "quality.jitter_ms", measure_ok, lambda: call("K1").jitter_ms),
    (21, ("queue", "wait_s"), "queue.wait_s", measure_ok, lambda: call("K3").queue_wait_s),
    (12, ("amount",), "amount", amount_ok, lambda: Invoice.objects.get(ext_id="I1").amount),
]


def assert_number_stored_or_refused(target: tuple[Any, ...], value: Any) -> None:
    """Load BASE with one number changed: stored as read when in range, else its field named."""
    index, path, field_name, ok, stored = target
    lines = base()
    set_path(lines[index], path, value)
    data = jsonl(lines)
    # orjson reads an integer beyond 64 bits as a float
    as_read = orjson.loads(split_lines(data)[index])
    for step in path:
        as_read = as_read[step]

    outcome = attempt(data)

    if ok(as_read):
        assert isinstance(outcome, LoadResult), [str(e) for e in outcome.errors]
        expected = Decimal(f"{as_read:.2f}") if field_name == "amount" else as_read
        assert stored() == expected
    else:
        assert isinstance(outcome, LoadError)
        assert field_name in field_of(outcome, index + 1)


@pytest.mark.parametrize("value", EDGES, ids=repr)
@pytest.mark.parametrize("target", NUMERIC, ids=lambda t: t[2])
def test_numbers_at_the_edges_are_stored_exactly_or_refused_naming_the_field(target, value):
    assert_number_stored_or_refused(target, value)


@HOSTILE
@given(target=st.sampled_from(NUMERIC), value=huge_numbers)
def test_huge_numbers_are_stored_exactly_or_refused_naming_the_field(target, value):
    assert_number_stored_or_refused(target, value)


# (line of BASE, field, most characters, stored value after a load)
TEXTS: list[tuple[int, str, int, Callable[[], Any]]] = [
    (4, "name", 200, lambda: Customer.objects.get(ext_id="C1").name),
    (13, "name", 200, lambda: CustomerUser.objects.get(ext_id="U1").name),
    (17, "name", 200, lambda: CallQueue.objects.get(ext_id="Q1").name),
    (22, "summary", 10_000, None),
    (22, "url", 500, None),
    (22, "title", 300, None),
    (22, "language", 8, None),
]


@FEWER
@given(
    target=st.sampled_from(TEXTS),
    char=st.sampled_from(["x", "İ", "🇵", "\u0301", "ش"]),
    extra=st.sampled_from([-1, 0, 1, 1000, 200_000]),
)
def test_long_text_is_stored_up_to_its_limit_and_refused_beyond(target, char, extra):
    index, field_name, limit, stored = target
    value = "a" + char * (limit - 1 + extra)
    lines = base()
    lines[index][field_name] = value

    outcome = attempt(jsonl(lines))

    if len(value) <= limit:
        assert isinstance(outcome, LoadResult), [str(e) for e in outcome.errors]
        if stored is not None:
            assert stored() == value
    else:
        assert isinstance(outcome, LoadError)
        assert field_of(outcome, index + 1) == [field_name]


@HOSTILE
@given(
    local=st.sampled_from(["a", "İ", "ß", "Ǆ", "ﬃ", "x" * 60]),
    repeat=st.integers(1, 300),
    where=st.sampled_from([(2, "email"), (13, "email")]),
)
def test_an_email_is_stored_lower_cased_within_254_characters_or_refused(local, repeat, where):
    index, field_name = where
    email = (local * repeat)[:300] + "@contoso.example"
    lines = base()
    lines[index][field_name] = email
    if index == 2:  # the partner person is referred to by e-mail later on
        lines[7]["email"] = email

    outcome = attempt(jsonl(lines))

    if len(email) <= 254 and len(email.lower()) <= 254:
        assert isinstance(outcome, LoadResult), [str(e) for e in outcome.errors]
        if index == 13:
            assert CustomerUser.objects.get(ext_id="U1").email == email.lower()
        else:
            assert User.objects.filter(email=email.lower()).exists()
    else:
        assert isinstance(outcome, LoadError)
        assert field_name in field_of(outcome, index + 1)


@pytest.mark.parametrize(
    ("start", "why"),
    [
        ("0001-01-01T00:00:00+01:00", "before year 1 in UTC"),
        ("9999-12-31T23:59:59-01:00", "after year 9999 in UTC"),
        ("0001-01-01T00:30:00Z", "its week would start before year 1"),
        ("0001-01-06T23:59:59Z", "its week would start before year 1"),
    ],
)
@pytest.mark.parametrize("index", [19, 18], ids=["call", "meeting"])
def test_a_time_at_the_edge_of_the_calendar_is_refused_naming_the_field(start, why, index):
    lines = base()
    lines[index]["start"] = start

    error = refused(jsonl(lines))

    assert field_of(error, index + 1) == ["start"], why


def test_a_sign_in_time_beyond_the_calendar_in_utc_is_refused_naming_the_field():
    lines = base()
    lines[8]["at"] = "9999-12-31T23:30:00-05:00"

    error = refused(jsonl(lines))

    assert named(error) == {(9, "at")}


def test_the_first_and_last_days_of_the_calendar_still_load():
    lines = base()
    lines[19]["start"] = "0001-01-07T00:00:00Z"
    lines[18]["start"] = "9999-12-31T23:59:59Z"
    lines[9]["start"], lines[9]["end"] = "0001-01-01", "9999-12-31"

    loaded(jsonl(lines))

    assert Call.objects.get(ext_id="K1").start == dt.datetime(1, 1, 7, tzinfo=dt.UTC)
    assert Meeting.objects.get(ext_id="M1").start.year == 9999


# --- unicode ----------------------------------------------------------------------------------


def text_problem(value: str, limit: int, *, strip: bool = False) -> bool:
    """Whether a name field refuses `value` (NUL, blank, or too long)."""
    size = len(value.strip()) if strip else len(value)
    return "\x00" in value or not value.strip() or size > limit


@HOSTILE
@given(name=names, tag=names, queue=names)
def test_unicode_names_round_trip_exactly_unless_blank_or_nul(name, tag, queue):
    lines = base()
    lines[4]["name"] = name
    lines[4]["tags"] = [tag]
    lines[17]["name"] = queue
    customer_bad = set()
    if text_problem(name, 200):
        customer_bad.add("name")
    if text_problem(tag, 25, strip=True):
        customer_bad.add("tags[0]")
    queue_bad = {"name"} if text_problem(queue, 200) else set()

    outcome = attempt(jsonl(lines))

    if not customer_bad and not queue_bad:
        assert isinstance(outcome, LoadResult), [str(e) for e in outcome.errors]
        customer = Customer.objects.get(ext_id="C1")
        assert customer.name == name
        # tags are matched ignoring case, as the database lower-cases
        tags = Tag.objects.filter(customers=customer).annotate(low=Lower("name"))
        assert tags.count() == 1
        assert tags.filter(low=Lower(Value(tag.strip()))).exists()
        assert CallQueue.objects.get(ext_id="Q1").name == queue
        return
    assert isinstance(outcome, LoadError)
    for line, bad, value in ((5, customer_bad, name + tag), (18, queue_bad, queue)):
        fields = set(field_of(outcome, line))
        if "\x00" in value:  # a NUL stops the line at the first field holding one
            assert len(fields) == 1 and fields <= bad
        else:
            assert fields == bad


@HOSTILE
@given(ext_id=st.one_of(st.sampled_from(AWKWARD), st.text(printable, min_size=1, max_size=70)))
def test_unicode_ids_are_found_again_by_the_lines_that_refer_to_them(ext_id):
    lines = [
        BASE[0],
        {"kind": "customer", "id": ext_id, "partner": "P1", "name": "N", "created": "2026-01-01"},
        {"kind": "user", "id": ext_id, "customer": ext_id, "email": "a@b.example"},
        {"kind": "call_queue", "id": ext_id, "customer": ext_id, "name": "Q"},
    ]

    outcome = attempt(jsonl(lines))

    if "\x00" in ext_id or not ext_id.strip() or len(ext_id) > 64:
        assert isinstance(outcome, LoadError)
        assert (2, "id") in named(outcome)
    else:
        assert isinstance(outcome, LoadResult), [str(e) for e in outcome.errors]
        user = CustomerUser.objects.get(ext_id=ext_id)
        assert user.customer.ext_id == ext_id
        assert CallQueue.objects.get(ext_id=ext_id).customer_id == user.customer_id


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (rb'{"kind":"partner","id":"P9","name":"a\u0000b"}', "name"),
        (rb'{"kind":"partner","id":"P\u0000","name":"ab"}', "id"),
        (rb'{"kind":"partner","id":"P9","name":"ab","country":"\u0000\u0000"}', "country"),
        (rb'{"kind":"customer","id":"C9","partner":"P1","name":"n","created":"2026-01-01",'
         rb'"tags":["ok","\u0000"]}', "tags[1]"),
        (rb'{"kind":"partner","id":"P9","name":"ab","x\u0000":1}', "x\x00"),
    ],
)  # fmt: skip
def test_a_nul_character_is_refused_naming_the_field(raw, field):
    error = refused(jsonl([BASE[0], raw]))

    assert named(error) == {(2, field)}


def test_a_raw_nul_byte_or_control_character_is_not_json():
    lines = [BASE[0], b'{"kind":"partner","id":"P9","name":"a\x00b"}', b'{"kind":"partner"\x01}']

    error = refused(jsonl(lines))

    assert named(error) == {(2, None), (3, None)}


@pytest.mark.parametrize("ending", [b"\r\n", b"\n"])
def test_a_bom_and_crlf_line_endings_are_read(ending):
    data = BOM + ending.join(BASE_BYTES) + ending

    result = loaded(data)

    assert result.lines == len(BASE)


def test_a_bom_on_a_later_line_is_refused_naming_that_line():
    data = jsonl([BASE[0], BOM + BASE_BYTES[1]])

    assert named(refused(data)) == {(2, None)}


# --- duplicates -------------------------------------------------------------------------------


@HOSTILE
@given(
    writes=st.lists(
        st.tuples(
            st.sampled_from(["D1", "D2", "D3"]), st.sampled_from(AWKWARD[:8]), st.integers(0, 9)
        ),
        min_size=1,
        max_size=14,
    ),
    chunk_lines=st.sampled_from([1, 2, 5, 100_000]),
)  # fmt: skip
def test_a_later_line_with_the_same_id_wins_within_a_load_and_across_chunks(writes, chunk_lines):
    # Given customers, their users, calls and meetings written several times under few ids
    lines: list[dict[str, Any]] = [BASE[0]]
    last: dict[str, tuple[str, int]] = {}
    for ext_id, name, n in writes:
        lines += [
            {"kind": "customer", "id": ext_id, "partner": "P1", "name": name,
             "created": "2026-01-01", "tags": [f"t{n}"]},
            {"kind": "user", "id": f"U-{ext_id}", "customer": ext_id, "email": f"{n}@x.example"},
            {"kind": "call", "id": f"K-{ext_id}", "customer": ext_id, "user": f"U-{ext_id}",
             "start": f"2026-11-2{n}T10:00:00Z", "duration_s": n, "endpoint": "ip_phone"},
            {"kind": "meeting", "id": f"M-{ext_id}", "customer": ext_id, "host": f"U-{ext_id}",
             "start": f"2026-11-2{n}T10:00:00Z", "duration_s": n},
        ]  # fmt: skip
        last[ext_id] = (name, n)

    # When they are loaded in chunks of `chunk_lines` lines
    loaded(jsonl(lines), chunk_lines=chunk_lines)

    # Then every record holds what its last line said
    for ext_id, (name, n) in last.items():
        customer = Customer.objects.get(ext_id=ext_id)
        assert customer.name == name
        assert list(customer.tags.values_list("name", flat=True)) == [f"t{n}"]
        assert CustomerUser.objects.get(ext_id=f"U-{ext_id}").email == f"{n}@x.example"
        call = Call.objects.get(ext_id=f"K-{ext_id}")
        assert (call.duration_s, call.start.day) == (n, 20 + n)
        assert Meeting.objects.get(ext_id=f"M-{ext_id}").duration_s == n
    assert not Tag.objects.filter(customers=None).exists()


@HOSTILE
@given(
    first=st.sampled_from(["subscription", "trial"]),
    gap=st.integers(0, 3),
    chunk_lines=st.sampled_from([1, 3, 100_000]),
)
def test_a_subscription_and_a_trial_may_not_share_an_id(first, gap, chunk_lines):
    other = "trial" if first == "subscription" else "subscription"
    item = {"customer": "C1", "start": "2026-01-01", "end": "2026-12-31", "lines": []}
    filler = [{"kind": "customer_admin_login", "customer": "C1", "at": f"2026-11-2{i}T09:00:00Z"}
              for i in range(gap)]  # fmt: skip
    lines = [
        *BASE[:5],
        {"kind": first, "id": "X-1", **item},
        *filler,
        {"kind": other, "id": "X-1", **item},
    ]

    error = refused(jsonl(lines), chunk_lines=chunk_lines)

    assert named(error) == {(len(lines), "id")}


# --- dangling and forward references ----------------------------------------------------------

# (line of BASE, path of a reference, field named)
REFS: list[tuple[int, tuple[Any, ...], str]] = [
    (2, ("partner",), "partner"),
    (4, ("partner",), "partner"),
    (5, ("partner",), "partner"),
    (6, ("customers", 0), "customers"),
    (7, ("customer",), "customer"),
    (7, ("email",), "email"),
    (8, ("customer",), "customer"),
    (9, ("customer",), "customer"),
    (10, ("customer",), "customer"),
    (11, ("subscription",), "subscription"),
    (12, ("subscription",), "subscription"),
    (13, ("customer",), "customer"),
    (15, ("user",), "user"),
    (15, ("item",), "item"),
    (16, ("item",), "item"),
    (17, ("customer",), "customer"),
    (18, ("host",), "host"),
    (18, ("participants", 0), "participants"),
    (19, ("user",), "user"),
    (20, ("user",), "user"),
    (21, ("queue", "id"), "queue.id"),
]
# A record whose own reference dangles still counts as defined, but it then belongs elsewhere:
# (line, field) -> lines referring to it "of this customer/partner" that are named as well.
CASCADES: dict[tuple[int, str], set[tuple[int, str]]] = {
    (5, "partner"): {(7, "customers")},  # C1 is no customer of Sam's partner P1 any more
    (14, "customer"): {(19, "host"), (20, "user")},  # U1 is no user of C1 any more
    (18, "customer"): {(22, "queue.id")},  # Q1 is no call queue of C1 any more
}


@HOSTILE
@given(
    chosen=st.sets(st.sampled_from(REFS), min_size=1, max_size=4),
    chunk_lines=st.sampled_from([1, 4, 9, 100_000]),
    ghost=st.sampled_from(["GHOST", "ghost@nowhere.example", "C1 ", "c1", "Sub-1\u200b"]),
)
def test_dangling_references_are_each_named_and_nothing_is_written(chosen, chunk_lines, ghost):
    lines = base()
    for index, path, field_name in chosen:
        # an e-mail that is no e-mail at all is refused before its reference is looked at
        # (and a participant who is also the host is no participant: keep them apart)
        value = {"email": "ghost@nowhere.example", "participants": ghost + "-p"}.get(
            field_name, ghost
        )
        set_path(lines[index], path, value)
    expected = {(index + 1, field_name) for index, _path, field_name in chosen}
    for cause in list(expected):
        expected |= CASCADES.get(cause, set())

    error = refused(jsonl(lines), chunk_lines=chunk_lines)

    assert named(error) == expected
    assert all("earlier line" in e.msg for e in error.errors)


# (line of BASE defining a record, lines referring to it with the field they name)
DEFINED: dict[int, list[tuple[int, str]]] = {
    0: [(2, "partner"), (3, "partner"), (4, "partner"), (6, "partner")],
    4: [(6, "customers"), (8, "customer"), (9, "customer"), (10, "customer"), (13, "customer"),
        (14, "customer"), (17, "customer"), (18, "customer"), (19, "customer"), (20, "customer"),
        (21, "customer")],
    9: [(11, "subscription"), (12, "subscription"), (15, "item")],
    13: [(15, "user"), (18, "host"), (19, "user")],
    17: [(21, "queue.id")],
}  # fmt: skip


@HOSTILE
@given(
    moved=st.sampled_from(sorted(DEFINED)),
    to=st.integers(0, 30),
    chunk_lines=st.sampled_from([1, 5, 100_000]),
)
def test_a_reference_to_a_later_line_is_refused_naming_the_earlier_lines(moved, to, chunk_lines):
    # Given a line that defines a record, moved after some of the lines that refer to it
    users = DEFINED[moved]
    lines = base()
    line = lines.pop(moved)
    at = users[0][0] + to % (len(BASE) - users[0][0])  # after the first line referring to it
    lines.insert(at, line)
    earlier = {
        (n, field_name) for index, field_name in users if (n := lines.index(BASE[index]) + 1) <= at
    }
    assert earlier

    # Then each of them is named
    error = refused(jsonl(lines), chunk_lines=chunk_lines)

    assert earlier <= named(error)
    assert all("earlier line" in e.msg for e in error.errors)


# --- the ingest API ---------------------------------------------------------------------------


def api_lines(partner_id: str) -> list[dict[str, Any]]:
    """A partner's own feed: a customer and the records that hang on it."""
    return [
        {"kind": "customer", "id": "C-API", "partner": partner_id, "name": "Tailspin",
         "created": "2026-03-01", "tags": ["api"]},
        {"kind": "subscription", "id": "Sub-API", "customer": "C-API", "start": "2026-03-01",
         "end": "2027-02-28", "lines": [{"product": "calling", "licenses": 3}]},
        {"kind": "invoice", "id": "I-API", "subscription": "Sub-API", "date": "2026-04-01",
         "amount": 10, "currency": "EUR"},
        {"kind": "user", "id": "U-API", "customer": "C-API", "email": "kim@tailspin.example"},
        {"kind": "assignment", "user": "U-API", "item": "Sub-API", "product": "calling",
         "from": "2026-03-02"},
        {"kind": "call_queue", "id": "Q-API", "customer": "C-API", "name": "Desk"},
        {"kind": "call", "id": "K-API", "customer": "C-API", "user": "U-API",
         "start": "2026-11-24T12:00:00Z", "duration_s": 60, "endpoint": "webex_app_desktop",
         "queue": {"id": "Q-API", "wait_s": 3}},
        {"kind": "meeting", "id": "M-API", "customer": "C-API", "host": "U-API",
         "start": "2026-11-25T12:00:00Z", "duration_s": 600, "participants": []},
    ]  # fmt: skip


def post(client: Any, data: bytes) -> Any:
    """POST a body; a 422 must name lines and have written nothing. Answers (status, body)."""
    before = every_table_count()
    response = client.post(URL, data=data, content_type="application/x-ndjson")
    assert response.status_code in (200, 422), response.content[:500]
    body = response.json()
    if response.status_code == 422:
        assert every_table_count() == before
        numbers = len(split_lines(data))
        objects = object_lines(data)
        assert 1 <= len(body["detail"]) <= min(100, body["error_count"])
        for item in body["detail"]:
            if data.startswith(GZIP_MAGIC) and item["line"] is None:
                continue  # not gzip after all: the body as a whole cannot be read
            assert type(item["line"]) is int and 1 <= item["line"] <= numbers, item
            assert item["msg"]
            if item["line"] in objects:
                assert item["field"], item
    else:
        assert body["lines"] == len(split_lines(data))
    return response.status_code, body


def mutate_api(lines: list[dict[str, Any]], how: str, pick: int, value: Any, raw: bytes) -> bytes:
    """One hostile change to a good feed."""
    index = pick % len(lines)
    line = lines[index]
    keys = sorted(k for k in line if k != "kind")
    key = keys[pick % len(keys)]
    if how == "value":
        line[key] = value
    elif how == "name":
        line["name" if "name" in line else key] = value
    elif how == "garbage":
        out = [dumps(x) for x in lines]
        out.insert(index, raw)
        return b"\n".join(out) + b"\n"
    elif how == "truncate":
        out = [dumps(x) for x in lines]
        out[index] = out[index][: max(1, len(out[index]) // (2 + pick % 5))]
        return b"\n".join(out) + b"\n"
    elif how == "dangling":
        line[key] = "GHOST" if type(line[key]) is str else line[key]
    elif how == "duplicate":
        lines.insert(index + 1, dict(line))
    return jsonl(lines)


@FEWER
@given(
    how=st.sampled_from(["value", "name", "garbage", "truncate", "dangling", "duplicate"]),
    pick=st.integers(0, 1000),
    value=st.one_of(json_values, names, huge_numbers),
    raw=st.binary(max_size=60),
)
def test_hostile_feeds_get_200_or_a_422_naming_lines_never_a_500(
    full_admin, partner, api_client, how, pick, value, raw
):
    client = api_client(full_admin)
    data = mutate_api(api_lines(partner.ext_id), how, pick, value, raw)

    post(client, data)


@FEWER
@given(name=names, customer_name=names)
def test_unicode_through_the_api_round_trips_or_is_refused_naming_the_field(
    full_admin, partner, api_client, name, customer_name
):
    client = api_client(full_admin)
    lines = api_lines(partner.ext_id)
    lines[5]["name"] = name
    lines[0]["name"] = customer_name

    status, body = post(client, jsonl(lines))

    if status == 200:
        assert CallQueue.objects.get(ext_id="Q-API").name == name
        assert Customer.objects.get(ext_id="C-API").name == customer_name
    else:
        assert {(d["line"], d["field"]) for d in body["detail"]} <= {(1, "name"), (6, "name")}


def test_a_reference_to_another_partners_customer_is_a_422(
    full_admin, partner, other_partner, api_client
):
    Customer.objects.create(
        ext_id="C-OTHER", partner=other_partner, name="Other", created="2026-01-01"
    )
    lines = api_lines(partner.ext_id)
    lines[3]["customer"] = "C-OTHER"

    status, body = post(api_client(full_admin), jsonl(lines))

    assert status == 422
    assert (4, "customer") in {(d["line"], d["field"]) for d in body["detail"]}


class StreamedBody(io.RawIOBase):
    """A request body made up as it is read, so that a 100 MB body never exists in memory."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            self.pending = next(self.chunks, b"")
            if not self.pending:
                return 0
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def test_a_100_mb_line_through_the_api_is_a_422_naming_it_in_flat_memory(
    full_admin, partner, settings
):
    # Given limits that let a 100 MB body be loaded within the request (by default it would be
    # a background job: test_hostile_ingest.py), and a request whose body has a 100 MB second
    # line, streamed to the server as it is sent
    settings.INGEST_MAX_BODY_BYTES = settings.INGEST_INLINE_MAX_BYTES = 200 * MB
    _token, raw = token_create(user=full_admin, name="hostile")
    lines = api_lines(partner.ext_id)
    first, rest = jsonl(lines[:1]), jsonl(lines[1:])
    head, tail = b'{"kind":"call_queue","id":"Q-HUGE","customer":"C-API","name":"', b'"}\n'
    block = b"x" * MB

    def chunks() -> Iterator[bytes]:
        yield first + head
        for _ in range(100):
            yield block
        yield tail + rest

    size = len(first) + len(head) + 100 * MB + len(tail) + len(rest)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": URL,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/x-ndjson",
        "CONTENT_LENGTH": str(size),
        "HTTP_AUTHORIZATION": f"Bearer {raw}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": StreamedBody(chunks()),
        "wsgi.errors": sys.stderr,
        "wsgi.multiprocess": True,
        "wsgi.multithread": False,
        "wsgi.run_once": False,
    }
    before = every_table_count()

    # When it is posted, measuring what the server allocates
    tracemalloc.start()
    try:
        response = ClientHandler()(environ)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Then the answer is a 422 naming the line, nothing is written, and the body was never held
    assert response.status_code == 422, response.content[:500]
    body = orjson.loads(response.content)
    assert body["detail"] == [{"line": 2, "field": None, "msg": "the line is longer than 1 MiB"}]
    assert every_table_count() == before
    assert peak < 32 * MB, f"peak {peak / MB:.1f} MiB"  # 18 MiB measured, the line is 100


# --- a 100 MB line ------------------------------------------------------------------------------


def write_huge_line_file(path: Path, size: int, *, compress: bool = False) -> None:
    """A file of good lines with one line of `size` bytes as its second line, written streaming."""
    opener: Any = gzip.open if compress else open
    with opener(path, "wb", **({"compresslevel": 1} if compress else {})) as fh:
        fh.write(dumps(BASE[0]) + b"\n")
        fh.write(b'{"kind":"partner","id":"P-HUGE","name":"')
        block = ("Ω🇵" * (MB // 12)).encode()  # half a MiB of whole characters
        written = 0
        while written < size:
            fh.write(block)
            written += len(block)
        fh.write(b'","country":"PL"}\n')
        fh.write(dumps(BASE[1]) + b"\n")


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_a_100_mb_line_is_refused_naming_it_without_being_held_in_memory(tmp_path, compress):
    # Given a file whose second line is 100 MB long
    path = tmp_path / ("huge.jsonl.gz" if compress else "huge.jsonl")
    write_huge_line_file(path, 100 * MB, compress=compress)
    before = every_table_count()

    # When it is loaded, measuring what the load allocates
    tracemalloc.start()
    try:
        with pytest.raises(LoadError) as caught:
            dataset_load(sources=[file_source(str(path))])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Then the line is named, nothing is written, and the load never held the line
    assert [str(e) for e in caught.value.errors] == [f"{path}:2: the line is longer than 1 MiB"]
    assert every_table_count() == before
    assert peak < 24 * MB, f"peak {peak / MB:.1f} MiB"


# Peak memory of the process image, from /proc: `getrusage(RUSAGE_SELF).ru_maxrss` is no use here,
# as Linux carries the parent's (pytest's) high-water mark over into the child across exec.
_MEASURE = r"""
import json, sys
import django
django.setup()
from django.core.management import CommandError, call_command

def status(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key + ":"))

call_command("migrate", verbosity=0)
before_kb = status("VmRSS")
try:
    call_command("load", sys.argv[1], "--no-progress")
    outcome = "loaded"
except CommandError as exc:
    outcome = str(exc)
print(json.dumps({"outcome": outcome, "before_kb": before_kb, "peak_kb": status("VmHWM")}))
"""


def test_partnerhub_load_refuses_a_100_mb_line_in_flat_memory(tmp_path):
    # Given a 100 MB line in a file and a fresh database in another process
    path = tmp_path / "huge.jsonl"
    write_huge_line_file(path, 100 * MB)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnerhub.config.settings",
        "DATABASE_URL": "sqlite://:memory:",
        "PARTNERHUB_DATA_DIR": str(tmp_path),
        "PARTNERHUB_TESTING": "1",
        "SECRET_KEY": "hostile-input-test",
    }

    # When `partnerhub load` reads it
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # Then it names the line, says nothing was written, shows no traceback, and stays flat
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert f"{path}:2: the line is longer than 1 MiB" in done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "nothing was written" in report["outcome"]
    grown_mb = (report["peak_kb"] - report["before_kb"]) / 1024
    assert grown_mb < 48, f"the load grew the process by {grown_mb:.0f} MB: {report}"
