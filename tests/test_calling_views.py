"""The Calling engagement analytics page: roles, scope, tables, exports, week picker, refresh."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerhub.calling.models import Refresh
from partnerhub.calling.services import refresh_analytics
from partnerhub.core.models import AuditEvent
from tests.calling_factories import W1, D, at, calling_customer, licensed_user, make_calls
from tests.factories import CustomerManagerFactory

pytestmark = pytest.mark.django_db

URL = "/analytics/calling/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def dataset(partner, other_partner):
    """Three customers of the partner (one with queues) and a busy one of another partner."""
    alpha = calling_customer(partner, "Alpha", queues=1)
    make_calls(alpha, 3, user=licensed_user(alpha), mos=2.0, duration_s=120)
    make_calls(alpha, 2, start=at(W1))
    bravo = calling_customer(partner, "Bravo")
    make_calls(bravo, 7, endpoint="room_device")
    charlie = calling_customer(partner, "Charlie")
    theirs = calling_customer(other_partner, "Zulu Foreign")
    make_calls(theirs, 50)
    refresh_analytics(as_of=D)
    return {"alpha": alpha, "bravo": bravo, "charlie": charlie, "theirs": theirs}


def test_the_url_name_is_calling_analytics():
    assert reverse("calling:analytics") == URL


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner_full_admin", 200),
        ("sales_full_admin", 200),
        ("sales_admin", 200),
        ("partner_readonly_admin", 200),
        ("user", 403),
    ],
)
def test_who_may_open_the_page(people, dataset, role, status):
    response = client_for(people[role]).get(URL)
    assert response.status_code == status


def test_signed_out_people_are_sent_to_sign_in(dataset):
    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_shows_when_and_which_week(full_admin, dataset):
    html = client_for(full_admin).get(URL).content.decode()
    refreshed_at = Refresh.objects.get(is_current=True).refreshed_at
    assert f"Data refreshed at {refreshed_at:%Y-%m-%d %H:%M} UTC" in html
    assert "covering the week 2026-11-15 – 2026-11-21" in html
    for chart in ("users-by-volume", "quality-trend", "quality-by-endpoint", "feature-use"):
        assert f'data-chart="chart-{chart}"' in html
        assert f'id="chart-{chart}"' in html
    assert "<script>" not in html.replace('<script id="chart', "")  # no inline scripts (CSP)


def test_another_partners_customers_never_appear(full_admin, stranger, dataset):
    html = client_for(full_admin).get(URL).content.decode()
    assert "Alpha" in html and "Zulu Foreign" not in html
    theirs = client_for(stranger).get(URL).content.decode()
    assert "Zulu Foreign" in theirs and "Alpha" not in theirs


def test_a_sales_admin_sees_only_assigned_customers(people, dataset):
    sales = people["sales_admin"]
    CustomerManagerFactory(customer=dataset["bravo"], user=sales)
    html = client_for(sales).get(URL).content.decode()
    assert "Bravo" in html and "Alpha" not in html


def test_customers_link_to_their_details(full_admin, dataset):
    html = client_for(full_admin).get(URL).content.decode()
    detail = reverse("customers:detail", args=[dataset["alpha"].ext_id])
    assert f'href="{detail}"' in html


def _names(html: str, table: str) -> list[str]:
    """Customer names in a table's rows, in order."""
    start = html.index(f'id="calling-table-{table}"')
    end = html.find('id="calling-table-', start + 10)
    chunk = html[start : end if end > 0 else len(html)]
    return [part.split("</a>")[0] for part in chunk.split('data-testid="customer-link">')[1:]]


def test_tables_sort_by_any_column(full_admin, dataset):
    client = client_for(full_admin)
    html = client.get(URL).content.decode()
    assert _names(html, "usage") == ["Alpha", "Bravo", "Charlie"]
    html = client.get(URL, {"table": "usage", "sort": "-calls"}).content.decode()
    assert _names(html, "usage") == ["Bravo", "Alpha", "Charlie"]
    assert _names(html, "quality") == ["Alpha", "Bravo"]  # other tables keep their order
    html = client.get(URL, {"table": "quality", "sort": "-poor_pct"}).content.decode()
    assert _names(html, "quality") == ["Alpha", "Bravo"]
    html = client.get(URL, {"table": "quality", "sort": "poor_pct"}).content.decode()
    assert _names(html, "quality") == ["Bravo", "Alpha"]
    # an unknown column falls back to the default order
    html = client.get(URL, {"table": "usage", "sort": "password"}).content.decode()
    assert _names(html, "usage") == ["Alpha", "Bravo", "Charlie"]


def test_htmx_gets_just_the_table(full_admin, dataset):
    response = client_for(full_admin).get(
        URL, {"table": "usage", "sort": "-calls"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.startswith('<div class="card" id="calling-table-usage"')
    assert "<html" not in html and _names(html, "usage") == ["Bravo", "Alpha", "Charlie"]


def test_tables_export_as_csv(full_admin, dataset):
    response = client_for(full_admin).get(
        URL, {"table": "quality", "sort": "-calls", "export": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="calling-quality-2026-11-15.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == [
        "Customer ID",
        "Customer",
        "Calls",
        "Poor calls",
        "Poor %",
        "Worst endpoint type",
    ]
    assert rows[1:] == [
        [dataset["bravo"].ext_id, "Bravo", "7", "0", "0.0", ""],
        [dataset["alpha"].ext_id, "Alpha", "3", "3", "100.0", ""],
    ]


def test_tables_export_as_xlsx(full_admin, dataset):
    from openpyxl import load_workbook

    response = client_for(full_admin).get(URL, {"table": "queue", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("Customer ID", "Customer", "Call queues")
    assert values[1][:4] == (dataset["alpha"].ext_id, "Alpha", 1, 0)


def test_the_week_picker_shows_an_earlier_week(full_admin, dataset):
    html = client_for(full_admin).get(URL, {"week": "2026-11-08"}).content.decode()
    assert "covering the week 2026-11-08 – 2026-11-14" in html
    assert _names(html, "quality") == ["Alpha"]
    assert '<option value="2026-11-08" selected>' in html
    assert html.count("<option value=") == 8


def test_a_week_outside_the_eight_is_refused_with_the_field_named(full_admin, dataset):
    html = client_for(full_admin).get(URL, {"week": "2026-11-10"}).content.decode()
    assert 'data-testid="week-error"' in html and "week:" in html
    assert "covering the week 2026-11-15 – 2026-11-21" in html


def test_a_bad_as_of_is_named_and_today_is_used(full_admin, dataset):
    html = client_for(full_admin).get(URL, {"as_of": "yesterday"}).content.decode()
    assert "as_of" in html and "covering the week 2026-11-15" in html


def test_an_unrefreshed_week_says_how_to_refresh(full_admin, people, partner):
    calling_customer(partner, "Alpha")
    html = client_for(full_admin).get(URL).content.decode()
    assert 'data-testid="not-refreshed"' in html
    assert "partnerhub refresh_analytics" in html and "2026-11-15" in html
    assert 'data-testid="refresh-now"' in html
    other = client_for(people["sales_full_admin"]).get(URL).content.decode()
    assert 'data-testid="not-refreshed"' in other and 'data-testid="refresh-now"' not in other


def test_a_full_admin_can_refresh_now(full_admin, partner):
    alpha = calling_customer(partner, "Alpha")
    make_calls(alpha, 4)
    response = client_for(full_admin).post(reverse("calling:refresh") + "?as_of=2026-11-26")
    assert response.status_code == 302 and response["Location"].endswith("?as_of=2026-11-26")
    assert Refresh.objects.get(is_current=True).week_start.isoformat() == "2026-11-15"
    event = AuditEvent.objects.get(action="calling.refresh_requested")
    assert event.actor == full_admin and event.after == {"as_of": "2026-11-26"}
    assert "Alpha" in client_for(full_admin).get(URL).content.decode()


@pytest.mark.parametrize(
    "role", ["sales_full_admin", "sales_admin", "partner_readonly_admin", "user"]
)
def test_other_roles_cannot_refresh(people, partner, role):
    calling_customer(partner, "Alpha")
    response = client_for(people[role]).post(reverse("calling:refresh"))
    assert response.status_code == 403
    assert not Refresh.objects.exists() and not AuditEvent.objects.exists()


def test_refresh_needs_a_post(full_admin):
    assert client_for(full_admin).get(reverse("calling:refresh")).status_code == 405


def _page_queries(client: Client, **params: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_keeps_a_constant_number_of_queries(full_admin, partner, dataset):
    client = client_for(full_admin)
    small = _page_queries(client)
    small_week = _page_queries(client, week="2026-11-08", table="queue", sort="-queues")
    # given many more customers, users and calls
    for i in range(12):
        customer = calling_customer(partner, f"More {i:02d}", queues=i % 3)
        make_calls(customer, 3, user=licensed_user(customer), endpoint="webex_app_mobile")
        make_calls(customer, 2, start=at(W1), mos=1.0)
    refresh_analytics(as_of=D)
    # then
    assert _page_queries(client) == small
    assert _page_queries(client, week="2026-11-08", table="queue", sort="-queues") == small_week
    assert small <= 8, small
