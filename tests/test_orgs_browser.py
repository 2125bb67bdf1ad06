"""Organizations in real Chromium: the first-time wizard of the own organization, and license
assignment in a customer's organization with the overage warning."""

from __future__ import annotations

import pytest

from partnerhub.accounts.models import User
from partnerhub.subscriptions.models import Assignment
from tests.conftest import sign_in
from tests.factories import CustomerFactory, CustomerUserFactory, ItemFactory


@pytest.mark.browser
def test_run_the_first_time_wizard_then_add_and_deactivate_a_person(
    page, transactional_db, partner, full_admin
):
    from playwright.sync_api import expect

    sign_in(page, full_admin)

    # when I choose Launch my organization for the first time
    page.get_by_role("link", name="Launch my organization").click()

    # then the wizard shows the plan, then the terms
    expect(page.get_by_test_id("wizard-plan")).to_be_visible()
    page.get_by_test_id("wizard-next").click()
    page.get_by_role("button", name="Get started").click()
    expect(page.locator('[data-field="accept_terms"]')).to_contain_text("Accept the terms")
    page.get_by_label("I accept the Partner Hub terms").check()
    page.get_by_role("button", name="Get started").click()

    # then the organization is set up, recorded with who and when
    expect(page.get_by_test_id("get-started")).to_be_visible()
    expect(page.get_by_test_id("terms-accepted")).to_contain_text(full_admin.display_name)
    partner.refresh_from_db()
    assert partner.terms_accepted_by == full_admin

    # when I add a person on the People tab
    page.get_by_role("link", name="People").first.click()
    form = page.get_by_test_id("person-form")
    form.get_by_label("E-mail").fill("ola@northwind.example")
    form.get_by_label("Name").fill("Ola Nowak")
    form.get_by_role("button", name="Add person").click()
    row = page.locator('tr[data-email="ola@northwind.example"]')
    expect(row).to_contain_text("Active")

    # and deactivate them, confirming
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Deactivate").click()
    expect(page.locator('tr[data-email="ola@northwind.example"]')).to_contain_text("Deactivated")
    assert User.objects.get(email="ola@northwind.example").is_active is False


@pytest.mark.browser
def test_assign_licenses_in_a_customers_organization(page, transactional_db, partner, full_admin):
    from playwright.sync_api import expect

    customer = CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    ItemFactory(customer=customer, ext_id="Sub-1", lines={"calling": 2})
    for i in range(3):
        CustomerUserFactory(customer=customer, email=f"u{i}@contoso.example", name=f"User {i}")
    sign_in(page, full_admin)

    # when I launch the customer's organization and open calling on Sub-1
    page.goto("/org/customers/C1/")
    page.locator('tr[data-item="Sub-1"][data-product="calling"]').get_by_test_id(
        "assign-link"
    ).click()
    expect(page.get_by_test_id("licenses")).to_have_text("2")

    # and assign two users in bulk
    page.get_by_label("Select u0@contoso.example").check()
    page.get_by_label("Select u1@contoso.example").check()
    page.get_by_test_id("bulk-assign").click()

    # then both hold the license, and none is left
    expect(page.get_by_test_id("assigned-count")).to_have_text("2")
    expect(page.get_by_test_id("available")).to_have_text("0")

    # when I assign a third one
    page.locator('tr[data-email="u2@contoso.example"]').get_by_role("button", name="Assign").click()

    # then I am warned first, and nothing changes until I confirm
    expect(page.get_by_test_id("overage-warning")).to_contain_text("3 of 2 purchased")
    assert Assignment.objects.count() == 2
    page.get_by_test_id("confirm-overage").click()

    # then the overage shows
    expect(page.get_by_test_id("overage")).to_have_text("1")
    expect(page.locator('tr[data-email="u2@contoso.example"]')).to_contain_text("Assigned")

    # and the search narrows the users without reloading the page
    page.get_by_placeholder("Search by name or e-mail").fill("u1@")
    expect(page.locator("#assign-table tbody tr")).to_have_count(1)
