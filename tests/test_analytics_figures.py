"""Every figure of docs/reference/metrics.md#subscriptions-analytics, computed by hand.

Each test builds the least data that puts one boundary on each side; D is 2026-11-26.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from partnerhub.analytics.selectors import (
    KPI_KEYS,
    kpi_customer_ids,
    pct,
    subscriptions_analytics,
)
from partnerhub.analytics.services import snapshot_build, snapshot_refresh_items
from partnerhub.core.choices import Role
from partnerhub.subscriptions.models import Item
from tests.analytics_factories import D, assign, customer, days, item, use
from tests.factories import CustomerManagerFactory, ExternalAdminFactory, UserFactory

pytestmark = pytest.mark.django_db


class _Snapshot:
    """How the test's figures reach the stored snapshot (see the `snapshot` fixture)."""

    refreshed_by_writes = False


@pytest.fixture(autouse=True, params=["built_by_the_request", "stored_then_refreshed"])
def snapshot(request: pytest.FixtureRequest, db: None) -> Any:
    """Every figure twice: the first request builds the snapshot from the data; or the
    snapshot was stored before the data existed, and the refresh that writes call
    (`snapshot_refresh_items`) brings every item up to date before reading."""
    _Snapshot.refreshed_by_writes = request.param == "stored_then_refreshed"
    if _Snapshot.refreshed_by_writes:
        snapshot_build(as_of=D)
    yield request.param
    _Snapshot.refreshed_by_writes = False


def analytics(user: Any, product: str = "calling", as_of: dt.date = D) -> dict[str, Any]:
    if _Snapshot.refreshed_by_writes:
        snapshot_refresh_items(item_ids=Item.objects.values_list("id", flat=True))
    snapshot_build(as_of=as_of)  # what the view asks for before the (read-only) selector
    return subscriptions_analytics(user=user, product=product, as_of=as_of)


def rows(answer: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    """A section's rows by item id."""
    return {row["item_id"]: row for row in answer[section]["rows"]}


# --- Percentages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 16, Decimal("6.2")),  # 6.25 → half to even
        (3, 16, Decimal("18.8")),  # 18.75 → half to even
        (1, 3, Decimal("33.3")),
        (2, 3, Decimal("66.7")),
        (0, 5, Decimal("0.0")),
        (3, 2, Decimal("150.0")),
        (0, 0, None),
    ],
)
def test_percentages_have_one_decimal_rounded_half_to_even(part, whole, expected):
    assert pct(part, whole) == expected


# --- Scope and the first KPI row ---------------------------------------------------------------


def test_total_customers_counts_only_items_in_force_with_meetings_or_calling(
    partner, other_partner, full_admin
):
    # Given one customer per case
    counted = {
        "active": customer(partner, "Active"),
        "suspended": customer(partner, "Suspended"),
        "trial": customer(partner, "Trial"),
        "ends today": customer(partner, "Ends today"),
    }
    item(counted["active"], {"calling": 10})
    item(counted["suspended"], {"meetings": 5}, state="suspended")
    item(counted["trial"], {"meetings": 5}, is_trial=True, start=days(-10), end=days(20))
    item(counted["ends today"], {"calling": 1}, end=D)
    item(customer(partner, "Provisioning"), {"calling": 10}, state="provisioning")
    item(customer(partner, "Cancelled"), {"calling": 10}, state="cancelled")
    item(customer(partner, "Messaging only"), {"messaging": 50})
    item(customer(partner, "Zero calling"), {"calling": 0, "messaging": 5})
    item(customer(partner, "Ended trial"), {"calling": 5}, is_trial=True, state="ended")
    item(customer(partner, "Starts tomorrow"), {"calling": 10}, start=days(1))
    item(customer(partner, "Ended yesterday"), {"calling": 10}, end=days(-1))
    item(customer(other_partner, "Someone else's"), {"calling": 10})

    # When / then
    answer = analytics(full_admin)
    assert answer["kpis"]["total_customers"] == 4
    assert set(kpi_customer_ids(full_admin, "total_customers", D)) == {
        c.id for c in counted.values()
    }


def test_expiring_and_renewing_soon_cover_days_0_to_90(partner, full_admin):
    # Given items ending on day 0, 90 and 91, with and without auto-renew, and a trial
    expiring = {
        "E0": item(customer(partner, "E0"), {"calling": 5}, end=D, ext_id="E0"),
        "E90": item(
            customer(partner, "E90"), {"calling": 5}, is_trial=True, start=days(-10),
            end=days(90), ext_id="E90",
        ),
        # A trial never renews, whatever its flag says.
        "T10": item(
            customer(partner, "T10"), {"calling": 5}, is_trial=True, auto_renew=True,
            start=days(-10), end=days(10), ext_id="T10",
        ),
    }  # fmt: skip
    renewing = {
        "R0": item(customer(partner, "R0"), {"calling": 5}, end=D, auto_renew=True, ext_id="R0"),
        "R90": item(
            customer(partner, "R90"), {"calling": 5}, end=days(90), auto_renew=True, ext_id="R90"
        ),
    }
    item(customer(partner, "E91"), {"calling": 5}, end=days(91))
    item(customer(partner, "R91"), {"calling": 5}, end=days(91), auto_renew=True)

    # When
    answer = analytics(full_admin)

    # Then
    assert answer["kpis"]["expiring_soon"] == 3
    assert answer["kpis"]["renewing_soon"] == 2
    assert {k: r["days_to_expiry"] for k, r in rows(answer, "expiring").items()} == {
        "E0": 0, "E90": 90, "T10": 10,
    }  # fmt: skip
    assert rows(answer, "expiring")["E90"]["is_trial"] is True
    assert {k: r["days_to_renewal"] for k, r in rows(answer, "renewing").items()} == {
        "R0": 0, "R90": 90,
    }  # fmt: skip
    assert answer["expiring"]["kpis"]["expiring_customers"] == 3
    assert answer["renewing"]["kpis"]["renewing_customers"] == 2
    assert set(kpi_customer_ids(full_admin, "expiring_soon", D)) == {
        i.customer_id for i in expiring.values()
    }
    assert set(kpi_customer_ids(full_admin, "renewing_soon", D)) == {
        i.customer_id for i in renewing.values()
    }


def test_the_toggle_narrows_sections_but_not_the_first_kpi_row(partner, full_admin):
    # Given a calling subscription expiring soon, and nothing for meetings
    item(customer(partner, "Calling only"), {"calling": 5}, end=days(30), ext_id="C1")

    # When toggled to meetings
    answer = analytics(full_admin, "meetings")

    # Then the first row still counts it, the sections do not
    assert answer["kpis"]["expiring_soon"] == 1
    assert answer["expiring"]["rows"] == []
    assert answer["expiring"]["kpis"] == {
        "expiring_customers": 0, "assignment_pct": None, "usage_pct": None,
    }  # fmt: skip
    assert rows(analytics(full_admin, "calling"), "expiring").keys() == {"C1"}


def test_a_sales_admin_counts_only_the_customers_they_manage(partner, people, full_admin):
    # Given two customers, one of them managed by the sales admin
    mine = customer(partner, "Mine")
    item(mine, {"calling": 5})
    item(customer(partner, "Not mine"), {"calling": 5})
    sales = people[Role.SALES_ADMIN]
    CustomerManagerFactory(customer=mine, user=sales)

    # Then
    assert analytics(sales)["kpis"]["total_customers"] == 1
    assert set(kpi_customer_ids(sales, "total_customers", D)) == {mine.id}
    assert analytics(full_admin)["kpis"]["total_customers"] == 2
    assert analytics(people[Role.PARTNER_READONLY_ADMIN])["kpis"]["total_customers"] == 2


def test_customers_of_another_partner_never_count_even_when_administered_externally(
    partner, other_partner, full_admin
):
    # Given another partner's customer that our admin is an external administrator of
    theirs = customer(other_partner, "Theirs")
    item(theirs, {"calling": 5}, end=days(10))
    assign(item(theirs, {"calling": 1}), n=3)
    ExternalAdminFactory(customer=theirs, user=full_admin)

    # Then nothing counts
    answer = analytics(full_admin)
    assert answer["kpis"] == dict.fromkeys(KPI_KEYS, 0)
    assert all(answer[key]["rows"] == [] for key in ("expiring", "over_limit"))
    assert all(t["total"] == 0 for t in answer["trend"])


# --- Assigned, used and their weekly changes ---------------------------------------------------


def test_assigned_and_used_now_and_a_week_ago(partner, full_admin):
    # Given a calling subscription added 40 days ago with 10 licenses
    sub = item(customer(partner, "Acme"), {"calling": 10}, start=days(-40), ext_id="S1")
    [u1] = assign(sub, from_date=days(-30))
    assign(sub, from_date=days(-30), to_date=days(-7))  # active neither on D-7 nor on D
    [u3] = assign(sub, from_date=days(-30), to_date=D)  # active on D-7 only
    [u4] = assign(sub, from_date=days(-30), to_date=days(1))  # active on both
    [u5] = assign(sub, from_date=days(-3))  # D only
    [u6] = assign(sub, from_date=days(-7))  # both
    [u7] = assign(sub, from_date=D)  # D only
    use(u1, "calling", days(-6), days(-5))  # this week (twice: still one license)
    use(u1, "meetings", D)  # another product: ignored
    use(u4, "calling", days(-7))  # the week before only
    use(u5, "calling", D)  # this week
    use(u6, "calling", days(-13))  # the week before (its first day)
    use(u3, "calling", days(-8))  # the week before, unassigned since
    use(u7, "calling", days(-14))  # before both windows

    # When
    row = rows(analytics(full_admin), "recently_added")["S1"]

    # Then assigned(D) = u1 u4 u5 u6 u7, assigned(D-7) = u1 u3 u4 u6;
    # used7(D) = u1 u5, used7(D-7) = u4 u6 u3
    assert row == {
        "customer_id": sub.customer.ext_id,
        "customer": "Acme",
        "item_id": "S1",
        "is_trial": False,
        "days_since_added": 40,
        "total": 10,
        "used": 2,
        "assigned": 5,
        "available": 5,
        "weekly_assignment_change": 1,
        "weekly_usage_change": -1,
    }


def test_meetings_usage_counts_hosts_and_participants_not_callers(partner, full_admin):
    # Given three users with meetings licenses: one hosted a meeting yesterday, one took part
    # in one two days ago (the loader turns both into meetings usage days), one only called
    sub = item(customer(partner, "Acme"), {"meetings": 5, "calling": 5}, start=days(-60))
    host, participant, caller = assign(sub, "meetings", 3)
    use(host, "meetings", days(-1))
    use(participant, "meetings", days(-2))
    use(caller, "calling", days(-1))

    # Then
    [meetings_row] = analytics(full_admin, "meetings")["recently_added"]["rows"]
    assert (meetings_row["assigned"], meetings_row["used"]) == (3, 2)
    [calling_row] = analytics(full_admin, "calling")["recently_added"]["rows"]
    assert (calling_row["assigned"], calling_row["used"]) == (0, 0)


def test_usage_in_the_last_3_months_reaches_back_to_d_minus_89(partner, full_admin):
    # Given an expiring subscription whose users last used Calling on various days
    sub = item(customer(partner, "Acme"), {"calling": 10}, end=days(30), ext_id="S1")
    on_89, on_90, today, _never = assign(sub, n=4)
    [gone] = assign(sub, to_date=days(-5))
    use(on_89, "calling", days(-89))
    use(on_90, "calling", days(-90))
    use(today, "calling", D)
    use(gone, "calling", days(-10))

    # When
    row = rows(analytics(full_admin), "expiring")["S1"]

    # Then only D-89..D counts, and only licenses assigned on D
    assert row["usage_3_months"] == 2
    assert (row["assigned"], row["used"], row["available"]) == (4, 1, 6)


# --- Recently added --------------------------------------------------------------------------


def test_recently_added_covers_days_0_to_90_and_counts_customers_once(partner, full_admin):
    # Given
    acme = customer(partner, "Acme")
    item(acme, {"calling": 10}, start=D, ext_id="A0")
    item(acme, {"calling": 4, "meetings": 7}, start=days(-90), ext_id="A90")
    item(customer(partner, "Old"), {"calling": 3}, start=days(-91))

    # When
    answer = analytics(full_admin)

    # Then
    assert {k: r["days_since_added"] for k, r in rows(answer, "recently_added").items()} == {
        "A0": 0, "A90": 90,
    }  # fmt: skip
    assert answer["recently_added"]["kpis"] == {"new_customers": 1, "total_licenses": 14}


# --- About to expire / renew: KPIs -----------------------------------------------------------


def test_expiring_kpis_are_sums_over_every_expiring_item(partner, full_admin):
    # Given two expiring items with 16 licenses, 3 assigned, 1 used in the last 7 days
    a = item(customer(partner, "A"), {"calling": 10}, end=days(5))
    item(customer(partner, "B"), {"calling": 6}, is_trial=True, start=days(-5), end=days(25))
    users = assign(a, n=3)
    use(users[0], "calling", days(-2))

    # When
    kpis = analytics(full_admin)["expiring"]["kpis"]

    # Then 3/16 = 18.75 % and 1/16 = 6.25 %, rounded half to even
    assert kpis == {
        "expiring_customers": 2,
        "assignment_pct": Decimal("18.8"),
        "usage_pct": Decimal("6.2"),
    }


def test_renewing_kpis_count_auto_renewing_subscriptions(partner, full_admin):
    # Given an auto-renewing subscription (8 licenses, 4 assigned, 2 used) and one that does not
    sub = item(customer(partner, "A"), {"calling": 8}, end=days(60), auto_renew=True)
    users = assign(sub, n=4)
    use(users[:2], "calling", D)
    item(customer(partner, "B"), {"calling": 8}, end=days(60))

    # Then
    assert analytics(full_admin)["renewing"]["kpis"] == {
        "renewing_customers": 1,
        "assignment_pct": Decimal("50.0"),
        "usage_pct": Decimal("25.0"),
    }


# --- Low license assignment --------------------------------------------------------------------


def _cohort(partner: Any, ratios: dict[str, tuple[int, int]], start: dt.date = days(-100)) -> None:
    """One calling subscription per entry: item id → (assigned, total)."""
    for ext_id, (assigned, total) in ratios.items():
        sub = item(customer(partner, f"Customer {ext_id}"), {"calling": total}, start=start,
                   ext_id=ext_id)  # fmt: skip
        assign(sub, n=assigned)


@pytest.mark.parametrize(
    ("lowest", "is_low"),
    [
        # Ratios 0.1 and 0.2 are the middle two: M = 0.15, M/2 = 0.075 = 3/40 exactly (in
        # floating point (0.1 + 0.2) / 4 is 0.07500000000000001, which would call it low).
        ((3, 40), False),
        ((2, 40), True),
    ],
)
def test_low_assignment_is_below_half_the_median_of_an_even_cohort(
    partner, full_admin, lowest, is_low
):
    # Given a cohort of four with ratios lowest, 0.1, 0.2, 0.9
    _cohort(partner, {"L": lowest, "A": (1, 10), "B": (2, 10), "C": (9, 10)})

    # When
    answer = analytics(full_admin)

    # Then
    assert set(rows(answer, "low_assignment")) == ({"L"} if is_low else set())
    assert answer["kpis"]["low_assignment"] == (1 if is_low else 0)


@pytest.mark.parametrize(("age", "in_cohort"), [(29, False), (30, True)])
def test_the_cohort_takes_items_added_at_least_30_days_ago(partner, full_admin, age, in_cohort):
    # Given ratios 0.1, 0.2, 0.9 (M = 0.2) added 100 days ago, and an unassigned item
    _cohort(partner, {"A": (1, 10), "B": (2, 10), "C": (9, 10)})
    _cohort(partner, {"NEW": (0, 10)}, start=days(-age))

    # When
    answer = analytics(full_admin)

    # Then the unassigned item joins the cohort (M = 0.15, M/2 = 0.075) only from day 30
    assert set(rows(answer, "low_assignment")) == ({"NEW"} if in_cohort else set())


def test_low_assignment_kpis_and_rows(partner, full_admin):
    # Given a cohort of ratios 0.05, 0.1, 0.5, 0.6, 0.9 (M = 0.5, M/2 = 0.25): two are low
    acme = customer(partner, "Acme")
    low_a = item(acme, {"calling": 20}, start=dt.date(2026, 10, 27), ext_id="LA")  # 0 months
    low_b = item(acme, {"calling": 10}, start=dt.date(2026, 10, 26), ext_id="LB")  # 1 month
    assign(low_a, n=1)
    [recent] = assign(low_b, n=1, from_date=days(-2))
    use(recent, "calling", D)
    _cohort(partner, {"X": (5, 10), "Y": (6, 10), "Z": (9, 10)})

    # When
    answer = analytics(full_admin)

    # Then
    assert answer["low_assignment"]["kpis"] == {
        "low_customers": 1,
        "assignment_pct": Decimal("6.7"),  # 2 / 30
        "usage_after_assignment_pct": Decimal("3.3"),  # 1 / 30
        "unassigned": 28,
    }
    assert rows(answer, "low_assignment") == {
        "LA": {
            "customer_id": acme.ext_id, "customer": "Acme", "item_id": "LA", "is_trial": False,
            "months_since_added": 0, "assigned": 1, "assigned_pct": Decimal("5.0"),
            "total": 20, "used": 0, "available": 19, "weekly_assignment_change": 0,
        },
        "LB": {
            "customer_id": acme.ext_id, "customer": "Acme", "item_id": "LB", "is_trial": False,
            "months_since_added": 1, "assigned": 1, "assigned_pct": Decimal("10.0"),
            "total": 10, "used": 1, "available": 9, "weekly_assignment_change": 1,
        },
    }  # fmt: skip
    assert set(kpi_customer_ids(full_admin, "low_assignment", D)) == {acme.id}


def test_low_assignment_in_the_first_row_counts_either_product(partner, full_admin):
    # Given a meetings cohort with one low item, and no calling at all
    for ext_id, (assigned, total) in {"M1": (0, 10), "M2": (5, 10), "M3": (6, 10)}.items():
        sub = item(customer(partner, ext_id), {"meetings": total}, ext_id=ext_id)
        assign(sub, "meetings", assigned)

    # When toggled to calling
    answer = analytics(full_admin, "calling")

    # Then the first row counts it, the calling section does not
    assert answer["kpis"]["low_assignment"] == 1
    assert answer["low_assignment"]["rows"] == []


# --- Over the license limit --------------------------------------------------------------------


def test_over_the_license_limit(partner, full_admin):
    # Given items with 3 of 2, 5 of 5 and 3 of 1 licenses assigned
    acme = customer(partner, "Acme")
    over = item(acme, {"calling": 2}, end=dt.date(2027, 1, 10), auto_renew=True, ext_id="O1")
    users = assign(over, n=3)
    use(users[0], "calling", days(-1))
    assign(item(customer(partner, "Full"), {"calling": 5}), n=5)
    beta = customer(partner, "Beta")
    assign(item(beta, {"calling": 1}, end=days(400), ext_id="O2"), n=3)

    # When
    answer = analytics(full_admin)

    # Then
    assert answer["over_limit"]["kpis"] == {
        "over_customers": 2,
        "overage": 3,
        "average_overage": Decimal("1.50"),
    }
    assert rows(answer, "over_limit")["O1"] == {
        "customer_id": acme.ext_id, "customer": "Acme", "item_id": "O1", "is_trial": False,
        "months_remaining": 1,  # 2026-11-26 → 2027-01-10
        "auto_renew": True, "total": 2, "assigned": 3, "assigned_pct": Decimal("150.0"),
        "used": 1, "used_pct": Decimal("50.0"),
    }  # fmt: skip
    assert rows(answer, "over_limit")["O2"]["months_remaining"] == 13
    assert answer["kpis"]["over_limit"] == 2
    assert set(kpi_customer_ids(full_admin, "over_limit", D)) == {acme.id, beta.id}


def test_rows_are_ordered_by_customer_name_then_item_id(partner, full_admin):
    # Given
    for name, ext_id in [("beta", "S2"), ("Alpha", "S3"), ("Alpha", "S1")]:
        item(customer(partner, name), {"calling": 5}, end=days(10), ext_id=ext_id)

    # Then
    assert [r["item_id"] for r in analytics(full_admin)["expiring"]["rows"]] == ["S1", "S3", "S2"]


# --- The license assignment trend --------------------------------------------------------------


def test_the_trend_has_twelve_weekly_points_of_total_assigned_and_used(partner, full_admin):
    # Given three calling items: long-running (10), new 20 days ago (5), ended 10 days ago (7)
    acme = customer(partner, "Acme")
    long = item(acme, {"calling": 10}, start=days(-100))
    item(acme, {"calling": 5}, start=days(-20))
    ended = item(acme, {"calling": 7}, start=days(-100), end=days(-10))
    item(acme, {"meetings": 50}, start=days(-100))  # another product
    [a1] = assign(long, from_date=days(-100))
    assign(long, from_date=days(-100), to_date=days(-14))  # inactive from point k=2 on
    assign(long, from_date=days(-10))  # from point k=1 on
    [a4] = assign(ended, from_date=days(-100))  # counts while the item is in force (k >= 2)
    use(a1, "calling", D, days(-7), days(-20), days(-83))
    use(a4, "calling", days(-3), days(-15))

    # When
    trend = analytics(full_admin)["trend"]

    # Then
    assert [p["date"] for p in trend] == [days(-7 * k) for k in range(11, -1, -1)]
    by_k = {k: trend[11 - k] for k in range(12)}
    assert [by_k[k]["total"] for k in range(12)] == [15, 15, 22] + [17] * 9
    assert [by_k[k]["assigned"] for k in range(12)] == [2, 2, 2] + [3] * 9
    assert [by_k[k]["used"] for k in range(12)] == [1, 1, 2] + [0] * 8 + [1]


def test_the_trend_follows_the_as_of_date(partner, full_admin):
    # Given a subscription added 10 days ago with one license used today
    sub = item(customer(partner, "Acme"), {"calling": 4}, start=days(-10))
    use(assign(sub, from_date=days(-10)), "calling", D)

    # When as of a week ago / today
    week_ago = analytics(full_admin, as_of=days(-7))["trend"]
    today = analytics(full_admin)["trend"]

    # Then
    assert week_ago[-1] == {"date": days(-7), "total": 4, "assigned": 1, "used": 0}
    assert today[-1] == {"date": D, "total": 4, "assigned": 1, "used": 1}
    assert today[-2] == week_ago[-1]


# --- The customer ids behind the first KPI row --------------------------------------------------


def test_kpi_customer_ids_rejects_an_unknown_kpi(full_admin):
    with pytest.raises(ValueError, match="kpi"):
        kpi_customer_ids(full_admin, "nonsense", D)


def test_a_person_without_a_partner_role_counts_nothing(partner):
    # Given a customer, and a person with the plain user role
    item(customer(partner, "Acme"), {"calling": 5})
    person = UserFactory(partner=partner, role=Role.USER)

    # Then
    assert analytics(person)["kpis"]["total_customers"] == 0
    assert list(kpi_customer_ids(person, "total_customers", D)) == []
