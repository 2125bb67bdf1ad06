"""Customer statuses (docs/reference/rules.md#customer-statuses): every boundary, D = 2026-11-26."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from partnerhub.customers.filtersets import CustomerFilter
from partnerhub.customers.selectors import (
    customer_list,
    customer_with_statuses,
    decorate_customers,
)
from partnerhub.customers.statuses import STATUS_BITS, STATUS_ORDER, statuses_from_mask
from tests.customers_factories import D, assign, day, login_at, login_on
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db


def statuses(customer: Any, user: Any, as_of: dt.date = D) -> list[str]:
    """The statuses the list computes for one customer (the DB mask), checked three ways: the
    status sort's mask, the page's mask, and each status filter on its own."""
    rows = customer_list(user=user, day=as_of, flt=CustomerFilter(), sort="status")
    codes = statuses_from_mask(rows.get(pk=customer.pk).status_mask)
    page = list(customer_list(user=user, day=as_of, flt=CustomerFilter(), sort="name"))
    decorate_customers(page, user=user, day=as_of)
    assert next(c for c in page if c.pk == customer.pk).status_codes == codes
    filtered = [
        code
        for code in STATUS_ORDER
        if customer_list(user=user, day=as_of, flt=CustomerFilter(statuses=[code]))
        .filter(pk=customer.pk)
        .exists()
    ]
    assert filtered == codes
    return codes


@pytest.fixture
def customer(full_admin: Any) -> Any:
    """A customer whose administrators signed in yesterday (so no_recent_activity is off)."""
    c = CustomerFactory(partner=full_admin.partner, name="Contoso")
    login_on(c, -1)
    return c


def test_the_mask_puts_the_most_urgent_status_in_the_highest_bit() -> None:
    assert STATUS_ORDER[0] == "suspended" and STATUS_ORDER[-1] == "expired"
    assert STATUS_BITS["suspended"] > STATUS_BITS["license_overage"] > STATUS_BITS["expired"]
    assert statuses_from_mask(STATUS_BITS["trial"] | STATUS_BITS["suspended"]) == [
        "suspended",
        "trial",
    ]


# --- expiring_soon ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end_offset", "expected"),
    [
        (0, ["expiring_soon", "subscription"]),  # ends today: 0 days left, still in force
        (30, ["expiring_soon", "subscription"]),  # D+30: the last day of the window
        (31, ["subscription"]),  # D+31: outside the window
        (-1, ["expired"]),  # ended yesterday: not in force
    ],
)
def test_a_subscription_without_auto_renew_expires_soon_within_30_days(
    customer: Any, full_admin: Any, end_offset: int, expected: list[str]
) -> None:
    ItemFactory(customer=customer, end=day(end_offset), auto_renew=False, lines={"calling": 5})
    assert statuses(customer, full_admin) == expected


def test_an_auto_renewing_subscription_never_expires_soon(customer: Any, full_admin: Any) -> None:
    ItemFactory(customer=customer, end=day(5), auto_renew=True)
    assert statuses(customer, full_admin) == ["subscription"]


@pytest.mark.parametrize(
    ("end_offset", "expected"),
    [(0, ["expiring_soon", "trial"]), (30, ["expiring_soon", "trial"]), (31, ["trial"])],
)
def test_an_active_trial_expires_soon_within_30_days(
    customer: Any, full_admin: Any, end_offset: int, expected: list[str]
) -> None:
    ItemFactory(customer=customer, is_trial=True, ext_id="T-1", end=day(end_offset))
    assert statuses(customer, full_admin) == expected


def test_an_ended_or_converted_trial_is_not_in_force(customer: Any, full_admin: Any) -> None:
    ItemFactory(customer=customer, is_trial=True, state="ended", end=day(10))
    ItemFactory(customer=customer, is_trial=True, state="converted", end=day(10))
    assert statuses(customer, full_admin) == ["expired"]


def test_a_subscription_that_starts_after_d_is_scheduled_not_expired(
    customer: Any, full_admin: Any
) -> None:
    """Set up three weeks ahead: neither in force nor expired; the pages say when it starts."""
    ItemFactory(customer=customer, start=day(21), end=day(386))
    assert statuses(customer, full_admin) == []
    shown = customer_with_statuses(customer=customer, user=full_admin, day=D)
    assert shown.starts_on == day(21)


def test_a_trial_that_starts_tomorrow_is_scheduled_and_one_starting_today_is_in_force(
    customer: Any, full_admin: Any
) -> None:
    trial = ItemFactory(customer=customer, is_trial=True, start=day(1), end=day(31))
    assert statuses(customer, full_admin) == []
    trial.start = D
    trial.save()
    assert statuses(customer, full_admin) == ["trial"]
    assert customer_with_statuses(customer=customer, user=full_admin, day=D).starts_on is None


def test_a_scheduled_item_is_not_shown_once_a_status_holds(customer: Any, full_admin: Any) -> None:
    ItemFactory(customer=customer, start=day(-10), end=day(200), auto_renew=True)
    ItemFactory(customer=customer, start=day(201), end=day(500))
    assert statuses(customer, full_admin) == ["subscription"]
    assert customer_with_statuses(customer=customer, user=full_admin, day=D).starts_on is None


def test_a_cancelled_future_subscription_does_not_keep_a_customer_alive(
    customer: Any, full_admin: Any
) -> None:
    ItemFactory(customer=customer, state="cancelled", start=day(5), end=day(50))
    assert statuses(customer, full_admin) == ["expired"]


def test_the_expiring_window_follows_the_setting(
    customer: Any, full_admin: Any, settings: Any
) -> None:
    settings.EXPIRING_SOON_DAYS = 10
    inside = ItemFactory(customer=customer, end=day(10))
    assert statuses(customer, full_admin) == ["expiring_soon", "subscription"]
    inside.end = day(11)
    inside.save()
    assert statuses(customer, full_admin) == ["subscription"]


# --- suspended -------------------------------------------------------------------------------


def test_a_suspended_subscription_ending_today_is_suspended_and_still_in_force(
    customer: Any, full_admin: Any
) -> None:
    ItemFactory(customer=customer, state="suspended", end=D, auto_renew=True)
    assert statuses(customer, full_admin) == ["suspended", "subscription"]


def test_a_suspended_subscription_that_ended_yesterday_is_not_suspended(
    customer: Any, full_admin: Any
) -> None:
    ItemFactory(customer=customer, state="suspended", end=day(-1))
    assert statuses(customer, full_admin) == ["expired"]


def test_a_suspended_subscription_without_auto_renew_also_expires_soon(
    customer: Any, full_admin: Any
) -> None:
    ItemFactory(customer=customer, state="suspended", end=day(10), auto_renew=False)
    assert statuses(customer, full_admin) == ["suspended", "expiring_soon", "subscription"]


def test_a_cancelled_subscription_is_not_in_force(customer: Any, full_admin: Any) -> None:
    ItemFactory(customer=customer, state="cancelled", end=day(100))
    assert statuses(customer, full_admin) == ["expired"]


# --- license_overage -------------------------------------------------------------------------


def test_more_assigned_than_licenses_is_an_overage(customer: Any, full_admin: Any) -> None:
    item = ItemFactory(customer=customer, auto_renew=True, lines={"calling": 2, "meetings": 5})
    assign(item, 3, "calling")
    assert statuses(customer, full_admin) == ["license_overage", "subscription"]


def test_as_many_assigned_as_licenses_is_no_overage(customer: Any, full_admin: Any) -> None:
    item = ItemFactory(customer=customer, auto_renew=True, lines={"calling": 2})
    assign(item, 2, "calling")
    assert statuses(customer, full_admin) == ["subscription"]


def test_an_assignment_ending_on_d_is_not_active(customer: Any, full_admin: Any) -> None:
    # 2 licenses, 2 assignments still running, a third one unassigned on D: 2 assigned, no overage.
    item = ItemFactory(customer=customer, auto_renew=True, lines={"calling": 2})
    assign(item, 2, "calling")
    assign(item, 1, "calling", to_date=D)
    assert statuses(customer, full_admin) == ["subscription"]


def test_an_assignment_starting_on_d_is_active_and_one_starting_tomorrow_is_not(
    customer: Any, full_admin: Any
) -> None:
    item = ItemFactory(customer=customer, auto_renew=True, lines={"calling": 1})
    assign(item, 1, "calling")
    assign(item, 1, "calling", from_date=day(1))
    assert statuses(customer, full_admin) == ["subscription"]
    assign(item, 1, "calling", from_date=D)
    assert statuses(customer, full_admin) == ["license_overage", "subscription"]


def test_an_overage_on_an_item_not_in_force_does_not_count(customer: Any, full_admin: Any) -> None:
    ended = ItemFactory(customer=customer, is_trial=True, state="ended", lines={"calling": 1})
    assign(ended, 3, "calling")
    assert statuses(customer, full_admin) == ["expired"]


def test_assignments_of_another_product_do_not_count(customer: Any, full_admin: Any) -> None:
    item = ItemFactory(customer=customer, auto_renew=True, lines={"calling": 1, "meetings": 5})
    assign(item, 3, "meetings")
    assert statuses(customer, full_admin) == ["subscription"]


# --- ready_to_set_up / expired ------------------------------------------------------------------


def test_a_provisioning_subscription_is_ready_to_set_up_and_not_expired(
    customer: Any, full_admin: Any
) -> None:
    ItemFactory(customer=customer, state="provisioning", start=D, end=day(365))
    assert statuses(customer, full_admin) == ["ready_to_set_up"]


def test_a_customer_with_nothing_is_expired(customer: Any, full_admin: Any) -> None:
    assert statuses(customer, full_admin) == ["expired"]


# --- no_recent_activity ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (dt.datetime(2026, 10, 28, 0, 0, tzinfo=dt.UTC), ["expired"]),  # D−29 00:00: recent
        (dt.datetime(2026, 10, 27, 23, 59, tzinfo=dt.UTC), ["no_recent_activity", "expired"]),
        (dt.datetime(2026, 11, 26, 23, 59, tzinfo=dt.UTC), ["expired"]),  # D late evening
        (dt.datetime(2026, 11, 27, 0, 0, tzinfo=dt.UTC), ["no_recent_activity", "expired"]),
    ],
)
def test_no_recent_activity_looks_at_sign_ins_on_d_minus_29_to_d(
    full_admin: Any, when: dt.datetime, expected: list[str]
) -> None:
    c = CustomerFactory(partner=full_admin.partner)
    login_at(c, when)
    assert statuses(c, full_admin) == expected


def test_no_sign_in_ever_is_no_recent_activity(full_admin: Any) -> None:
    c = CustomerFactory(partner=full_admin.partner)
    assert statuses(c, full_admin) == ["no_recent_activity", "expired"]


@pytest.mark.parametrize(
    ("created_days_ago", "expected"),
    [
        (0, ["expired"]),  # created today (e.g. by a new trial): younger than the window
        (29, ["expired"]),  # D−29: still younger than the 30-day window
        (30, ["no_recent_activity", "expired"]),  # D−30: old enough to be inactive
        (31, ["no_recent_activity", "expired"]),
    ],
)
def test_a_customer_younger_than_the_window_is_not_inactive(
    full_admin: Any, created_days_ago: int, expected: list[str]
) -> None:
    c = CustomerFactory(partner=full_admin.partner, created=day(-created_days_ago))
    assert statuses(c, full_admin) == expected


def test_the_activity_window_follows_the_setting(full_admin: Any, settings: Any) -> None:
    settings.NO_RECENT_ACTIVITY_DAYS = 7
    c = CustomerFactory(partner=full_admin.partner)
    login_on(c, -7)
    assert statuses(c, full_admin) == ["no_recent_activity", "expired"]
    login_on(c, -6)
    assert statuses(c, full_admin) == ["expired"]


# --- several at once, order, as-of ---------------------------------------------------------------


def test_statuses_come_most_urgent_first(full_admin: Any) -> None:
    c = CustomerFactory(partner=full_admin.partner)
    ItemFactory(customer=c, state="suspended", end=day(100), auto_renew=True)
    over = ItemFactory(customer=c, end=day(12), auto_renew=False, lines={"calling": 1})
    assign(over, 2)
    ItemFactory(customer=c, state="provisioning", end=day(365))
    ItemFactory(customer=c, is_trial=True, end=day(60))
    assert statuses(c, full_admin) == [
        "suspended",
        "license_overage",
        "expiring_soon",
        "ready_to_set_up",
        "no_recent_activity",
        "trial",
        "subscription",
    ]


def test_statuses_follow_the_as_of_date(customer: Any, full_admin: Any) -> None:
    ItemFactory(customer=customer, end=day(40), auto_renew=False)
    assert statuses(customer, full_admin) == ["subscription"]
    # As of D+10 the sub ends in 30 days, and yesterday's sign-in is 11 days old.
    assert statuses(customer, full_admin, as_of=day(10)) == ["expiring_soon", "subscription"]


def test_the_reasons_say_why(full_admin: Any) -> None:
    c = CustomerFactory(partner=full_admin.partner)
    login_on(c, -56)
    ItemFactory(customer=c, ext_id="Sub-100231", end=day(12), lines={"calling": 10})
    over = ItemFactory(customer=c, ext_id="Sub-100232", auto_renew=True, lines={"calling": 10})
    assign(over, 12)
    ItemFactory(customer=c, ext_id="Sub-100233", state="provisioning")
    ItemFactory(customer=c, ext_id="T-1", is_trial=True, end=day(0))
    decorated = customer_with_statuses(customer=c, user=full_admin, day=D)
    reasons = {b.code: b.reasons for b in decorated.statuses}
    assert reasons["license_overage"] == ["Sub-100232 Webex Calling: 12 assigned of 10 licenses"]
    assert reasons["expiring_soon"] == ["Trial T-1 ends today", "Sub-100231 ends in 12 days"]
    assert reasons["ready_to_set_up"] == ["Sub-100233 is waiting for set-up"]
    assert reasons["no_recent_activity"] == ["Last administrator sign-in 2026-10-01 (56 days ago)"]
    assert reasons["trial"] == ["Trial T-1 in force until 2026-11-26"]
    assert decorated.products == ["calling"]
