"""The stored snapshot of the subscriptions analytics: built on demand, refreshed by writes,
forgotten by loads, idempotent, pruned; the figures stay those of docs/reference/metrics.md.

D is 2026-11-26; a page as of D reads the days D − 7k, k = 0 … 11.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partnerhub.analytics import services
from partnerhub.analytics.models import LineDay, SnapshotDay
from partnerhub.analytics.selectors import subscriptions_analytics
from partnerhub.analytics.services import (
    snapshot_build,
    snapshot_days,
    snapshot_invalidate,
    snapshot_refresh_items,
)
from partnerhub.orgs.services import licenses_assign, licenses_unassign
from partnerhub.subscriptions.models import Assignment
from partnerhub.subscriptions.order_services import (
    OrderDetails,
    order_change,
    order_new,
    order_renew,
)
from partnerhub.subscriptions.services import subscription_setup
from partnerhub.trials.services import trial_end, trial_extend, trial_start
from tests.analytics_factories import D, assign, customer, days, item, use
from tests.factories import CustomerUserFactory
from tests.ingest_factories import load

pytestmark = pytest.mark.django_db

URL = "/analytics/subscriptions/"


def analytics(user: Any, product: str = "calling", as_of: dt.date = D) -> dict[str, Any]:
    """What the page answers: the build its view asks for first, then the (read-only) selector."""
    snapshot_build(as_of=as_of)
    return subscriptions_analytics(user=user, product=product, as_of=as_of)


def row(answer: dict[str, Any], section: str, item_id: str) -> dict[str, Any] | None:
    """The row of one item in a section, or None."""
    return next((r for r in answer[section]["rows"] if r["item_id"] == item_id), None)


def markers() -> dict[dt.date, dt.datetime]:
    """The stored days and when each was built."""
    return dict(SnapshotDay.objects.values_list("day", "built_at"))


def stored_rows(day: dt.date = D) -> list[tuple[Any, ...]]:
    return list(
        LineDay.objects.filter(day=day)
        .order_by("line_id")
        .values_list("line_id", "total", "assigned", "used", "used_90", "assigned_before",
                     "used_before")
    )  # fmt: skip


# --- Built on demand --------------------------------------------------------------------------


def test_the_first_request_for_an_as_of_date_stores_its_twelve_days(partner, full_admin):
    # Given a subscription and nothing stored
    sub = item(customer(partner, "Acme"), {"calling": 10, "meetings": 5}, ext_id="S1")
    assign(sub, n=2)
    assert not SnapshotDay.objects.exists()

    # When
    analytics(full_admin)

    # Then the twelve days are stored, each with its two lines
    assert sorted(markers()) == sorted(snapshot_days(D))
    assert LineDay.objects.count() == 12 * 2
    assert [r[:3] for r in stored_rows()] == [
        (line.id, line.licenses, 2 if line.product == "calling" else 0)
        for line in sub.lines.order_by("id")
    ]


def test_building_again_changes_nothing(partner, full_admin):
    # Given a stored snapshot
    sub = item(customer(partner, "Acme"), {"calling": 10})
    use(assign(sub, n=3), "calling", days(-2))
    first = snapshot_build(as_of=D)
    before, rows = markers(), stored_rows()

    # When built again
    again = snapshot_build(as_of=D)

    # Then nothing was built or rewritten
    assert len(first.built) == 12 and again.built == []
    assert markers() == before
    assert stored_rows() == rows
    assert LineDay.objects.count() == 12


def test_the_snapshot_runs_the_same_statements_built_or_not(partner):
    # Given data, and nothing stored
    assign(item(customer(partner, "Acme"), {"calling": 10}), n=2)

    # When it builds, then when it has nothing to do
    with CaptureQueriesContext(connection) as cold:
        snapshot_build(as_of=D)
    with CaptureQueriesContext(connection) as warm:
        snapshot_build(as_of=D)

    # Then a page's number of queries does not depend on it
    assert len(cold.captured_queries) == len(warm.captured_queries)


def test_a_missing_day_is_built_again_and_rows_appended_since_are_counted(partner, full_admin):
    # Given a stored snapshot
    sub = item(customer(partner, "Acme"), {"calling": 10}, start=days(-100), ext_id="S1")
    assign(sub, from_date=days(-100))
    analytics(full_admin)
    before = markers()
    # … that lost the day D − 14, while a license was assigned without a service (factories)
    SnapshotDay.objects.filter(day=days(-14)).delete()
    assign(sub, from_date=days(-20))

    # When
    answer = analytics(full_admin)

    # Then the day is built again, the other days are brought up to date, not rebuilt
    after = markers()
    assert after.keys() == before.keys()
    assert after[days(-14)] != before[days(-14)]
    assert all(after[d] == before[d] for d in before if d != days(-14))
    by_date = {p["date"]: p["assigned"] for p in answer["trend"]}
    assert by_date[days(-14)] == 2 and by_date[D] == 2 and by_date[days(-21)] == 1
    assert row(answer, "low_assignment", "S1") is None
    assert LineDay.objects.filter(day=days(-14)).count() == 1


def test_many_rows_appended_without_a_service_rebuild_every_day(partner, full_admin, monkeypatch):
    # Given a stored snapshot, then more rows appended than are worth refreshing one by one
    sub = item(customer(partner, "Acme"), {"calling": 10}, ext_id="S1")
    analytics(full_admin)
    before = markers()
    monkeypatch.setattr(services, "RESET_ROWS", 2)
    assign(sub, n=3)

    # When
    answer = analytics(full_admin)

    # Then every day was built again, with the new figures
    assert all(markers()[d] != before[d] for d in before)
    assert answer["trend"][-1]["assigned"] == 3


def test_days_far_from_today_are_pruned_by_the_next_build(partner, full_admin):
    # Given the days of D − 200 stored (as of a date long ago: D − 277 … D − 200)
    item(customer(partner, "Acme"), {"calling": 10}, start=days(-400))
    long_ago = days(-200)
    snapshot_build(as_of=long_ago)

    # When the days of D are built
    snapshot_build(as_of=D)

    # Then those more than 120 days from today are gone with their rows; today's stay
    assert sorted(markers()) == sorted(snapshot_days(D))
    assert not LineDay.objects.filter(day__lte=long_ago).exists()

    # And a look at a distant date keeps them (it prunes only the distant days)
    snapshot_build(as_of=days(400))
    assert set(snapshot_days(D)) <= set(markers())


def test_the_build_snapshot_command_builds_the_days_of_a_date(partner):
    item(customer(partner, "Acme"), {"calling": 10})
    out = io.StringIO()

    call_command("build_snapshot", "--as-of", "2026-11-26", stdout=out)

    assert sorted(markers()) == sorted(snapshot_days(D))
    assert "as of 2026-11-26: 12 days (2026-09-10 … 2026-11-26), 12 line-days" in out.getvalue()
    with pytest.raises(CommandError, match="--as-of"):
        call_command("build_snapshot", "--as-of", "2026-02-30")


# --- Refreshed by the writes ------------------------------------------------------------------


def bar(html: str, item_id: str) -> str:
    """The hover text of an item's usage bar in the first table that shows it."""
    start = html.index(f'data-item="{item_id}"')
    text = html[start:].split("Used ", 1)[1]
    return "Used " + text.split("<", 1)[0].split('"', 1)[0].strip()


def test_a_license_assigned_through_the_orgs_service_shows_on_the_page_at_once(partner, full_admin):
    # Given a page already seen (the snapshot stored) with 1 of 10 licenses assigned
    acme = customer(partner, "Acme")
    sub = item(acme, {"calling": 10}, start=days(-40), ext_id="S1")
    assign(sub, from_date=days(-30))
    newcomer = CustomerUserFactory(customer=acme)
    client = Client()
    client.force_login(full_admin)
    assert bar(client.get(URL, {"product": "calling"}).content.decode(), "S1").startswith(
        "Used 0 · Assigned 1 · Available 9"
    )
    before = markers()

    # When a license is assigned through the service
    licenses_assign(actor=full_admin, customer=acme, item=sub, product="calling",
                    users=[newcomer])  # fmt: skip

    # Then the page shows it, from the refreshed snapshot (not built again)
    html = client.get(URL, {"product": "calling"}).content.decode()
    assert bar(html, "S1").startswith("Used 0 · Assigned 2 · Available 8 · Total 10")
    assert markers() == before


def test_a_license_unassigned_through_the_orgs_service_is_gone_at_once(partner, full_admin):
    # Given two licenses assigned and the snapshot stored
    acme = customer(partner, "Acme")
    sub = item(acme, {"calling": 10}, start=days(-40), ext_id="S1")
    leaving, _staying = assign(sub, n=2, from_date=days(-30))
    assert row(analytics(full_admin), "recently_added", "S1")["assigned"] == 2

    # When one is unassigned today (an update: no new row for the watermark to notice)
    licenses_unassign(actor=full_admin, customer=acme, item=sub, product="calling",
                      users=[leaving])  # fmt: skip

    # Then
    answer = analytics(full_admin)
    assert row(answer, "recently_added", "S1")["assigned"] == 1
    assert row(answer, "recently_added", "S1")["weekly_assignment_change"] == -1


def test_a_trial_started_counts_at_once(partner, full_admin):
    # Given a customer without Calling and the snapshot stored
    acme = customer(partner, "Acme")
    assert analytics(full_admin)["kpis"]["total_customers"] == 0

    # When a 30-day trial starts for it
    trial = trial_start(actor=full_admin, customer=acme, lines={"calling": 5}, days=30)

    # Then it is counted, recently added and about to expire
    answer = analytics(full_admin)
    assert answer["kpis"]["total_customers"] == 1
    assert row(answer, "recently_added", trial.ext_id)["days_since_added"] == 0
    assert row(answer, "expiring", trial.ext_id)["is_trial"] is True
    assert answer["trend"][-1]["total"] == 5


def test_extending_then_ending_a_trial_shows_at_once(partner, full_admin):
    # Given a trial ending in 10 days, and the snapshot stored
    trial = item(customer(partner, "Acme"), {"calling": 5}, is_trial=True, start=days(-20),
                 end=days(10), ext_id="T1")  # fmt: skip
    assert row(analytics(full_admin), "expiring", "T1")["days_to_expiry"] == 10

    # When it is extended (the end moves: an update of the item)
    trial_extend(actor=full_admin, trial=trial)

    # Then
    assert row(analytics(full_admin), "expiring", "T1")["days_to_expiry"] == 30

    # When it is ended today (no longer in force)
    trial_end(actor=full_admin, trial=trial)

    # Then it is gone from every figure
    answer = analytics(full_admin)
    assert answer["kpis"]["total_customers"] == 0
    assert row(answer, "expiring", "T1") is None
    assert answer["trend"][-1]["total"] == 0


def test_an_order_and_its_set_up_show_at_once(partner, full_admin):
    # Given a subscription of 10 licenses, and the snapshot stored
    acme = customer(partner, "Acme")
    sub = item(acme, {"calling": 10}, end=days(60), auto_renew=True, ext_id="S1")
    assert row(analytics(full_admin), "renewing", "S1")["total"] == 10

    # When a change order makes it 25
    order_change(actor=full_admin, subscription=sub,
                 details=OrderDetails(lines=[{"product": "calling", "licenses": 25}]))  # fmt: skip

    # Then
    assert row(analytics(full_admin), "renewing", "S1")["total"] == 25

    # When a new subscription is ordered (ready to set up: not in force), then set up
    new = order_new(actor=full_admin, customer=acme, start=D, end=days(365),
                    details=OrderDetails(lines={"meetings": 7})).subscription  # fmt: skip
    assert row(analytics(full_admin, "meetings"), "recently_added", new.ext_id) is None
    subscription_setup(actor=full_admin, subscription=new, admin_email="it@acme.example")

    # Then it counts
    assert row(analytics(full_admin, "meetings"), "recently_added", new.ext_id)["total"] == 7


def test_an_order_converting_a_trial_moves_its_licenses_at_once(partner, full_admin):
    # Given a trial in force with 2 licenses assigned, a subscription, the snapshot stored
    acme = customer(partner, "Acme")
    trial = item(acme, {"calling": 5}, is_trial=True, start=days(-10), end=days(20),
                 ext_id="T1")  # fmt: skip
    assign(trial, n=2, from_date=days(-10))
    sub = item(acme, {"calling": 10}, start=days(-10), ext_id="S1")
    assert row(analytics(full_admin), "recently_added", "T1")["assigned"] == 2

    # When an order for the customer converts the trial
    order_renew(actor=full_admin, subscription=sub, end=days(400))

    # Then the licenses are on the subscription, and the trial is no longer in force
    answer = analytics(full_admin)
    assert row(answer, "recently_added", "T1") is None
    assert row(answer, "recently_added", "S1")["assigned"] == 2


def test_refreshing_with_nothing_stored_stores_nothing(partner):
    sub = item(customer(partner, "Acme"), {"calling": 10})

    snapshot_refresh_items(item_ids=[sub.pk])

    assert not SnapshotDay.objects.exists() and not LineDay.objects.exists()


# --- Forgotten by loads -----------------------------------------------------------------------


def test_a_load_forgets_the_snapshot_and_builds_today_after_commit(
    partner, full_admin, django_capture_on_commit_callbacks
):
    # Given an assignment, and the snapshot stored
    acme = customer(partner, "Acme")
    sub = item(acme, {"calling": 10}, start=days(-40), ext_id="S1")
    [user] = assign(sub, from_date=days(-30))
    assert row(analytics(full_admin), "recently_added", "S1")["assigned"] == 1

    # When a load ends that assignment today (an upsert of the same assignment)
    line = {"kind": "assignment", "user": user.ext_id, "item": "S1", "product": "calling",
            "from": days(-30).isoformat(), "to": D.isoformat()}  # fmt: skip
    with django_capture_on_commit_callbacks() as callbacks:
        load([line])

    # Then the stored days are forgotten with the load …
    assert Assignment.objects.get(user=user).to_date == D
    assert not SnapshotDay.objects.exists()
    # … and built again for today once it is committed
    for callback in callbacks:
        callback()
    assert sorted(markers()) == sorted(snapshot_days(D))
    assert row(analytics(full_admin), "recently_added", "S1")["assigned"] == 0


def test_forgetting_the_snapshot_forgets_every_day(partner):
    item(customer(partner, "Acme"), {"calling": 10})
    snapshot_build(as_of=D)
    snapshot_build(as_of=days(-1))

    snapshot_invalidate()

    assert not SnapshotDay.objects.exists() and not LineDay.objects.exists()
