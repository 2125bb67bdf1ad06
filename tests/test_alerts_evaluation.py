"""The evaluation: every rule kind at its boundaries, idempotency, reopening, scope, events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command

from partnerhub.alerts.evaluation import MIN_CALLS, MIN_QUEUE_CALLS
from partnerhub.alerts.models import Alert, AlertChange
from partnerhub.core.events import figures_changed
from partnerhub.core.models import Event
from partnerhub.customers.models import CustomerAdminLogin, SavedFilter, StatusSeen
from partnerhub.subscriptions.models import Order
from partnerhub.tags.models import CustomerTag, Tag
from tests.alerts_factories import (
    D,
    active_customer,
    assign,
    calling_week,
    evaluate,
    rule,
    subjects,
    trial,
    unresolved,
)
from tests.factories import AdminLoginFactory, CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db


def days(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


# --- every rule kind, at its boundaries ---------------------------------------------------


def test_a_trial_ending_within_14_days_opens_and_15_does_not(partner: Any) -> None:
    in_14 = active_customer(partner, "In 14")
    trial(in_14, end=days(14), ext_id="Trial-14")
    in_15 = active_customer(partner, "In 15")
    trial(in_15, end=days(15), ext_id="Trial-15")
    today = active_customer(partner, "Today")
    trial(today, end=D, ext_id="Trial-0")
    ended = active_customer(partner, "Ended")
    trial(ended, end=days(3), state="ended", ext_id="Trial-ended")
    evaluate()
    assert subjects(partner, "trial_expiring") == {"In 14/Trial-14", "Today/Trial-0"}
    alert = unresolved(partner, "trial_expiring")[0]
    assert alert.detail == {"item_id": "Trial-14", "end": "2026-12-10", "days_left": 14}


def test_the_trial_threshold_is_the_rules(partner: Any) -> None:
    customer = active_customer(partner, "In 20")
    trial(customer, end=days(20), ext_id="Trial-20")
    rule(partner, "trial_expiring", threshold=20)
    evaluate()
    assert subjects(partner, "trial_expiring") == {"In 20/Trial-20"}


def test_a_subscription_without_auto_renew_ending_within_30_days_opens(partner: Any) -> None:
    for name, end, renew in [("In 30", 30, False), ("In 31", 31, False), ("Renews", 5, True)]:
        customer = active_customer(partner, name)
        ItemFactory(customer=customer, end=days(end), auto_renew=renew, ext_id=f"Sub-{name}")
    evaluate()
    assert subjects(partner, "subscription_expiring") == {"In 30/Sub-In 30"}


def test_license_overage_follows_the_status(partner: Any) -> None:
    over = active_customer(partner, "Over")
    item = ItemFactory(customer=over, lines={"calling": 2})
    assign(item, 3)
    full = active_customer(partner, "Full")
    assign(ItemFactory(customer=full, lines={"calling": 2}), 2)
    evaluate()
    assert subjects(partner, "license_overage") == {"Over"}
    (alert,) = unresolved(partner, "license_overage")
    assert alert.detail["over"] == 1
    assert alert.detail["lines"] == [
        {"item_id": item.ext_id, "product": "calling", "licenses": 2, "assigned": 3}
    ]
    assert alert.severity == "high"


def test_suspended_follows_the_status(partner: Any) -> None:
    customer = active_customer(partner, "Paused")
    ItemFactory(customer=customer, state="suspended", end=D, ext_id="Sub-S")
    gone = active_customer(partner, "Past")
    ItemFactory(customer=gone, state="suspended", end=days(-1), ext_id="Sub-P")
    evaluate()
    assert subjects(partner, "suspended") == {"Paused"}
    assert unresolved(partner, "suspended")[0].detail == {
        "items": [{"item_id": "Sub-S", "end": D.isoformat()}]
    }


def test_no_recent_activity_follows_the_30_day_window(partner: Any) -> None:
    inside = CustomerFactory(partner=partner, name="Inside")
    AdminLoginFactory(customer=inside, at=dt.datetime(2026, 10, 28, 0, tzinfo=dt.UTC))  # D−29
    outside = CustomerFactory(partner=partner, name="Outside")
    AdminLoginFactory(customer=outside, at=dt.datetime(2026, 10, 27, 23, 59, tzinfo=dt.UTC))
    CustomerFactory(partner=partner, name="Young", created=days(-29))
    CustomerFactory(partner=partner, name="Old enough", created=days(-30))
    evaluate()
    assert subjects(partner, "no_recent_activity") == {"Outside", "Old enough"}
    outside_alert = next(
        a for a in unresolved(partner, "no_recent_activity") if a.customer == outside
    )
    assert outside_alert.detail == {"days": 30, "last_sign_in": "2026-10-27T23:59:00+00:00"}


def test_setup_pending_counts_from_the_order_else_the_start(partner: Any) -> None:
    seven = active_customer(partner, "Seven")
    ItemFactory(customer=seven, state="provisioning", start=days(-7), ext_id="Sub-7")
    six = active_customer(partner, "Six")
    ItemFactory(customer=six, state="provisioning", start=days(-6), ext_id="Sub-6")
    ordered = active_customer(partner, "Ordered")
    item = ItemFactory(customer=ordered, state="provisioning", start=days(5), ext_id="Sub-O")
    Order.objects.create(ext_id="Ord-1", item=item, date=days(-8), action="new")
    evaluate()
    assert subjects(partner, "setup_pending") == {"Seven/Sub-7", "Ordered/Sub-O"}
    detail = next(a for a in unresolved(partner, "setup_pending") if a.item == item).detail
    assert detail == {"item_id": "Sub-O", "since": days(-8).isoformat(), "days": 8}


def test_low_assignment_uses_the_median_of_the_partner(partner: Any) -> None:
    # ratios 0.8, 0.8, 0.8, 0.4 and 0.3: M = 0.8, low below 0.4 (0.4 itself is not low)
    for name, assigned in [("A", 8), ("B", 8), ("C", 8), ("At", 4), ("Low", 3)]:
        customer = active_customer(partner, name)
        item = ItemFactory(
            customer=customer, lines={"calling": 10}, auto_renew=True, ext_id=f"Sub-{name}"
        )
        assign(item, assigned)
    evaluate()
    assert subjects(partner, "low_assignment") == {"Low/Sub-Low"}
    assert unresolved(partner, "low_assignment")[0].detail == {
        "item_id": "Sub-Low",
        "lines": [{"product": "calling", "assigned": 3, "total": 10, "assigned_pct": 30.0}],
    }


def test_poor_call_quality_needs_more_than_x_percent_and_50_calls(partner: Any) -> None:
    cases = [
        ("Exactly 10", 50, 5),
        ("Above 10", 1000, 101),
        ("49 calls", MIN_CALLS - 1, 25),
        ("50 calls", MIN_CALLS, 6),
    ]
    for name, calls, poor in cases:
        calling_week(active_customer(partner, name), calls=calls, poor=poor)
    evaluate()
    assert subjects(partner, "poor_call_quality") == {"Above 10", "50 calls"}
    detail = next(
        a for a in unresolved(partner, "poor_call_quality") if a.customer.name == "50 calls"
    ).detail
    assert detail == {"week": "2026-11-15", "calls": 50, "poor_calls": 6, "poor_pct": 12.0}


def test_queue_abandonment_needs_more_than_x_percent_and_20_queue_calls(partner: Any) -> None:
    cases = [
        ("Exactly 20", 20, 4),
        ("Above 20", 1000, 201),
        ("19 calls", MIN_QUEUE_CALLS - 1, 10),
        ("20 calls", MIN_QUEUE_CALLS, 5),
    ]
    for name, calls, abandoned in cases:
        calling_week(active_customer(partner, name), queue_calls=calls, abandoned=abandoned)
    evaluate()
    assert subjects(partner, "queue_abandonment") == {"Above 20", "20 calls"}


def test_without_a_calling_refresh_the_calling_alerts_stay_as_they_are(partner: Any) -> None:
    customer = active_customer(partner, "Noisy")
    row = calling_week(customer, calls=100, poor=50)
    evaluate()
    assert subjects(partner, "poor_call_quality") == {"Noisy"}
    row.refresh.delete()
    result = evaluate()
    assert subjects(partner, "poor_call_quality") == {"Noisy"}
    assert result.resolved == 0


# --- the life of an alert ------------------------------------------------------------------


def test_evaluating_twice_opens_nothing_new(partner: Any) -> None:
    trial(active_customer(partner, "T"), end=days(3))
    CustomerFactory(partner=partner, name="Quiet")
    first = evaluate()
    events = Event.objects.count()
    second = evaluate()
    assert first.opened == 2
    assert (second.opened, second.resolved) == (0, 0)
    assert Event.objects.count() == events
    assert Alert.objects.count() == 2


def test_an_alert_resolves_when_its_condition_ends_and_a_new_one_opens_when_it_returns(
    partner: Any,
) -> None:
    item = trial(active_customer(partner, "T"), end=days(10))
    evaluate()
    (first,) = unresolved(partner, "trial_expiring")
    item.end = days(40)
    item.save()
    assert evaluate().resolved == 1
    first.refresh_from_db()
    assert first.state == "resolved" and first.resolved is not None
    assert list(first.changes.values_list("what", "by")) == [("opened", None), ("resolved", None)]
    item.end = days(5)
    item.save()
    assert evaluate().opened == 1
    (second,) = unresolved(partner, "trial_expiring")
    assert second.pk != first.pk
    assert Alert.objects.filter(kind="trial_expiring").count() == 2


def test_opened_and_resolved_alerts_write_events(partner: Any) -> None:
    customer = active_customer(partner, "T")
    item = trial(customer, end=days(2), ext_id="Trial-E")
    rule(partner, "trial_expiring", channels=["in_app", "webhook"])
    evaluate()
    opened = Event.objects.get(type="alert.opened")
    alert = Alert.objects.get()
    assert opened.partner_id == partner.pk and opened.customer_id == customer.pk
    assert opened.data["id"] == alert.public_id
    assert opened.data["kind"] == "trial_expiring"
    assert opened.data["item_id"] == "Trial-E"
    assert opened.data["customer_id"] == customer.ext_id
    assert opened.data["channels"] == ["in_app", "webhook"]
    assert set(opened.data) == {
        "id", "kind", "customer_id", "item_id", "state", "severity", "opened", "resolved",
        "snoozed_until", "assignee", "summary", "detail", "channels",
    }  # fmt: skip
    assert "Trial-E" in opened.data["summary"]
    item.state = "ended"
    item.save()
    evaluate()
    resolved = Event.objects.get(type="alert.resolved")
    assert resolved.data["id"] == alert.public_id and resolved.data["state"] == "resolved"


def test_a_disabled_rule_opens_nothing_and_resolves_its_alerts(partner: Any) -> None:
    trial(active_customer(partner, "T"), end=days(2))
    evaluate()
    rule(partner, "trial_expiring", enabled=False)
    assert evaluate().resolved == 1
    assert unresolved(partner, "trial_expiring") == []


def test_a_tag_scope_watches_only_the_tagged_customers(partner: Any) -> None:
    gold = active_customer(partner, "Gold")
    trial(gold, end=days(2))
    plain = active_customer(partner, "Plain")
    trial(plain, end=days(2))
    evaluate()
    assert subjects(partner, "trial_expiring") == {
        f"Gold/{gold.items.get().ext_id}",
        f"Plain/{plain.items.get().ext_id}",
    }
    tag = Tag.objects.create(partner=partner, name="Gold")
    CustomerTag.objects.create(customer=gold, tag=tag)
    rule(partner, "trial_expiring", scope="tag", scope_tag="gold")
    evaluate()
    assert {a.customer.name for a in unresolved(partner, "trial_expiring")} == {"Gold"}


def test_a_saved_filter_scope_is_evaluated_at_each_run(partner: Any, full_admin: Any) -> None:
    north = active_customer(partner, "North Ltd")
    trial(north, end=days(2))
    south = active_customer(partner, "South Ltd")
    trial(south, end=days(2))
    saved = SavedFilter.objects.create(user=full_admin, name="North", query="north")
    rule(partner, "trial_expiring", scope="saved_filter", scope_filter=saved)
    evaluate()
    assert {a.customer.name for a in unresolved(partner, "trial_expiring")} == {"North Ltd"}
    saved.query = "south"
    saved.save()
    evaluate()
    assert {a.customer.name for a in unresolved(partner, "trial_expiring")} == {"South Ltd"}


def test_partners_are_evaluated_apart(partner: Any, other_partner: Any) -> None:
    trial(active_customer(partner, "Mine"), end=days(2))
    trial(active_customer(other_partner, "Theirs"), end=days(2))
    evaluate(partner=partner)
    assert Alert.objects.filter(partner=other_partner).count() == 0
    evaluate()
    assert Alert.objects.filter(partner=other_partner).count() == 1


def test_the_evaluation_records_every_customers_statuses(partner: Any) -> None:
    customer = active_customer(partner, "Seen")
    evaluate()
    assert StatusSeen.objects.filter(customer=customer).exists()
    # the date alone moves a status: the evaluation writes customer.status_changed
    ItemFactory(customer=customer, end=days(40), auto_renew=False)
    CustomerAdminLogin.objects.filter(customer=customer).update(
        at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    )
    evaluate()
    evaluate(as_of=days(11))
    assert Event.objects.filter(type="customer.status_changed", customer=customer).exists()


def test_the_command_evaluates_as_of_a_date(partner: Any, capsys: Any) -> None:
    trial(active_customer(partner, "T"), end=days(20))
    call_command("evaluate_alerts", "--as-of", days(7).isoformat())
    assert "1 opened" in capsys.readouterr().out
    assert AlertChange.objects.filter(what="opened").count() == 1


def test_a_dataset_load_signal_evaluates_its_partner(partner: Any) -> None:
    trial(active_customer(partner, "T"), end=days(2))
    figures_changed.send(sender=None, partner_ids={partner.pk}, as_of=D)
    assert len(unresolved(partner, "trial_expiring")) == 1
