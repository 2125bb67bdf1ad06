"""A partner admin's journey through Subscriptions analytics, in real Chromium."""

from __future__ import annotations

import re

import pytest

from tests.analytics_factories import assign, customer, days, item, use
from tests.conftest import sign_in


@pytest.mark.browser
def test_toggle_sort_hover_a_bar_and_open_a_kpi(page, transactional_db, partner, full_admin):
    from playwright.sync_api import expect

    # given two calling subscriptions and a meetings one expiring soon, and one over its limit
    alpha = customer(partner, "Alpha")
    users = assign(item(alpha, {"calling": 10}, end=days(20), ext_id="S-ALPHA"), n=3)
    use(users[0], "calling", days(-1))
    assign(item(customer(partner, "Bravo"), {"calling": 4}, end=days(40), ext_id="S-BRAVO"))
    item(customer(partner, "Charlie"), {"meetings": 8}, end=days(30), ext_id="S-CHARLIE")
    assign(item(customer(partner, "Delta"), {"calling": 2}, end=days(300)), n=3)
    sign_in(page, full_admin)

    # when I open the page from the navigation
    page.get_by_role("link", name="Subscriptions analytics").click()
    expect(page.get_by_test_id("kpi-expiring_soon").get_by_test_id("kpi-value")).to_have_text("3")
    expect(page.get_by_test_id("kpi-over_limit").get_by_test_id("kpi-value")).to_have_text("1")
    expect(page.locator("[data-chart='trend-chart-options'] .apexcharts-canvas")).to_be_visible()
    expiring = page.locator("#section-expiring")
    expect(expiring.get_by_test_id("customer-link")).to_have_text(["Charlie"])

    # and toggle to Calling
    page.get_by_test_id("product-toggle").get_by_role("link", name="Calling").click()
    expect(page).to_have_url(re.compile(r"product=calling"))
    expect(page.get_by_test_id("product-toggle").locator(".active")).to_have_text("Calling")
    expect(expiring.get_by_test_id("customer-link")).to_have_text(["Alpha", "Bravo"])
    expect(page.locator("#as-of-product")).to_have_value("calling")

    # and sort the expiring table by total licenses
    page.locator("#section-expiring a[data-sort='total']").click()
    expect(page).to_have_url(re.compile(r"section=expiring&sort=total"))
    expect(expiring.get_by_test_id("customer-link")).to_have_text(["Bravo", "Alpha"])
    expect(expiring.locator("th[aria-sort='ascending']")).to_contain_text("Total licenses")

    # and hover Alpha's usage bar: a tooltip shows the numbers
    expiring.locator("tr[data-item='S-ALPHA'] [data-testid='usage-bar']").hover()
    expect(page.locator(".tooltip")).to_contain_text("Used 1 · Assigned 3 · Available 7 · Total 10")

    # then a KPI card opens the customer list for exactly those customers
    page.get_by_test_id("kpi-over_limit").click()
    expect(page).to_have_url(re.compile(r"/customers/\?q=kpi%3Aover_limit&as_of=2026-11-26"))
    expect(page.get_by_role("heading", name="Customers").first).to_be_visible()
    expect(page.get_by_test_id("customer-count")).to_have_text("1 customer")
    expect(page.get_by_test_id("customer-table")).to_contain_text("Delta")
