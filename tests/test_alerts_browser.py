"""Journeys: find, assign and snooze an alert; a sales admin's own alerts; a daily digest."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command

from partnerhub.alerts.models import Alert
from partnerhub.core.choices import Role
from tests.alerts_factories import D, active_customer, trial
from tests.conftest import sign_in
from tests.factories import CustomerManagerFactory, UserFactory


@pytest.mark.browser
def test_journey_find_assign_and_snooze_an_expiring_trial(page, transactional_db, partner):
    from playwright.sync_api import expect

    admin = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, name="Fiona Full")
    colleague = UserFactory(partner=partner, role=Role.SALES_FULL_ADMIN, name="Sam Sales")
    sign_in(page, admin)

    # A trial lasts at least 30 days: the admin widens "Trial expiring" to 30 days first.
    page.goto("/alerts/rules/")
    page.locator("#threshold-trial_expiring").fill("30")
    page.locator("#rule-trial_expiring").get_by_role("button", name="Save").click()
    expect(page.locator("#threshold-trial_expiring")).to_have_value("30")

    # They start a 30-day trial for a new customer: it ends on 2026-12-25, in 29 days.
    page.goto("/trials/start/")
    page.get_by_label("Company name").fill("Contoso Trial")
    page.get_by_label("Administrator e-mail").fill("it@contoso.example")
    page.get_by_label("Country").fill("pl")
    page.get_by_label("Webex Calling").fill("20")
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Start trial").click()
    expect(page.get_by_test_id("trial-end")).to_have_text("2026-12-25")
    trial_id = page.get_by_test_id("trial-id").inner_text().strip()
    call_command("evaluate_alerts")

    # The badge counts it, and the alerts centre lists it.
    page.goto("/alerts/")
    expect(page.get_by_test_id("nav-badge")).to_have_text("1")
    row = page.get_by_test_id("alert-row").filter(has_text="Contoso Trial")
    assert trial_id.startswith("Trial-") and trial_id in row.inner_text()
    row.get_by_test_id("alert-link").click()
    page.wait_for_url("**/alerts/alr_*/")
    expect(page.get_by_test_id("alert-summary")).to_contain_text(
        f"The trial {trial_id} of Contoso Trial ends on"
    )

    page.get_by_label("Assign to").select_option(colleague.email)
    page.get_by_test_id("assign-form").get_by_role("button", name="Assign").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("assignee").inner_text() == "Sam Sales"

    page.get_by_label("Snooze until").fill("2026-12-03")
    page.get_by_test_id("snooze-form").get_by_role("button", name="Snooze").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("alert-snoozed").is_visible()
    alert = Alert.objects.get(customer__name="Contoso Trial")
    assert alert.kind == "trial_expiring"
    assert alert.assignee == colleague and alert.snoozed_until == dt.date(2026, 12, 3)

    # hidden from the open tab, listed under snoozed
    page.goto("/alerts/")
    assert page.get_by_test_id("alert-row").count() == 0
    page.locator('[data-tab="snoozed"]').click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("alert-row").filter(has_text="Contoso Trial").count() == 1


@pytest.mark.browser
def test_journey_a_sales_admin_sees_only_its_customers_alerts(page, transactional_db, partner):
    seller = UserFactory(partner=partner, role=Role.SALES_ADMIN, name="Sara Seller")
    mine = active_customer(partner, "Mine Ltd")
    trial(mine, end=D + dt.timedelta(days=3), ext_id="Trial-200001")
    CustomerManagerFactory(customer=mine, user=seller)
    theirs = active_customer(partner, "Theirs Ltd")
    trial(theirs, end=D + dt.timedelta(days=3), ext_id="Trial-200002")
    call_command("evaluate_alerts")

    sign_in(page, seller)
    page.get_by_role("link", name="Alerts").first.click()
    page.wait_for_url("**/alerts/")
    rows = page.get_by_test_id("alert-table").inner_text()
    assert "Mine Ltd" in rows and "Theirs Ltd" not in rows
    hidden = Alert.objects.get(customer=theirs).public_id
    response = page.goto(f"/alerts/{hidden}/")
    assert response is not None and response.status == 404


@pytest.mark.browser
def test_journey_switch_the_digest_to_daily_and_receive_one(
    page, transactional_db, partner, mailoutbox: Any
):
    person = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, name="Dana Digest")
    trial(
        active_customer(partner, "Digest Co"), end=D + dt.timedelta(days=3), ext_id="Trial-300001"
    )
    call_command("evaluate_alerts")

    sign_in(page, person)
    page.goto("/alerts/digest/")
    page.get_by_label("Daily").check()
    page.get_by_test_id("digest-save").click()
    page.wait_for_load_state()
    assert page.get_by_label("Daily").is_checked()

    call_command("send_digests")
    call_command("send_digests")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [person.email]
    assert "Trial-300001" in mailoutbox[0].body
