"""Calling analytics (docs/reference/metrics.md): every figure against hand-computed boundaries.

As of Thursday 2026-11-26 the last completed week W0 is Sunday 2026-11-15 … Saturday 2026-11-21.
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerhub.activity.models import ENDPOINT_CODES, Call, Endpoint
from partnerhub.calling import services as calling_services
from partnerhub.calling.selectors import calling_analytics, pct, ratio
from tests.calling_factories import (
    SATURDAY,
    W0,
    W1,
    W7,
    WEEKS,
    at,
    calling_customer,
    in_w0,
    licensed_user,
    make_calls,
    refreshed,
    row,
)
from tests.factories import CustomerManagerFactory, CustomerUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("users_by_volume_way")]

DAY = dt.timedelta(days=1)


@pytest.fixture(params=["split", "joined"])
def users_by_volume_way(request, monkeypatch):
    """Every figure both ways the refresh may count users by volume (`_users_by_volume`)."""
    share = 1.0 if request.param == "split" else -1.0
    monkeypatch.setattr(calling_services, "PARTLY_LICENSED_SHARE", share)
    return request.param


def trend_calls(data):
    return {p["week_start"]: p["calls"] for p in data["quality_trend"]}


def test_a_call_at_sunday_midnight_belongs_to_the_week_it_starts(partner, full_admin):
    # given calls one second either side of the week boundaries
    alpha = calling_customer(partner, "Alpha")
    for moment in [
        at(W0, 0, 0, 0),  # Sunday 00:00:00 starts W0
        at(W0 - DAY, 23, 59, 59),  # Saturday 23:59:59 is still W1
        at(SATURDAY, 23, 59, 59),  # the last second of W0
        at(SATURDAY + DAY, 0, 0, 0),  # the running week: in no refreshed week
        at(W7, 0, 0, 0),  # the first second of W7
        at(W7 - DAY, 23, 59, 59),  # W8: only W7's calls change sees it
    ]:
        make_calls(alpha, start=moment)
    # when
    data = refreshed(full_admin)
    # then
    assert trend_calls(data) == {w: {W0: 2, W1: 1, W7: 1}.get(w, 0) for w in WEEKS}
    assert [p["week_start"] for p in data["quality_trend"]] == WEEKS
    usage = row(data["customers_usage"], alpha)
    assert (usage["calls"], usage["calls_change_pct"]) == (2, 100.0)
    w7 = row(refreshed(full_admin, week=W7)["customers_usage"], alpha)
    assert (w7["calls"], w7["calls_change_pct"]) == (1, 0.0)


def test_quality_values_exactly_at_the_thresholds_are_not_poor(partner, full_admin):
    # given nine calls: four just over a threshold, four exactly at it, one unmeasured
    alpha = calling_customer(partner, "Alpha")
    user = licensed_user(alpha)
    for quality in [
        {"loss_pct": 5.0},
        {"loss_pct": 5.01},
        {"jitter_ms": 150.0},
        {"jitter_ms": 150.01},
        {"latency_ms": 400.0},
        {"latency_ms": 400.01},
        {"mos": 3.0},
        {"mos": 2.99},
        {},
    ]:
        make_calls(alpha, user=user, **quality)
    # when
    data = refreshed(full_admin)
    # then 4 of 9 are poor: 44.444… → 44.4
    quality = row(data["customers_quality"], alpha)
    assert (quality["calls"], quality["poor_calls"], quality["poor_pct"]) == (9, 4, 44.4)
    assert data["quality_trend"][-1] == {
        "week_start": W0,
        "calls": 9,
        "poor_calls": 4,
        "poor_pct": 44.4,
    }
    assert data["quality_trend"][0] == {
        "week_start": W7,
        "calls": 0,
        "poor_calls": 0,
        "poor_pct": None,
    }


def test_a_missing_value_never_makes_a_call_poor_but_any_measured_one_can(partner, full_admin):
    alpha = calling_customer(partner, "Alpha")
    make_calls(alpha, mos=None, jitter_ms=None, loss_pct=None, latency_ms=401.0)
    make_calls(alpha, mos=4.2, jitter_ms=None, loss_pct=None, latency_ms=None)
    data = refreshed(full_admin)
    assert row(data["customers_quality"], alpha)["poor_calls"] == 1


def test_call_on_webex_calls_count_nowhere(partner, full_admin):
    # given two Webex Calling calls and three app-to-app calls (poor, queued, with features)
    alpha = calling_customer(partner, "Alpha", queues=1)
    caller = licensed_user(alpha)
    app_user = licensed_user(alpha)
    make_calls(alpha, 2, user=caller, duration_s=60)
    make_calls(
        alpha,
        3,
        user=app_user,
        call_type="call_on_webex",
        duration_s=600,
        mos=1.0,
        endpoint="webex_app_web",
        features=["call_queue", "transfer"],
        queue=alpha.call_queues.first(),
        queue_wait_s=5,
        queue_outcome="abandoned",
    )
    # when
    data = refreshed(full_admin)
    # then
    usage = row(data["customers_usage"], alpha)
    assert usage == {
        "customer_id": alpha.ext_id,
        "customer": "Alpha",
        "calling_licenses": 10,
        "active_users": 1,
        "calls": 2,
        "minutes": 2.0,
        "calls_per_active_user": 2.0,
        "calls_change_pct": None,
    }
    assert row(data["customers_quality"], alpha)["poor_calls"] == 0
    assert [e["endpoint"] for e in data["quality_by_endpoint"]] == ["ip_phone"]
    assert data["users_by_volume"][-1] == {
        "week_start": W0,
        "none": 1,
        "low": 1,
        "medium": 0,
        "high": 0,
    }
    assert data["feature_use"]["call_queue"] == 0
    assert data["queue_kpis"] == {
        "wait_to_answer_s": None,
        "wait_before_abandon_s": None,
        "abandoned_pct": None,
    }


def test_licensed_users_are_bucketed_by_their_calls_of_the_week(partner, full_admin):
    # given licensed users with 0, 5, 6, 20 and 21 calls in W0, and the edge cases around them
    bravo = calling_customer(partner, "Bravo")
    u0 = licensed_user(bravo)
    make_calls(bravo, 10, user=u0, start=at(W1 + DAY))  # 10 calls, but in W1
    for n in (5, 6, 20, 21):
        make_calls(bravo, n, user=licensed_user(bravo))
    app_only = licensed_user(bravo)
    make_calls(bravo, 3, user=app_only, call_type="call_on_webex")  # none: app calls only
    make_calls(bravo, 1)  # an unlicensed caller: active, but in no bucket
    ended = licensed_user(bravo, to_date=SATURDAY)  # unassigned on Saturday: not licensed
    make_calls(bravo, 2, user=ended)
    licensed_user(bravo, from_date=SATURDAY)  # assigned on Saturday: licensed, no calls
    until_sunday = licensed_user(bravo, to_date=SATURDAY + DAY)  # still assigned on Saturday
    make_calls(bravo, 1, user=until_sunday)
    # when
    data = refreshed(full_admin)
    # then
    volume = {p["week_start"]: p for p in data["users_by_volume"]}
    assert volume[W0] == {"week_start": W0, "none": 3, "low": 2, "medium": 2, "high": 1}
    assert volume[W1] == {"week_start": W1, "none": 7, "low": 0, "medium": 1, "high": 0}
    for week in WEEKS[:-2]:
        assert volume[week] == {"week_start": week, "none": 8, "low": 0, "medium": 0, "high": 0}
    usage = row(data["customers_usage"], bravo)
    assert (usage["active_users"], usage["calls"], usage["calls_per_active_user"]) == (7, 56, 8.0)
    assert usage["calls_change_pct"] == 460.0  # 10 → 56


def test_a_user_licensed_in_some_weeks_is_bucketed_only_in_those(partner, full_admin):
    # given a user licensed from W0's Saturday on, calling in W1 and in W0, and a user given
    # back their license on W1's Saturday who calls in W2 and W1
    echo = calling_customer(partner, "Echo")
    late = licensed_user(echo, from_date=SATURDAY)
    make_calls(echo, 6, user=late, start=at(W1 + DAY))  # medium, had they been licensed
    make_calls(echo, 2, user=late)
    early = licensed_user(echo, from_date=WEEKS[0], to_date=SATURDAY - 7 * DAY)
    make_calls(echo, 21, user=early, start=at(WEEKS[-3] + DAY))
    make_calls(echo, 1, user=early, start=at(W1 + DAY))
    # when
    data = refreshed(full_admin, week=W1)
    # then each week counts only who was licensed on its Saturday, but everyone who called
    volume = {p["week_start"]: p for p in data["users_by_volume"]}
    assert volume[W0] == {"week_start": W0, "none": 0, "low": 1, "medium": 0, "high": 0}
    assert volume[W1] == {"week_start": W1, "none": 0, "low": 0, "medium": 0, "high": 0}
    assert volume[WEEKS[-3]] == {
        "week_start": WEEKS[-3],
        "none": 0,
        "low": 0,
        "medium": 0,
        "high": 1,
    }
    assert row(data["customers_usage"], echo)["active_users"] == 2


def test_a_license_counts_only_on_an_item_in_force_on_saturday(partner, full_admin):
    from tests.factories import AssignmentFactory, ItemFactory

    # given one customer with items in every state, and a user licensed on each
    mixed = calling_customer(partner, "Mixed")
    main_item = mixed.items.first()
    items = {
        "cancelled": ItemFactory(customer=mixed, lines={"calling": 5}, state="cancelled"),
        "ended trial": ItemFactory(
            customer=mixed, lines={"calling": 5}, is_trial=True, state="ended"
        ),
        "ended friday": ItemFactory(customer=mixed, lines={"calling": 5}, end=SATURDAY - DAY),
        "suspended": ItemFactory(customer=mixed, lines={"calling": 5}, state="suspended"),
        "trial": ItemFactory(customer=mixed, lines={"calling": 5}, is_trial=True),
    }
    calls = {"cancelled": 1, "ended trial": 1, "ended friday": 1, "suspended": 0, "trial": 7}
    for name, item in items.items():
        user = CustomerUserFactory(customer=mixed)
        AssignmentFactory(user=user, item=item)
        if calls[name]:
            make_calls(mixed, calls[name], user=user)
    twice = CustomerUserFactory(customer=mixed)  # licensed on two items: one user
    AssignmentFactory(user=twice, item=main_item)
    AssignmentFactory(user=twice, item=items["trial"])
    make_calls(mixed, 2, user=twice)
    meetings = CustomerUserFactory(customer=mixed)  # a meetings license is no calling license
    AssignmentFactory(user=meetings, item=main_item, product="meetings")
    # when
    data = refreshed(full_admin)
    # then
    assert data["users_by_volume"][-1] == {
        "week_start": W0,
        "none": 1,
        "low": 1,
        "medium": 1,
        "high": 0,
    }
    usage = row(data["customers_usage"], mixed)
    assert (usage["active_users"], usage["calling_licenses"]) == (5, 20)  # 10 + 5 + 5


def test_scope_is_decided_on_the_weeks_saturday(partner, full_admin):
    # given items that end, start or stop around W0's Saturday
    ends_friday = calling_customer(partner, "Ends Friday", end=SATURDAY - DAY)
    ends_saturday = calling_customer(partner, "Ends Saturday", end=SATURDAY)
    starts_saturday = calling_customer(partner, "Starts Saturday", start=SATURDAY)
    calling_customer(partner, "Cancelled", state="cancelled")
    trial = calling_customer(partner, "Trial", is_trial=True)
    calling_customer(partner, "Ended trial", is_trial=True, state="ended")
    suspended = calling_customer(partner, "Suspended", state="suspended")
    meetings = calling_customer(partner, "Meetings only", lines={"meetings": 10})
    for customer in (ends_friday, ends_saturday, meetings):
        make_calls(customer, 3)
        make_calls(customer, 2, start=at(W1 + DAY))
    # when
    data = refreshed(full_admin)
    w1 = refreshed(full_admin, week=W1)
    # then
    assert [r["customer"] for r in data["customers_usage"]] == [
        "Ends Saturday",
        "Starts Saturday",
        "Suspended",
        "Trial",
    ]
    assert [r["customer"] for r in w1["customers_usage"]] == [
        "Ends Friday",
        "Ends Saturday",
        "Suspended",
        "Trial",
    ]
    assert trend_calls(data)[W0] == 3  # Ends Friday's and Meetings only's calls are out
    assert trend_calls(data)[W1] == 4
    assert [r["customer_id"] for r in data["customers_quality"]] == [ends_saturday.ext_id]
    assert row(data["customers_usage"], starts_saturday)["calls"] == 0
    assert row(data["customers_usage"], trial)["calling_licenses"] == 10
    assert row(data["customers_usage"], suspended)["calls_per_active_user"] is None


def test_calling_licenses_sum_the_items_in_force_on_saturday(partner, full_admin):
    from tests.factories import ItemFactory

    alpha = calling_customer(partner, "Alpha", licenses=10)
    ItemFactory(customer=alpha, lines={"calling": 5, "meetings": 50}, is_trial=True)
    ItemFactory(customer=alpha, lines={"calling": 7}, end=SATURDAY - DAY)  # ended Friday
    data = refreshed(full_admin)
    assert row(data["customers_usage"], alpha)["calling_licenses"] == 15


def test_ratios_round_half_to_even(partner, full_admin):
    # given 17 calls of 9 users lasting 2.25 minutes in all, one of them poor
    alpha = calling_customer(partner, "Alpha")
    for _ in range(8):
        make_calls(alpha, 2, user=licensed_user(alpha), duration_s=0)
    make_calls(alpha, 1, user=licensed_user(alpha), duration_s=135, mos=2.0)  # 17 calls, 9 users
    make_calls(alpha, 8, start=at(W1 + DAY))
    # when
    data = refreshed(full_admin)
    # then
    usage = row(data["customers_usage"], alpha)
    assert usage["minutes"] == 2.2  # 2.25 → 2.2
    assert usage["calls_per_active_user"] == 1.89  # 17 / 9 = 1.888…
    assert usage["calls_change_pct"] == 112.5  # (17 − 8) / 8
    assert row(data["customers_quality"], alpha)["poor_pct"] == 5.9  # 1 / 17 = 5.88…
    assert pct(1, 16) == 6.2 and pct(3, 16) == 18.8 and ratio(17, 8, 2) == 2.12
    assert ratio(1, 8, 2) == 0.12 and pct(-1, 3) == -33.3 and pct(1, 0) is None


def test_calls_change_is_null_without_calls_the_week_before(partner, full_admin):
    alpha = calling_customer(partner, "Alpha")
    bravo = calling_customer(partner, "Bravo")
    make_calls(alpha, 2)
    make_calls(bravo, 1)
    make_calls(bravo, 3, start=at(W1 + DAY))
    data = refreshed(full_admin)
    assert row(data["customers_usage"], alpha)["calls_change_pct"] is None
    assert row(data["customers_usage"], bravo)["calls_change_pct"] == -66.7


def test_quality_by_endpoint_and_the_worst_endpoint_type(partner, full_admin):
    # given per-endpoint calls around the 10-call floor of worst_endpoint
    alpha = calling_customer(partner, "Alpha")
    make_calls(alpha, 11, endpoint="ip_phone")
    make_calls(alpha, 1, endpoint="ip_phone", jitter_ms=200)
    make_calls(alpha, 8, endpoint="webex_app_mobile")
    make_calls(alpha, 2, endpoint="webex_app_mobile", loss_pct=9)
    make_calls(alpha, 3, endpoint="third_party", mos=1.5)  # 100 % poor, but only 3 calls
    bravo = calling_customer(partner, "Bravo")
    make_calls(bravo, 9, endpoint="webex_app_desktop", mos=1.0)  # 9 calls: below the floor
    charlie = calling_customer(partner, "Charlie")
    make_calls(charlie, 9, endpoint="room_device")
    make_calls(charlie, 1, endpoint="room_device", mos=2)
    make_calls(charlie, 18, endpoint="analog_adapter")
    make_calls(charlie, 2, endpoint="analog_adapter", mos=2)  # 10 % too: more calls wins
    # when
    data = refreshed(full_admin)
    # then
    assert data["quality_by_endpoint"] == [
        {"endpoint": "webex_app_desktop", "calls": 9, "poor_calls": 9, "poor_pct": 100.0},
        {"endpoint": "webex_app_mobile", "calls": 10, "poor_calls": 2, "poor_pct": 20.0},
        {"endpoint": "ip_phone", "calls": 12, "poor_calls": 1, "poor_pct": 8.3},
        {"endpoint": "room_device", "calls": 10, "poor_calls": 1, "poor_pct": 10.0},
        {"endpoint": "analog_adapter", "calls": 20, "poor_calls": 2, "poor_pct": 10.0},
        {"endpoint": "third_party", "calls": 3, "poor_calls": 3, "poor_pct": 100.0},
    ]
    worst = {r["customer"]: r["worst_endpoint"] for r in data["customers_quality"]}
    assert worst == {"Alpha": "webex_app_mobile", "Bravo": None, "Charlie": "analog_adapter"}
    assert row(data["customers_quality"], alpha) == {
        "customer_id": alpha.ext_id,
        "customer": "Alpha",
        "calls": 25,
        "poor_calls": 6,
        "poor_pct": 24.0,
        "worst_endpoint": "webex_app_mobile",
    }


def test_queue_outcomes_of_all_four_kinds(partner, full_admin):
    # given a customer with two call queues and one call of each outcome
    queued = calling_customer(partner, "Queued", queues=2)
    queue = queued.call_queues.first()
    for outcome, wait in [("answered", 10), ("overflow", 20), ("abandoned", 30), ("voicemail", 41)]:
        extra = ["voicemail"] if outcome == "voicemail" else []
        make_calls(
            queued,
            queue=queue,
            queue_outcome=outcome,
            queue_wait_s=wait,
            direction="inbound",
            features=["call_queue", *extra],
        )
    make_calls(queued, features=["transfer", "call_recording"])
    make_calls(queued, queue=queue, queue_outcome="abandoned", queue_wait_s=99, start=at(W1))
    # a customer with a queue and no calls this week, and one without queues at all
    idle = calling_customer(partner, "Idle queue", queues=1)
    plain = calling_customer(partner, "No queues")
    make_calls(plain, 5, features=["call_queue", "transfer", "hunt_group"])
    # when
    data = refreshed(full_admin)
    # then
    assert data["feature_use"] == {
        "call_queue": 4,
        "hunt_group": 0,
        "auto_attendant": 0,
        "transfer": 1,
        "call_park": 0,
        "call_pickup": 0,
        "voicemail": 1,
        "conference": 0,
        "call_recording": 1,
    }
    assert data["queue_kpis"] == {
        "wait_to_answer_s": 15.0,
        "wait_before_abandon_s": 35.5,
        "abandoned_pct": 50.0,
    }
    assert data["queue_customers"] == [
        {
            "customer_id": idle.ext_id,
            "customer": "Idle queue",
            "queues": 1,
            "queue_calls": 0,
            "answered": 0,
            "abandoned": 0,
            "abandoned_pct": None,
            "wait_to_answer_s": None,
            "wait_before_abandon_s": None,
        },
        {
            "customer_id": queued.ext_id,
            "customer": "Queued",
            "queues": 2,
            "queue_calls": 4,
            "answered": 2,
            "abandoned": 2,
            "abandoned_pct": 50.0,
            "wait_to_answer_s": 15.0,
            "wait_before_abandon_s": 35.5,
        },
    ]
    assert plain.ext_id not in [r["customer_id"] for r in data["queue_customers"]]


def test_another_partners_customers_are_never_counted(partner, other_partner, full_admin, stranger):
    # given a calling customer for each partner, the other one busy and on an external admin
    from tests.factories import ExternalAdminFactory

    ours = calling_customer(partner, "Ours", queues=1)
    theirs = calling_customer(other_partner, "Theirs", queues=1)
    ExternalAdminFactory(customer=theirs, user=full_admin)
    make_calls(ours, 2)
    make_calls(theirs, 7, mos=1.0, queue=theirs.call_queues.first(), queue_outcome="abandoned")
    # when
    data = refreshed(full_admin)
    other = calling_analytics(user=stranger, as_of=dt.date(2026, 11, 26))
    # then
    assert [r["customer_id"] for r in data["customers_usage"]] == [ours.ext_id]
    assert trend_calls(data)[W0] == 2
    assert data["quality_trend"][-1]["poor_calls"] == 0
    assert [e["calls"] for e in data["quality_by_endpoint"]] == [2]
    assert [r["customer_id"] for r in data["queue_customers"]] == [ours.ext_id]
    assert data["queue_kpis"]["abandoned_pct"] is None
    assert other is not None
    assert [r["customer_id"] for r in other["customers_usage"]] == [theirs.ext_id]
    assert other["queue_kpis"]["abandoned_pct"] == 100.0


def test_a_sales_admin_sees_only_assigned_customers(partner, people):
    sales = people["sales_admin"]
    mine = calling_customer(partner, "Mine")
    other = calling_customer(partner, "Not mine")
    CustomerManagerFactory(customer=mine, user=sales)
    make_calls(mine, 1)
    make_calls(other, 4)
    data = refreshed(sales)
    assert [r["customer"] for r in data["customers_usage"]] == ["Mine"]
    assert trend_calls(data)[W0] == 1


def test_the_week_picker_moves_the_tables_not_the_trends(partner, full_admin):
    alpha = calling_customer(partner, "Alpha")
    make_calls(alpha, 2, start=in_w0())
    make_calls(alpha, 5, start=at(W1 + DAY), endpoint="room_device")
    data = refreshed(full_admin, week=W1)
    assert data["week"] == {"start": W1, "end": W1 + 6 * DAY}
    assert row(data["customers_usage"], alpha)["calls"] == 5
    assert [e["endpoint"] for e in data["quality_by_endpoint"]] == ["room_device"]
    assert [p["week_start"] for p in data["users_by_volume"]] == WEEKS
    assert trend_calls(data)[W0] == 2


def test_an_unrefreshed_week_has_no_figures(partner, full_admin):
    calling_customer(partner, "Alpha")
    assert calling_analytics(user=full_admin, as_of=dt.date(2026, 11, 26)) is None
    refreshed(full_admin)
    # the next week (as of Sunday 2026-11-29) is not refreshed yet
    assert calling_analytics(user=full_admin, as_of=dt.date(2026, 11, 29)) is None
    assert calling_analytics(user=full_admin, as_of=dt.date(2026, 11, 28)) is not None


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the module's fixture
@given(
    numerator=st.integers(-(10**9), 10**9),
    denominator=st.integers(-(10**6), 10**6),
    places=st.sampled_from([0, 1, 2]),
    scale=st.sampled_from([1, 100]),
)
def test_integer_ratios_equal_exact_rational_rounding(numerator, denominator, places, scale):
    # the integer fast path rounds exactly as Fraction's round-half-to-even, zero never negative
    expected = (
        float(round(Fraction(numerator) * scale / Fraction(denominator), places))
        if denominator
        else None
    )
    got = ratio(numerator, denominator, places, scale)
    assert got == expected
    if got == 0:
        assert math.copysign(1, got) == 1


def test_the_worst_endpoint_type_on_a_tie_of_share_and_calls_is_the_first_by_name(
    partner, full_admin
):
    # given two types with the same share of poor calls and the same number of calls
    delta = calling_customer(partner, "Delta")
    make_calls(delta, 9, endpoint="webex_app_web")
    make_calls(delta, 1, endpoint="webex_app_web", latency_ms=401)
    make_calls(delta, 9, endpoint="ip_phone")
    make_calls(delta, 1, endpoint="ip_phone", loss_pct=5.01)
    # when
    data = refreshed(full_admin)
    # then
    assert row(data["customers_quality"], delta)["worst_endpoint"] == "ip_phone"


def test_every_endpoint_type_has_its_stored_code(partner):
    # given one call of each endpoint type
    customer = calling_customer(partner, "Codes")
    for endpoint in Endpoint.values:
        make_calls(customer, 1, endpoint=endpoint)
    # when the database computes the codes
    stored = dict(Call.objects.filter(customer=customer).values_list("endpoint", "endpoint_code"))
    # then they are the ones the refresh counts by, one per type
    assert stored == ENDPOINT_CODES
    assert sorted(stored.values()) == list(range(len(Endpoint.values)))


@pytest.mark.parametrize(("unlicensed", "split"), [(1, True), (2, False)])
def test_users_are_counted_user_by_user_only_when_few_lack_a_license(
    partner, unlicensed, split, monkeypatch
):
    # given 9 users licensed in all eight weeks, and 1 or 2 users (10 % or 18 %) without
    customer = calling_customer(partner, "Foxtrot")
    for _ in range(9):
        licensed_user(customer, from_date=WEEKS[0] - DAY)
    for _ in range(unlicensed):
        CustomerUserFactory(customer=customer)
    monkeypatch.setattr(calling_services, "PARTLY_LICENSED_SHARE", 0.1)  # the shipped share
    # when the refresh decides how to count users by volume
    with connection.cursor() as cur:
        weeks = calling_services.refresh_weeks(W0)
        calling_services._licenses(cur, weeks)
        decided = calling_services._few_partly_licensed(cur, weeks)
        calling_services._drop_temp_tables(cur)
    # then it looks them up one by one only up to a tenth
    assert decided is split
