"""A partner admin's journey through Calling engagement analytics, in real Chromium."""

from __future__ import annotations

import re

import pytest

from partnerhub.calling.services import refresh_analytics
from tests.calling_factories import W1, D, at, calling_customer, licensed_user, make_calls
from tests.conftest import sign_in


@pytest.mark.browser
def test_switch_week_sort_a_table_and_open_a_customer(page, transactional_db, partner, full_admin):
    from playwright.sync_api import expect

    # given three calling customers with calls in the last two weeks, refreshed
    alpha = calling_customer(partner, "Alpha", queues=1)
    make_calls(alpha, 2, user=licensed_user(alpha))
    make_calls(alpha, 9, start=at(W1), mos=2.0)
    bravo = calling_customer(partner, "Bravo")
    make_calls(bravo, 6, endpoint="webex_app_mobile")
    make_calls(bravo, 1, start=at(W1))
    calling_customer(partner, "Charlie")
    refresh_analytics(as_of=D)
    sign_in(page, full_admin)

    # when I open the page from the navigation
    page.get_by_role("link", name="Calling analytics").click()
    expect(page.get_by_test_id("refreshed")).to_contain_text("covering the week 2026-11-15")
    expect(page.locator("[data-chart='chart-quality-trend'] .apexcharts-canvas")).to_be_visible()
    usage = page.locator("#calling-table-usage")
    expect(usage.get_by_test_id("customer-link")).to_have_text(["Alpha", "Bravo", "Charlie"])

    # and switch to the week before
    page.get_by_test_id("week-picker").select_option("2026-11-08")
    expect(page).to_have_url(re.compile(r"week=2026-11-08"))
    expect(page.get_by_test_id("refreshed")).to_contain_text("covering the week 2026-11-08")
    quality = page.locator("#calling-table-quality")
    expect(quality.locator("td[data-key='calls']")).to_have_text(["9", "1"])

    # and sort the usage table by calls, most first (two clicks: ascending, then descending)
    usage.locator("a[data-sort='calls']").click()
    expect(page).to_have_url(re.compile(r"sort=calls"))
    expect(page.locator("#calling-table-usage").get_by_test_id("customer-link")).to_have_text(
        ["Charlie", "Bravo", "Alpha"]
    )
    page.locator("#calling-table-usage a[data-sort='calls']").click()
    expect(page).to_have_url(re.compile(r"sort=-calls"))
    usage = page.locator("#calling-table-usage")
    expect(usage.locator("th[aria-sort='descending']")).to_contain_text("Calls")
    expect(usage.get_by_test_id("customer-link")).to_have_text(["Alpha", "Bravo", "Charlie"])
    expect(usage.locator("td[data-key='calls']")).to_have_text(["9", "1", "0"])
    expect(page.get_by_test_id("refreshed")).to_contain_text("2026-11-08")  # the week stays

    # then I can open a customer's details from the table
    usage.get_by_test_id("customer-link").first.click()
    expect(page).to_have_url(re.compile(rf"/customers/{alpha.ext_id}/"))
    expect(page.get_by_role("heading", name="Alpha").first).to_be_visible()
