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
    admin = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, name="Fiona Full")
    colleague = UserFactory(partner=partner, role=Role.SALES_FULL_ADMIN, name="Sam Sales")
    customer = active_customer(partner, "Contoso Trial")
    trial(customer, end=D + dt.timedelta(days=10), ext_id="Trial-100001")
    call_command("evaluate_alerts")

    sign_in(page, admin)
    page.goto("/alerts/")
    row = page.get_by_test_id("alert-row").filter(has_text="Contoso Trial")
    assert "Trial-100001" in row.inner_text()
    row.get_by_test_id("alert-link").click()
    page.wait_for_url("**/alerts/alr_*/")
    assert (
        "The trial Trial-100001 of Contoso Trial ends on"
        in page.get_by_test_id("alert-summary").inner_text()
    )

    page.get_by_label("Assign to").select_option(colleague.email)
    page.get_by_test_id("assign-form").get_by_role("button", name="Assign").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("assignee").inner_text() == "Sam Sales"

    page.get_by_label("Snooze until").fill("2026-12-03")
    page.get_by_test_id("snooze-form").get_by_role("button", name="Snooze").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("alert-snoozed").is_visible()
    alert = Alert.objects.get(customer=customer)
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
