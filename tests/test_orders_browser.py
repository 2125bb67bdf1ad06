"""An admin completes the set-up wizard of an order, in real Chromium."""

from __future__ import annotations

import datetime as dt

import pytest

from partnerhub.subscriptions.models import Item
from tests.conftest import sign_in
from tests.factories import CustomerFactory, ItemFactory


@pytest.mark.browser
def test_set_up_an_order_through_the_wizard(page, transactional_db, partner, full_admin):
    from playwright.sync_api import expect

    customer = CustomerFactory(
        partner=partner, ext_id="C1", name="Contoso", admin_email="it@contoso.example"
    )
    ItemFactory(
        customer=customer,
        ext_id="Sub-100002",
        state="provisioning",
        start=dt.date(2026, 12, 1),
        end=dt.date(2027, 11, 30),
        lines={"meetings": 40},
    )
    sign_in(page, full_admin)

    # when I open the set-up of the order
    page.goto("/subscriptions/Sub-100002/setup/")

    # then the wizard asks for the organization name first, filled in from the record
    expect(page.get_by_label("Organization name")).to_have_value("Contoso")
    page.get_by_label("Organization name").fill("Contoso AG")
    page.get_by_role("button", name="Next").click()

    # and then the administrator's e-mail: a bad one is refused on its field
    page.get_by_label("Customer's administrator e-mail").fill("boss@")
    page.get_by_role("button", name="Next").click()
    expect(page.locator('[data-field="admin_email"]')).to_be_visible()
    page.get_by_label("Customer's administrator e-mail").fill("boss@contoso.example")
    page.get_by_role("button", name="Next").click()

    # and the start date
    expect(page.get_by_label("Start date")).to_have_value("2026-12-01")
    page.get_by_label("Start date").fill("2026-11-30")
    page.get_by_role("button", name="Next").click()

    # then the review shows every value
    review = page.get_by_test_id("review")
    expect(review).to_contain_text("Contoso AG")
    expect(review).to_contain_text("boss@contoso.example")
    expect(review).to_contain_text("2026-11-30")

    # when I finish
    page.get_by_role("button", name="Finish set-up").click()

    # then the subscription is active
    expect(page.get_by_role("alert").filter(has_text="set up and active")).to_be_visible()
    sub = Item.objects.select_related("customer").get(ext_id="Sub-100002")
    assert (sub.state, sub.start, sub.customer.name) == (
        "active",
        dt.date(2026, 11, 30),
        "Contoso AG",
    )
