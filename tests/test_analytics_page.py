"""The Subscriptions analytics page: KPI cards, toggle, sorting, paging, exports, roles."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from partnerhub.core.choices import Role
from tests.analytics_factories import assign, customer, days, item
from tests.test_analytics_api import every_section

pytestmark = pytest.mark.django_db

URL = "/analytics/subscriptions/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def expiring(partner: Any, names: list[str]) -> None:
    """One meetings subscription expiring in 10..N days per customer name (total = position)."""
    for i, name in enumerate(names, start=1):
        item(customer(partner, name), {"meetings": i}, end=days(9 + i), ext_id=f"S{i:02d}")


def test_the_page_shows_the_kpi_row_linking_to_the_customer_list(partner, full_admin):
    # Given
    every_section(partner)

    # When
    response = signed_in(full_admin).get(URL, {"product": "calling"})

    # Then
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("total_customers", "expiring_soon", "renewing_soon", "low_assignment",
                "over_limit"):  # fmt: skip
        assert f'href="/customers/?q=kpi%3A{key}&amp;as_of=2026-11-26"' in html
    assert 'data-chart="trend-chart-options"' in html
    assert 'id="trend-chart-options"' in html
    assert html.count('data-testid="usage-bar"') == 6  # the overage table has none
    assert "Used 3 · Assigned 3 · Available 7 · Total 10" in html


def test_the_toggle_answers_the_product_sections_to_htmx(partner, full_admin):
    # Given
    every_section(partner)

    # When
    response = signed_in(full_admin).get(
        URL, {"product": "meetings"}, HTTP_HX_TARGET="product-sections", **HTMX
    )

    # Then only the sections come back, with the as-of form's product swapped out of band
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-testid="kpi-row"' not in html
    assert 'id="as-of-product" value="meetings" hx-swap-oob="true"' in html
    assert 'data-product="meetings"' in html and 'aria-current="true"' in html
    assert "Webex Meetings only" in html


def test_a_table_sorts_by_any_column_on_the_server(partner, full_admin):
    # Given three expiring subscriptions
    expiring(partner, ["Beta", "Alpha", "Gamma"])
    client = signed_in(full_admin)

    # When sorting by total, descending, then by days to expiry
    by_total = client.get(
        URL, {"section": "expiring", "sort": "-total"}, HTTP_HX_TARGET="section-expiring", **HTMX
    ).content.decode()
    by_days = client.get(URL, {"section": "expiring", "sort": "days_to_expiry"}).content.decode()

    # Then the fragment is that table, in that order
    assert "<html" not in by_total and 'data-testid="table-expiring"' in by_total
    assert by_total.index('data-item="S03"') < by_total.index('data-item="S02"')
    assert by_total.index('data-item="S02"') < by_total.index('data-item="S01"')
    assert 'aria-sort="descending"' in by_total
    assert by_days.index('data-item="S01"') < by_days.index('data-item="S02"')
    # The default order is by customer name.
    default = client.get(URL).content.decode()
    assert default.index('data-item="S02"') < default.index('data-item="S01"')


def test_an_unknown_sort_falls_back_to_the_customer_name(partner, full_admin):
    expiring(partner, ["Beta", "Alpha"])
    html = signed_in(full_admin).get(URL, {"section": "expiring", "sort": "nope"}).content
    assert html.decode().index('data-item="S02"') < html.decode().index('data-item="S01"')


def test_tables_are_paginated(partner, full_admin):
    # Given 27 expiring subscriptions (25 per page)
    expiring(partner, [f"Customer {i:02d}" for i in range(1, 28)])
    client = signed_in(full_admin)

    # When
    first = client.get(URL).content.decode()
    second = client.get(
        URL, {"section": "expiring", "page": "2"}, HTTP_HX_TARGET="section-expiring", **HTMX
    ).content.decode()

    # Then
    assert "Showing 1–25 of 27" in first
    assert "Showing 26–27 of 27" in second
    assert second.count("<tr data-item=") == 2
    past_the_end = client.get(URL, {"section": "expiring", "page": "9"}).content.decode()
    assert "Showing 26–27 of 27" in past_the_end


def test_a_trial_shows_its_badge_and_the_customer_links_to_its_details(partner, full_admin):
    acme = customer(partner, "Acme")
    item(acme, {"calling": 5}, is_trial=True, start=days(-5), end=days(20), ext_id="T-1")
    html = signed_in(full_admin).get(URL, {"product": "calling"}).content.decode()
    assert "T-1 <span" in html and ">trial</span>" in html
    assert f'href="/customers/{acme.ext_id}/"' in html


def test_empty_tables_say_so(full_admin):
    html = signed_in(full_admin).get(URL).content.decode()
    assert html.count('data-testid="empty-state"') == 5


def test_csv_export_has_every_row_of_the_table_sorted(partner, full_admin):
    # Given
    expiring(partner, [f"Customer {i:02d}" for i in range(1, 28)])
    assign(item(customer(partner, "Zed"), {"calling": 3}, end=days(5)), "calling", 1)

    # When
    response = signed_in(full_admin).get(
        "/analytics/subscriptions/export/expiring.csv", {"product": "meetings", "sort": "-total"}
    )

    # Then
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="expiring-meetings-2026-11-26.csv"'
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == [
        "Customer ID", "Customer", "Subscription ID", "Trial", "Days to expiry",
        "Total licenses", "Used licenses", "Assigned licenses", "Available licenses",
        "Usage in the last 3 months",
    ]  # fmt: skip
    assert len(table) == 1 + 27
    assert [row[2] for row in table[1:4]] == ["S27", "S26", "S25"]


def test_xlsx_export_of_the_low_assignment_table(partner, full_admin):
    every_section(partner)
    response = signed_in(full_admin).get(
        "/analytics/subscriptions/export/low_assignment.xlsx", {"product": "meetings"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:4] == ("Customer ID", "Customer", "Subscription ID", "Trial")
    assert len(values) == 2
    assert values[1][5] == 1 and values[1][6] == 1.0  # assigned, assigned %


def test_unknown_export_section_is_404(full_admin):
    client = signed_in(full_admin)
    assert client.get("/analytics/subscriptions/export/nope.csv").status_code == 404
    assert client.get("/analytics/subscriptions/export/expiring.pdf").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [({"product": "messaging"}, "Product"), ({"as_of": "2026-02-30"}, "As of")],
)
def test_bad_choices_show_an_error_naming_the_field(full_admin, params, field):
    response = signed_in(full_admin).get(URL, params)
    assert response.status_code == 400
    errors = response.content.decode().split('data-testid="form-errors"')[1]
    assert f"<strong>{field}</strong>" in errors


def kpi_value(html: str, key: str) -> int:
    """The number on a first-row KPI card."""
    found = re.search(rf'data-testid="kpi-{key}".*?data-testid="kpi-value">(\d+)<', html, re.S)
    assert found, key
    return int(found.group(1))


def test_as_of_recomputes_the_page(partner, full_admin):
    # Given a subscription added 10 days ago
    item(customer(partner, "Acme"), {"calling": 4}, start=days(-10))
    client = signed_in(full_admin)

    # When / then
    before = client.get(URL, {"as_of": "2026-11-01"}).content.decode()
    assert 'value="2026-11-01"' in before
    assert kpi_value(before, "total_customers") == 0
    assert 'href="/customers/?q=kpi%3Atotal_customers&amp;as_of=2026-11-01"' in before
    assert kpi_value(client.get(URL).content.decode(), "total_customers") == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PARTNER_FULL_ADMIN, 200),
        (Role.SALES_FULL_ADMIN, 200),
        (Role.SALES_ADMIN, 200),
        (Role.PARTNER_READONLY_ADMIN, 200),
        (Role.USER, 403),
    ],
)
def test_role_table(people, role, status):
    client = signed_in(people[role])
    assert client.get(URL).status_code == status
    assert client.get("/analytics/subscriptions/export/expiring.csv").status_code == status


def test_signed_out_people_are_sent_to_sign_in(db):
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_appears_in_the_navigation(full_admin):
    html = signed_in(full_admin).get("/analytics/subscriptions/").content.decode()
    assert 'href="/analytics/subscriptions/" aria-current="page"' in html


def _queries(client: Client, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, {"product": "calling"}, **extra).status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_customers(partner, full_admin):
    # Given 3 customers, then 30
    client = signed_in(full_admin)
    every_section(partner, 3)
    few = {
        "page": _queries(client),
        "toggle": _queries(client, HTTP_HX_TARGET="product-sections", **HTMX),
        "table": _queries(client, HTTP_HX_TARGET="section-expiring", **HTMX),
    }
    every_section(partner, 27)

    # Then
    assert {
        "page": _queries(client),
        "toggle": _queries(client, HTTP_HX_TARGET="product-sections", **HTMX),
        "table": _queries(client, HTTP_HX_TARGET="section-expiring", **HTMX),
    } == few
