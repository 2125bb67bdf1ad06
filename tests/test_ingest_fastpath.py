"""The fast checks of the big kinds accept exactly what the field-by-field checks accept."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnerhub.ingest.fastpath import FAST
from partnerhub.ingest.kinds import KINDS, Context
from partnerhub.ingest.lines import check_generic
from partnerhub.ingest.stage import PostgresBackend, SqliteBackend
from tests.ingest_factories import BASE

GOOD = {
    "call": BASE[21],
    "meeting": BASE[18],
    "user": BASE[13],
    "assignment": BASE[16],
}
# Values that sit on the edges of the rules (types, lengths, blanks, zones, bounds).
ODD_VALUES = [
    None,
    "",
    " ",
    " U1",
    "U1 ",
    "\u3000",
    "x" * 64,
    "x" * 65,
    0,
    -1,
    1,
    1.5,
    -0.0,
    1e15,
    1e16,
    10**20,
    True,
    False,
    [],
    {},
    [None],
    ["U2"],
    ["U2", "U2"],
    ["U1", "U2"],
    ["call_queue"],
    ["teleport"],
    {"id": "Q1"},
    {"id": "Q1", "x": 1},
    {"wait_s": 1},
    {"mos": 4},
    {"mos": "4"},
    {"jitter_ms": -1},
    {"loss_pct": True},
    {},
    "2026-11-20T09:00:00Z",
    "2026-11-20T09:00:00",
    "2026-11-20T09:00:00+05:30",
    "2026-11-20",
    "2026-02-30",
    "20261120",
    "2026-11-2X",
    "2026-11-20T25:00:00Z",
    "ip_phone",
    "fax",
    "webex_calling",
    "call_on_webex",
    "inbound",
    "calling",
    "meetings",
    "a@b.example",
    "A@B.Example",
    "no-at",
    "x@y",
    "U9",
    "C1",
]
FIELDS = sorted({name for kind in GOOD for name in KINDS[kind].allowed} | {"extra"})


def run(path: str, kind: str, obj: dict[str, Any], backend: type) -> tuple[bool, Context]:
    ctx = Context(scope_partner=None, ts=backend.ts, day=backend.day)
    if path == "fast":
        ok = FAST[kind](ctx, copy.deepcopy(obj), 7)
    else:
        ok = not check_generic(ctx, KINDS[kind], copy.deepcopy(obj), 7)
    return ok, ctx


def assert_same(kind: str, obj: dict[str, Any], backend: type = PostgresBackend) -> None:
    fast_ok, fast = run("fast", kind, obj, backend)
    slow_ok, slow = run("generic", kind, obj, backend)
    if fast_ok:
        assert slow_ok, obj
        assert fast.rows == slow.rows
        assert fast.chunk == slow.chunk
    else:
        assert fast.rows == {} and fast.chunk.pending == {} and fast.chunk.seen == {}, obj


@pytest.mark.parametrize("kind", sorted(GOOD))
@pytest.mark.parametrize("backend", [PostgresBackend, SqliteBackend])
def test_a_good_line_takes_the_fast_path_and_stages_the_same_rows(kind, backend):
    ok, _ctx = run("fast", kind, GOOD[kind], backend)

    assert ok
    assert_same(kind, GOOD[kind], backend)


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_every_single_odd_value_gets_the_same_answer_from_both_paths(kind):
    for name in sorted(KINDS[kind].allowed | {"extra"}):
        for value in ODD_VALUES:
            assert_same(kind, {**GOOD[kind], name: value})
        assert_same(kind, {k: v for k, v in GOOD[kind].items() if k != name})


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(sorted(GOOD)),
    changes=st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(ODD_VALUES), max_size=3),
)
def test_the_fast_path_agrees_with_the_field_by_field_checks(kind, changes):
    obj = {**GOOD[kind], **changes, "kind": kind}

    assert_same(kind, obj)
