"""The user-week call rollup the loader keeps in step with the calls (activity.callweeks)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerhub.activity.models import Call, UserCallWeek
from partnerhub.calling.services import refresh_analytics
from partnerhub.demo.generator import generate
from partnerhub.ingest import loader
from partnerhub.ingest.errors import LoadError
from partnerhub.ingest.reader import stream_source
from partnerhub.ingest.services import dataset_load
from tests.ingest_factories import BASE, base, load

pytestmark = pytest.mark.django_db
W_NOV15 = dt.date(2026, 11, 15)  # Sunday starting the week of 2026-11-20
W_NOV22 = dt.date(2026, 11, 22)
D = dt.date(2026, 11, 26)


def rollup() -> Counter[tuple[dt.date, str, str]]:
    """The stored rollup as (week, customer, user) → calls."""
    return Counter(
        {
            (week, customer, user): calls
            for week, customer, user, calls in UserCallWeek.objects.values_list(
                "week", "customer__ext_id", "user__ext_id", "calls"
            )
        }
    )


def from_calls() -> Counter[tuple[dt.date, str, str]]:
    """What the rollup must hold: webex_calling calls counted per week, customer and user."""
    return Counter(
        Call.objects.filter(call_type="webex_calling").values_list(
            "week", "customer__ext_id", "user__ext_id"
        )
    )


def call(ext_id: str, user: str, start: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "call",
        "id": ext_id,
        "customer": "C1",
        "user": user,
        "start": start,
        "duration_s": 10,
        "endpoint": "ip_phone",
        **extra,
    }


def test_a_load_counts_each_users_webex_calling_calls_per_week():
    # given the example dataset: K1 (U1, Fri 20 Nov), K2 (U2, call_on_webex), K3 (U2, Sun 22 Nov)
    load(BASE)
    # then K2 is not counted and K3, on Sunday 10:00, is in the week starting that Sunday
    assert rollup() == {(W_NOV15, "C1", "U1"): 1, (W_NOV22, "C1", "U2"): 1}
    assert rollup() == from_calls()


@pytest.mark.parametrize("chunk_lines", [1, 3, 100_000])
def test_loading_the_same_calls_again_changes_nothing(chunk_lines):
    load(BASE, chunk_lines=chunk_lines)
    before = rollup()
    load(BASE, chunk_lines=chunk_lines)
    assert rollup() == before == from_calls()


def test_a_call_exactly_at_sunday_midnight_counts_in_the_week_it_starts():
    lines = [
        *base(),
        call("K4", "U1", "2026-11-21T23:59:59Z"),
        call("K5", "U1", "2026-11-22T00:00:00Z"),
    ]
    load(lines)
    assert rollup()[(W_NOV15, "C1", "U1")] == 2  # K1 and K4 (Saturday 23:59:59)
    assert rollup()[(W_NOV22, "C1", "U1")] == 1  # K5


@pytest.mark.parametrize(
    "change, expected",
    [
        # K3 moves to U1: U2's row goes (no zero rows are kept)
        ({"user": "U1"}, {(W_NOV15, "C1", "U1"): 1, (W_NOV22, "C1", "U1"): 1}),
        # K3 moves back a week
        ({"start": "2026-11-21T10:00:00Z"}, {(W_NOV15, "C1", "U1"): 1, (W_NOV15, "C1", "U2"): 1}),
        # K3 becomes a Call on Webex call: no longer counted
        ({"type": "call_on_webex"}, {(W_NOV15, "C1", "U1"): 1}),
    ],
)
def test_a_reloaded_call_takes_its_count_along(change, expected):
    load(BASE)
    lines = base()
    k3 = next(line for line in lines if line.get("id") == "K3")
    k3.update(change)
    load([line for line in lines if line["kind"] in ("call", "call_queue")])
    assert rollup() == expected == from_calls()


def test_a_call_on_webex_call_that_becomes_webex_calling_starts_to_count():
    load(BASE)
    lines = base()
    k2 = next(line for line in lines if line.get("id") == "K2")
    k2["type"] = "webex_calling"
    load([k2])
    assert rollup()[(W_NOV15, "C1", "U2")] == 1
    assert rollup() == from_calls()


@pytest.mark.parametrize("chunk_lines", [1, 100_000])
def test_within_one_load_the_last_line_of_a_call_wins(chunk_lines):
    lines = [
        *base(),
        call("K9", "U1", "2026-11-20T10:00:00Z"),
        call("K9", "U2", "2026-11-23T10:00:00Z"),
    ]
    load(lines, chunk_lines=chunk_lines)
    assert rollup()[(W_NOV22, "C1", "U2")] == 2  # K3 and K9's last line
    assert rollup() == from_calls()


def test_a_refused_load_leaves_the_rollup_as_it_was():
    load(BASE)
    before = rollup()
    lines = base()
    next(line for line in lines if line.get("id") == "K3")["user"] = "U1"
    lines.append(call("K8", "NO-SUCH-USER", "2026-11-20T10:00:00Z"))
    with pytest.raises(LoadError):
        load(lines)
    assert rollup() == before


def test_a_bulk_load_computes_the_rollup_in_one_pass(monkeypatch):
    monkeypatch.setattr(loader, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr(loader, "BULK_SHARE", 0.0)
    load(BASE, chunk_lines=5)
    assert rollup() == {(W_NOV15, "C1", "U1"): 1, (W_NOV22, "C1", "U2"): 1}
    lines = base()
    next(line for line in lines if line.get("id") == "K3")["user"] = "U1"
    load(lines, chunk_lines=5)
    assert rollup() == from_calls() == {(W_NOV15, "C1", "U1"): 1, (W_NOV22, "C1", "U1"): 1}


WRITES = st.lists(
    st.tuples(
        st.sampled_from(["K1", "K2", "K3", "KA", "KB"]),
        st.sampled_from(["U1", "U2"]),
        st.sampled_from(["2026-11-14T10:00:00Z", "2026-11-20T23:59:59Z", "2026-11-22T00:00:00Z"]),
        st.sampled_from(["webex_calling", "call_on_webex"]),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(loads=st.lists(WRITES, min_size=1, max_size=3), chunk_lines=st.sampled_from([1, 2, 50]))
def test_any_sequence_of_loads_keeps_the_rollup_equal_to_the_calls(loads, chunk_lines):
    # given the example dataset, then calls written, rewritten and moved over several loads
    UserCallWeek.objects.all().delete()
    Call.objects.all().delete()
    load(BASE)
    for writes in loads:
        lines = [
            call(ext_id, user, start, type=call_type) for ext_id, user, start, call_type in writes
        ]
        load(lines, chunk_lines=chunk_lines)
        # then after every load the rollup counts exactly the stored calls
        assert rollup() == from_calls()
    assert 0 not in rollup().values()


@pytest.mark.parametrize("chunk_lines, bulk", [(2_000, False), (1_000_000, True)])
def test_after_loading_generated_data_the_refresh_has_nothing_to_rebuild(
    chunk_lines, bulk, caplog, monkeypatch
):
    # given a generated dataset loaded in chunks (deltas), or at once in bulk mode (one pass)
    if bulk:
        monkeypatch.setattr(loader, "BULK_MIN_ROWS", 1)
        monkeypatch.setattr(loader, "BULK_SHARE", 0.0)
    buf = io.BytesIO()
    generate(buf, customers=12, seed=5, as_of=D)
    dataset_load(sources=[stream_source(io.BytesIO(buf.getvalue()))], chunk_lines=chunk_lines)
    assert rollup() == from_calls() and len(rollup()) > 100
    # when the calling analytics are refreshed, the rollup matches every customer-week's calls
    refresh_analytics(as_of=D)
    assert "rebuilt the user-week rollup" not in caplog.text
