"""A sales admin starts a trial for a new customer and extends it, in real Chromium."""

from __future__ import annotations

import re

import pytest

from partnerhub.customers.models import CustomerManager
from partnerhub.subscriptions.models import Item
from tests.conftest import sign_in


@pytest.mark.browser
def test_start_a_trial_for_a_new_customer_then_extend_it(page, transactional_db, people):
    from playwright.sync_api import expect

    sales = people["sales_admin"]
    sign_in(page, sales)

    # when I start a 30-day trial of Webex Calling for a new customer
    page.goto("/trials/start/")
    expect(
        page.get_by_label("Existing customer", exact=True)
    ).to_be_hidden()  # a new customer by default
    page.get_by_label("Company name").fill("Fabrikam")
    page.get_by_label("Administrator e-mail").fill("it@fabrikam.example")
    page.get_by_label("Country").fill("de")
    page.get_by_label("Webex Calling").fill("1001")
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Start trial").click()

    # then 1,001 licenses are refused on the Webex Calling field, and nothing is started
    expect(page.locator('[data-field="licenses_calling"]')).to_contain_text("1 to 1,000")
    assert not Item.objects.exists()

    # when I correct it
    page.get_by_label("Webex Calling").fill("20")
    page.get_by_role("button", name="Start trial").click()

    # then the trial's page shows it in force for 30 days, and the customer is mine to manage
    expect(page.get_by_test_id("trial-state")).to_have_text("Active")
    expect(page.get_by_test_id("trial-start")).to_have_text("2026-11-26")
    expect(page.get_by_test_id("trial-end")).to_have_text("2026-12-25")
    expect(page.get_by_test_id("trial-lines")).to_contain_text("Webex Calling")
    trial = Item.objects.get(is_trial=True)
    assert CustomerManager.objects.filter(customer=trial.customer, user=sales).exists()

    # when I extend it, confirming
    page.get_by_test_id("extend").click()
    expect(page).to_have_url(re.compile(r"/extend/$"))
    page.get_by_test_id("confirm").click()

    # then it ends 30 days from today
    expect(page.get_by_test_id("trial-end")).to_have_text("2026-12-26")
    expect(page.get_by_role("alert")).to_contain_text("now runs until 2026-12-26")
