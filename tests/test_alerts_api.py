"""`/api/v1/alerts` and `/api/v1/alert-rules`: scope, roles, actions, errors, constant queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerhub.alerts.models import Alert
from partnerhub.core.choices import Role
from partnerhub.core.models import Event
from partnerhub.tags.models import CustomerTag, Tag
from tests.alerts_factories import D, active_customer, evaluate, trial
from tests.conftest import api_client_for
from tests.factories import CustomerManagerFactory

pytestmark = pytest.mark.django_db


def days(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


@pytest.fixture
def world(partner: Any, other_partner: Any, people: dict[str, Any]) -> dict[str, Any]:
    """Two customers with expiring trials (one managed by the sales admin), and another
    partner's."""
    mine = active_customer(partner, "Managed")
    trial(mine, end=days(3), ext_id="Trial-M")
    CustomerManagerFactory(customer=mine, user=people[Role.SALES_ADMIN])
    other = active_customer(partner, "Unmanaged")
    trial(other, end=days(4), ext_id="Trial-U")
    foreign = active_customer(other_partner, "Foreign")
    trial(foreign, end=days(5), ext_id="Trial-F")
    evaluate()
    return {
        "mine": Alert.objects.get(customer=mine),
        "other": Alert.objects.get(customer=other),
        "foreign": Alert.objects.get(customer=foreign),
    }


def test_the_list_answers_the_contracts_keys(world: Any, full_admin: Any) -> None:
    body = api_client_for(full_admin).get("/api/v1/alerts").json()
    assert body["count"] == 2
    item = next(i for i in body["items"] if i["id"] == world["mine"].public_id)
    assert set(item) == {
        "id", "kind", "customer_id", "item_id", "state", "severity", "opened", "resolved",
        "snoozed_until", "assignee", "summary", "detail",
    }  # fmt: skip
    assert item["kind"] == "trial_expiring"
    assert item["item_id"] == "Trial-M"
    assert item["state"] == "open"
    assert item["summary"].startswith("The trial Trial-M of Managed ends on")
    assert item["detail"]["days_left"] == 3


def test_a_sales_admin_sees_only_its_customers_alerts(world: Any, people: Any) -> None:
    client = api_client_for(people[Role.SALES_ADMIN])
    body = client.get("/api/v1/alerts").json()
    assert [i["id"] for i in body["items"]] == [world["mine"].public_id]
    assert client.get(f"/api/v1/alerts/{world['other'].public_id}").status_code == 404


def test_another_partners_alert_is_not_found(world: Any, full_admin: Any) -> None:
    client = api_client_for(full_admin)
    foreign = world["foreign"].public_id
    assert client.get(f"/api/v1/alerts/{foreign}").status_code == 404
    assert client.post(f"/api/v1/alerts/{foreign}/acknowledge").status_code == 404
    assert (
        client.post(
            f"/api/v1/alerts/{foreign}/snooze",
            {"until": "2026-12-24"},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_read_only_admins_read_but_may_not_act(world: Any, people: Any) -> None:
    client = api_client_for(people[Role.PARTNER_READONLY_ADMIN])
    alert = world["mine"].public_id
    assert client.get(f"/api/v1/alerts/{alert}").status_code == 200
    for action in ("acknowledge", "resolve"):
        assert client.post(f"/api/v1/alerts/{alert}/{action}").status_code == 403
    assert (
        client.post(
            f"/api/v1/alerts/{alert}/comments", {"body": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/alerts/{alert}/assign",
            {"email": "partner_full_admin@northwind.example"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_people_without_a_partner_role_may_not_read(world: Any, people: Any) -> None:
    assert api_client_for(people[Role.USER]).get("/api/v1/alerts").status_code in {401, 403}


def test_acknowledge_snooze_assign_comment_and_resolve(
    world: Any, full_admin: Any, people: Any
) -> None:
    client = api_client_for(full_admin)
    url = f"/api/v1/alerts/{world['mine'].public_id}"
    assert client.post(f"{url}/acknowledge").json()["state"] == "acknowledged"
    snoozed = client.post(f"{url}/snooze", {"until": "2026-12-01"}, content_type="application/json")
    assert snoozed.json()["snoozed_until"] == "2026-12-01"
    assigned = client.post(
        f"{url}/assign", {"email": people[Role.SALES_ADMIN].email}, content_type="application/json"
    )
    assert assigned.json()["assignee"] == people[Role.SALES_ADMIN].email
    comment = client.post(
        f"{url}/comments", {"body": "Called them."}, content_type="application/json"
    )
    assert comment.status_code == 201 and comment.json()["body"] == "Called them."
    resolved = client.post(f"{url}/resolve").json()
    assert resolved["state"] == "resolved" and resolved["resolved"]
    assert Event.objects.filter(type="alert.resolved", data__id=world["mine"].public_id).exists()
    again = client.post(f"{url}/acknowledge")
    assert again.status_code == 422 and again.json()["detail"][0]["loc"] == ["body", "state"]
    # the condition still holds: the next evaluation opens a new alert
    assert evaluate().opened == 1


def test_errors_name_the_field(world: Any, full_admin: Any, stranger: Any) -> None:
    client = api_client_for(full_admin)
    url = f"/api/v1/alerts/{world['mine'].public_id}"
    past = client.post(f"{url}/snooze", {"until": D.isoformat()}, content_type="application/json")
    assert past.status_code == 422 and past.json()["detail"][0]["loc"][-1] == "until"
    bad = client.post(f"{url}/snooze", {"until": "soon"}, content_type="application/json")
    assert bad.status_code == 422 and "until" in str(bad.json()["detail"])
    nobody = client.post(
        f"{url}/assign", {"email": stranger.email}, content_type="application/json"
    )
    assert nobody.status_code == 422 and nobody.json()["detail"][0]["loc"][-1] == "email"
    empty = client.post(f"{url}/comments", {"body": "  "}, content_type="application/json")
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"][-1] == "body"
    state = client.get("/api/v1/alerts", {"state": "sleeping"})
    assert state.status_code == 422 and state.json()["detail"][0]["loc"] == ["query", "state"]
    kind = client.get("/api/v1/alerts", {"kind": "nope"})
    assert kind.status_code == 422 and kind.json()["detail"][0]["loc"] == ["query", "kind"]


def test_the_list_filters(world: Any, full_admin: Any, partner: Any, people: Any) -> None:
    client = api_client_for(full_admin)
    mine = world["mine"]
    tag = Tag.objects.create(partner=partner, name="vip")
    CustomerTag.objects.create(customer=mine.customer, tag=tag)
    client.post(
        f"/api/v1/alerts/{mine.public_id}/assign",
        {"email": full_admin.email},
        content_type="application/json",
    )

    def ids(**params: Any) -> list[str]:
        return [i["id"] for i in client.get("/api/v1/alerts", params).json()["items"]]

    assert ids(customer_id=mine.customer.ext_id) == [mine.public_id]
    assert ids(tag="VIP") == [mine.public_id]
    assert ids(assignee=full_admin.email) == [mine.public_id]
    assert ids(assignee="me") == [mine.public_id]
    assert ids(assignee="none") == [world["other"].public_id]
    assert len(ids(kind="trial_expiring")) == 2
    assert ids(kind="suspended") == []
    client.post(
        f"/api/v1/alerts/{mine.public_id}/snooze",
        {"until": "2026-12-24"},
        content_type="application/json",
    )
    assert ids(state="snoozed") == [mine.public_id]
    assert len(ids(state="open")) == 2
    assert ids(state="resolved") == []


def test_the_list_takes_the_same_queries_for_1_or_20_alerts(partner: Any, full_admin: Any) -> None:
    client = api_client_for(full_admin)
    # A token's first use of the day records itself (the sign-in audit): not counted below.
    client.get("/api/v1/me")
    trial(active_customer(partner, "First"), end=days(2))
    evaluate()

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/api/v1/alerts").json()
        return len(ctx.captured_queries), body["count"]

    one, n = count()
    assert n == 1
    for i in range(19):
        trial(active_customer(partner, f"More {i:02d}"), end=days(3), ext_id=f"Trial-more-{i}")
    evaluate()
    many, n = count()
    assert n == 20
    assert many == one


def test_rules_answer_the_defaults(full_admin: Any, people: Any) -> None:
    rules = api_client_for(people[Role.PARTNER_READONLY_ADMIN]).get("/api/v1/alert-rules").json()
    assert [(r["kind"], r["threshold"], r["enabled"]) for r in rules] == [
        ("trial_expiring", 14, True),
        ("subscription_expiring", 30, True),
        ("license_overage", None, True),
        ("suspended", None, True),
        ("no_recent_activity", None, True),
        ("setup_pending", 7, True),
        ("low_assignment", None, True),
        ("poor_call_quality", 10, True),
        ("queue_abandonment", 20, True),
    ]
    assert all(r["channels"] == ["in_app"] and r["scope"] == "all" for r in rules)


def test_only_full_admins_change_rules(
    world: Any, full_admin: Any, people: Any, partner: Any
) -> None:
    body = {"threshold": 2, "channels": ["email"], "recipients": [people[Role.SALES_ADMIN].email]}
    for role in (Role.SALES_FULL_ADMIN, Role.SALES_ADMIN, Role.PARTNER_READONLY_ADMIN):
        answer = api_client_for(people[role]).patch(
            "/api/v1/alert-rules/trial_expiring", body, content_type="application/json"
        )
        assert answer.status_code == 403
    answer = api_client_for(full_admin).patch(
        "/api/v1/alert-rules/trial_expiring", body, content_type="application/json"
    )
    assert answer.status_code == 200
    rule = answer.json()
    assert rule["threshold"] == 2
    assert rule["channels"] == ["in_app", "email"]
    assert rule["recipients"] == [people[Role.SALES_ADMIN].email]
    # evaluated at once: the trials ending in 3 and 4 days no longer count
    assert Alert.objects.filter(partner=partner).exclude(state="resolved").count() == 0


def test_rule_errors_name_the_field(full_admin: Any) -> None:
    client = api_client_for(full_admin)

    def patch(kind: str, body: dict[str, Any]) -> Any:
        return client.patch(f"/api/v1/alert-rules/{kind}", body, content_type="application/json")

    assert patch("trial_expiring", {"threshold": 0}).json()["detail"][0]["loc"][-1] == "threshold"
    assert patch("suspended", {"threshold": 3}).json()["detail"][0]["loc"][-1] == "threshold"
    assert patch("trial_expiring", {"scope": "tag"}).json()["detail"][0]["loc"][-1] == "tag"
    assert (
        patch("trial_expiring", {"channels": ["sms"]}).json()["detail"][0]["loc"][-1] == "channels"
    )
    assert patch("trial_expiring", {"recipients": ["x@y.z"]}).status_code == 422
    assert patch("nope", {"enabled": False}).status_code == 422
