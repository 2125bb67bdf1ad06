"""The alerts centre's pages: list, an alert, bulk actions, rules, digest, the customer's alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partnerhub.alerts.models import Alert, AlertRule
from partnerhub.alerts.selectors import open_alert_count
from partnerhub.core.choices import Role
from tests.alerts_factories import D, active_customer, evaluate, trial
from tests.factories import CustomerManagerFactory

pytestmark = pytest.mark.django_db


def days(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def world(partner: Any, other_partner: Any, people: dict[str, Any]) -> dict[str, Any]:
    mine = active_customer(partner, "Managed", ext_id="C-M")
    trial(mine, end=days(3), ext_id="Trial-M")
    CustomerManagerFactory(customer=mine, user=people[Role.SALES_ADMIN])
    other = active_customer(partner, "Unmanaged", ext_id="C-U")
    trial(other, end=days(4), ext_id="Trial-U")
    foreign = active_customer(other_partner, "Foreign", ext_id="C-F")
    trial(foreign, end=days(5), ext_id="Trial-F")
    evaluate()
    return {
        "mine": Alert.objects.get(customer=mine),
        "other": Alert.objects.get(customer=other),
        "foreign": Alert.objects.get(customer=foreign),
    }


def test_the_list_shows_the_open_alerts_with_tabs(world: Any, full_admin: Any) -> None:
    page = text(client_for(full_admin).get("/alerts/"))
    assert world["mine"].public_id in page and world["other"].public_id in page
    assert world["foreign"].public_id not in page
    assert 'data-tab="snoozed"' in page and 'data-testid="bulk-form"' in page


def test_a_sales_admin_sees_only_its_customers_alerts(world: Any, people: Any) -> None:
    client = client_for(people[Role.SALES_ADMIN])
    page = text(client.get("/alerts/"))
    assert world["mine"].public_id in page and world["other"].public_id not in page
    assert client.get(f"/alerts/{world['other'].public_id}/").status_code == 404
    assert open_alert_count(people[Role.SALES_ADMIN]) == 1


def test_another_partners_alert_is_not_found(world: Any, full_admin: Any) -> None:
    client = client_for(full_admin)
    foreign = world["foreign"].public_id
    assert client.get(f"/alerts/{foreign}/").status_code == 404
    assert client.post(f"/alerts/{foreign}/acknowledge/").status_code == 404


def test_people_without_a_partner_role_get_403(world: Any, people: Any) -> None:
    assert client_for(people[Role.USER]).get("/alerts/").status_code == 403


def test_read_only_admins_see_without_acting(world: Any, people: Any) -> None:
    client = client_for(people[Role.PARTNER_READONLY_ADMIN])
    url = f"/alerts/{world['mine'].public_id}/"
    page = text(client.get(url))
    assert 'data-testid="alert-summary"' in page and 'data-testid="alert-actions"' not in page
    assert "bulk-form" not in text(client.get("/alerts/"))
    for action in ("acknowledge", "resolve", "snooze", "assign", "comment"):
        assert client.post(f"{url}{action}/").status_code == 403
    assert (
        client.post(
            "/alerts/bulk/", {"alerts": [world["mine"].public_id], "op": "acknowledge"}
        ).status_code
        == 403
    )


def test_an_alert_page_explains_and_links(world: Any, full_admin: Any) -> None:
    page = text(client_for(full_admin).get(f"/alerts/{world['mine'].public_id}/"))
    assert "The trial Trial-M of Managed ends on" in page
    assert 'href="/customers/C-M/"' in page
    assert 'data-testid="analytics-link"' in page
    assert 'data-testid="history"' in page


def test_acting_on_an_alert_from_its_page(world: Any, full_admin: Any, people: Any) -> None:
    client = client_for(full_admin)
    alert = world["mine"]
    url = f"/alerts/{alert.public_id}/"
    assert client.post(f"{url}acknowledge/").status_code == 302
    client.post(f"{url}assign/", {"email": people[Role.SALES_ADMIN].email})
    client.post(f"{url}snooze/", {"until": "2026-12-03"})
    client.post(f"{url}comment/", {"body": "Following up."})
    alert.refresh_from_db()
    assert alert.state == "acknowledged"
    assert alert.assignee == people[Role.SALES_ADMIN]
    assert alert.snoozed_until == dt.date(2026, 12, 3)
    page = text(client.get(url))
    assert "Following up." in page
    assert people[Role.SALES_ADMIN].email in page or people[Role.SALES_ADMIN].name in page
    assert client.post(f"{url}snooze/", {"until": D.isoformat()}).status_code == 422
    assert client.post(f"{url}resolve/").status_code == 302
    alert.refresh_from_db()
    assert alert.state == "resolved"


def test_tabs_and_bulk_actions(world: Any, full_admin: Any) -> None:
    client = client_for(full_admin)
    ids = [world["mine"].public_id, world["other"].public_id, world["foreign"].public_id]
    client.post("/alerts/bulk/", {"alerts": ids, "op": "acknowledge"})
    assert set(
        Alert.objects.filter(state="acknowledged").values_list("public_id", flat=True)
    ) == set(ids[:2])
    assert "Nothing needs attention right now." in text(client.get("/alerts/"))
    assert world["mine"].public_id in text(client.get("/alerts/", {"tab": "acknowledged"}))
    client.post("/alerts/bulk/", {"alerts": ids[:1], "op": "snooze", "until": "2026-12-24"})
    assert world["mine"].public_id in text(client.get("/alerts/", {"tab": "snoozed"}))
    assert world["mine"].public_id not in text(client.get("/alerts/", {"tab": "acknowledged"}))
    client.post("/alerts/bulk/", {"alerts": ids[1:2], "op": "assign", "email": full_admin.email})
    assert Alert.objects.get(public_id=ids[1]).assignee == full_admin
    assert Alert.objects.get(public_id=ids[2]).state == "open"  # another partner's: untouched


def test_filters_sorting_and_htmx_fragment(world: Any, full_admin: Any) -> None:
    client = client_for(full_admin)
    page = text(client.get("/alerts/", {"q": "unman"}))
    assert world["other"].public_id in page and world["mine"].public_id not in page
    assert "No alert matches these filters." in text(client.get("/alerts/", {"kind": "suspended"}))
    fragment = client.get("/alerts/", {"sort": "customer"}, HTTP_HX_REQUEST="true")
    html = text(fragment)
    assert "<html" not in html
    assert html.index(world["mine"].public_id) < html.index(world["other"].public_id)


def test_the_csv_export(world: Any, full_admin: Any) -> None:
    response = client_for(full_admin).get("/alerts/", {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode()
    assert world["mine"].public_id in content and world["foreign"].public_id not in content


def test_the_list_page_takes_the_same_queries_for_1_or_20_alerts(
    partner: Any, full_admin: Any
) -> None:
    client = client_for(full_admin)
    trial(active_customer(partner, "First"), end=days(2))
    evaluate()

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/alerts/").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for i in range(19):
        trial(active_customer(partner, f"More {i:02d}"), end=days(3), ext_id=f"Trial-more-{i}")
    evaluate()
    assert Alert.objects.count() == 20
    assert count() == one


def test_the_rules_page_is_editable_by_full_admins_only(
    world: Any, full_admin: Any, people: Any
) -> None:
    page = text(client_for(people[Role.SALES_FULL_ADMIN]).get("/alerts/rules/"))
    assert 'data-kind="queue_abandonment"' in page and "rule-form" not in page
    assert (
        client_for(people[Role.SALES_FULL_ADMIN])
        .post("/alerts/rules/trial_expiring/", {})
        .status_code
        == 403
    )
    client = client_for(full_admin)
    assert "rule-form" in text(client.get("/alerts/rules/"))
    answer = client.post(
        "/alerts/rules/trial_expiring/",
        {"enabled": "on", "threshold": "3", "scope": "all", "channels": ["email"]},
    )
    assert answer.status_code == 302
    rule = AlertRule.objects.get(partner=full_admin.partner, kind="trial_expiring")
    assert rule.threshold == 3 and rule.channels == ["in_app", "email"]
    assert Alert.objects.filter(customer__name="Unmanaged").get().state == "resolved"
    bad = client.post(
        "/alerts/rules/trial_expiring/", {"enabled": "on", "threshold": "0", "scope": "all"}
    )
    assert bad.status_code == 422 and 'data-testid="form-errors"' in text(bad)


def test_the_digest_preference(full_admin: Any) -> None:
    client = client_for(full_admin)
    assert 'value="weekly" checked' in text(client.get("/alerts/digest/"))
    client.post("/alerts/digest/", {"digest": "daily"})
    full_admin.refresh_from_db()
    assert full_admin.digest == "daily"
    assert 'data-testid="digest-link"' in text(client.get("/alerts/"))


def test_the_customer_page_lists_its_open_alerts(world: Any, full_admin: Any, people: Any) -> None:
    page = text(client_for(full_admin).get("/customers/C-M/"))
    assert 'data-testid="customer-alerts"' in page and world["mine"].public_id in page
    quiet = active_customer(full_admin.partner, "Quiet", ext_id="C-Q")
    assert quiet and "customer-alerts" not in text(client_for(full_admin).get("/customers/C-Q/"))
