"""Rough edges in real Chromium: the Activity page (a role change and a refused one, filters,
sort, export), the landing page of a person without a role, and an invoice printed."""

from __future__ import annotations

import csv
import io

import pytest

from partnerhub.core.choices import Role
from tests.conftest import sign_in
from tests.customers_factories import InvoiceFactory
from tests.factories import CustomerFactory, ItemFactory


@pytest.mark.browser
def test_change_a_role_then_find_it_on_the_activity_page(page, transactional_db, people):
    from playwright.sync_api import expect

    boss, target = people[Role.PARTNER_FULL_ADMIN], people[Role.USER]
    sign_in(page, boss)

    # when I give a plain user the sales administrator role on their page
    page.goto(f"/accounts/users/{target.pk}/")
    page.locator('input[name="role"][value="sales_admin"]').check(force=True)
    page.get_by_test_id("save-role").click()
    expect(page.get_by_role("alert")).to_contain_text("is now Sales administrator")

    # and try to give up my own role, the last full administrator's
    own = f"/accounts/users/{boss.pk}/"
    page.goto(own)
    page.locator('input[name="role"][value="user"]').check(force=True)
    page.get_by_test_id("save-role").click()

    # then I am back on my page (not the form's address), told why
    expect(page.get_by_role("alert")).to_contain_text("last partner full administrator")
    assert page.url.endswith(own)

    # when I open Activity from the navigation
    page.get_by_role("link", name="Activity").click()
    table = page.get_by_test_id("audit")

    # then the change reads in words
    row = table.locator('tr[data-action="user.role"]')
    expect(row.get_by_test_id("audit-changes")).to_contain_text("Role:")
    expect(row.get_by_test_id("audit-changes")).to_contain_text("User")
    expect(row.get_by_test_id("audit-changes")).to_contain_text("Sales administrator")

    # when I filter by the action and sort oldest first
    page.get_by_label("Action").select_option("user.role")
    page.get_by_test_id("apply-filters").click()
    expect(page.get_by_test_id("audit-count")).to_have_text("1 change")
    page.get_by_test_id("sort-time").click()
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    assert "action=user.role" in page.url and "sort=at" in page.url

    # and export what I see as CSV
    page.get_by_test_id("export").click()
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    path = download_info.value.path()
    with open(path, encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert [r["Action"] for r in rows] == ["user.role"]
    assert rows[0]["Changes"] == "Role: User → Sales administrator"


@pytest.mark.browser
def test_a_person_without_a_role_is_told_what_they_can_do(page, transactional_db, people):
    from playwright.sync_api import expect

    boss = people[Role.PARTNER_FULL_ADMIN]
    boss.name = "Beata Boss"
    boss.save()

    # when a plain user signs in
    sign_in(page, people[Role.USER])

    # then they land on a page that says what Partner Hub is and whom to ask for a role
    expect(page.get_by_test_id("no-role-notice")).to_contain_text("no administrator role")
    expect(page.get_by_test_id("role-givers")).to_contain_text("Beata Boss")
    expect(page.get_by_role("link", name=boss.email)).to_have_attribute(
        "href", f"mailto:{boss.email}"
    )

    # and they can change their password, then sign out
    page.get_by_test_id("change-password").click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    page.go_back()
    page.get_by_test_id("sign-out").click()
    page.wait_for_url("**/accounts/login/")


@pytest.mark.browser
def test_open_an_invoice_and_print_it(page, transactional_db, partner, full_admin):
    from playwright.sync_api import expect

    contoso = CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    sub = ItemFactory(customer=contoso, ext_id="Sub-1", lines={"calling": 1500})
    InvoiceFactory(item=sub, ext_id="FV/2026/11/001", amount="12345.50", currency="EUR")
    # The print dialog is the browser's; here it only records that it was asked for.
    page.add_init_script("window.print = () => { window.__printed = true; };")
    sign_in(page, full_admin)

    # when I open the invoice from the customer's Subscriptions tab
    page.goto("/customers/C1/?tab=subscriptions")
    page.get_by_test_id("invoice-link").click()

    # then its page shows the invoice
    expect(page.get_by_test_id("invoice-number")).to_have_text("FV/2026/11/001")
    expect(page.get_by_test_id("invoice-amount")).to_have_text("12,345.50 EUR")

    # when I open the printable copy and print it
    page.get_by_test_id("invoice-print").click()
    # (the button's script is deferred: click once the page has loaded it)
    page.wait_for_load_state("load")
    page.get_by_test_id("print-button").click()

    # then the browser's print dialog is asked for
    assert page.evaluate("window.__printed === true")
    expect(page.get_by_test_id("invoice")).to_contain_text("Contoso")
