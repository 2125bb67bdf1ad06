"""Issue 14, points 7 and 8, in real Chromium: extending a trial from the customer's Trials tab
shows the new end and asks before shortening (with and without JavaScript); the "Ready to set up
order" badge of the customer list leads to a set-up wizard that shows no error on arrival."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.subscriptions.models import Item
from tests.conftest import sign_in
from tests.factories import CustomerFactory, D, ItemFactory, PartnerFactory, UserFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    """A full administrator; Contoso's trial has 59 days left, Fabrikam's 10; Quiet Ltd has an
    order waiting for set-up and no administrator e-mail on record."""
    partner = PartnerFactory(name="Northwind Partners")
    admin = UserFactory(
        partner=partner, role=Role.PARTNER_FULL_ADMIN, email="anna@northwind.example"
    )
    contoso = CustomerFactory(partner=partner, name="Contoso", ext_id="C1")
    ItemFactory(
        customer=contoso,
        ext_id="Trial-100001",
        is_trial=True,
        start=D - dt.timedelta(days=31),
        end=D + dt.timedelta(days=58),  # 2027-01-23
        lines={"calling": 10},
    )
    fabrikam = CustomerFactory(partner=partner, name="Fabrikam", ext_id="C2")
    ItemFactory(
        customer=fabrikam,
        ext_id="Trial-100002",
        is_trial=True,
        start=D - dt.timedelta(days=80),
        end=D + dt.timedelta(days=9),  # 2026-12-05
        lines={"meetings": 5},
    )
    quiet = CustomerFactory(partner=partner, name="Quiet Ltd", ext_id="C7", admin_email="")
    ItemFactory(
        customer=quiet,
        ext_id="Sub-100007",
        state="provisioning",
        start=D,
        end=D + dt.timedelta(days=364),
        lines={"meetings": 40},
    )
    return {"admin": admin}


def _end(ext_id: str) -> dt.date:
    return Item.objects.get(ext_id=ext_id).end


def test_extend_from_the_trials_tab_warns_before_shortening_and_says_what_it_does(
    page: Any, world: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    sign_in(page, world["admin"])

    # Given Contoso's trial, which ends on 2027-01-23 (59 days left)
    page.goto("/customers/C1/")
    page.locator('[data-tab="trials"]').click()
    row = page.locator('tr[data-trial="Trial-100001"]')
    expect(row).to_contain_text("2027-01-23")

    # when I choose Extend, nothing is posted yet: a dialog shows both ends and the warning
    row.get_by_test_id("extend-trial").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("current-end")).to_have_text("2027-01-23")
    expect(dialog.get_by_test_id("new-end")).to_have_text("2026-12-26")
    expect(dialog.get_by_test_id("shortens")).to_have_text(
        "This shortens the trial: it now ends on 2027-01-23; after extending it ends on 2026-12-26."
    )
    expect(dialog.get_by_test_id("confirm")).to_have_text("Shorten to 2026-12-26")
    assert _end("Trial-100001") == D + dt.timedelta(days=58)

    # when I cancel, nothing changes
    dialog.get_by_test_id("cancel").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("2027-01-23")
    assert _end("Trial-100001") == D + dt.timedelta(days=58)
    assert not AuditEvent.objects.filter(action="trial.extend").exists()

    # when I open it again and confirm the shortening
    row.get_by_test_id("extend-trial").click()
    page.get_by_role("dialog").get_by_role("button", name="Shorten to 2026-12-26").click()

    # then I am back on the Trials tab and the trial ends 30 days from today
    page.wait_for_url(re.compile(r"/customers/C1/\?tab=trials$"))
    expect(page.get_by_role("alert").filter(has_text="now runs until 2026-12-26")).to_be_visible()
    expect(page.locator('tr[data-trial="Trial-100001"]')).to_contain_text("2026-12-26")
    assert _end("Trial-100001") == dt.date(2026, 12, 26)

    # Given Fabrikam's trial, which ends in 10 days: Extend says so, and does it
    page.goto("/customers/C2/?tab=trials")
    page.locator('tr[data-trial="Trial-100002"]').get_by_test_id("extend-trial").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("current-end")).to_have_text("2026-12-05")
    expect(dialog.get_by_test_id("new-end")).to_have_text("2026-12-26")
    expect(dialog.get_by_test_id("shortens")).to_have_count(0)
    dialog.get_by_role("button", name="Extend to 2026-12-26").click()
    page.wait_for_url(re.compile(r"/customers/C2/\?tab=trials$"))
    expect(page.locator('tr[data-trial="Trial-100002"]')).to_contain_text("2026-12-26")
    assert _end("Trial-100002") == dt.date(2026, 12, 26)


@pytest.fixture
def page_without_js(_browser: Any, live_server: Any) -> Iterator[Any]:
    """A browser page with JavaScript switched off."""
    context = _browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_without_javascript_extend_is_a_confirmation_page(
    page_without_js: Any, world: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    page = page_without_js
    sign_in(page, world["admin"])

    # when I choose Extend on the Trials tab, a page asks first
    page.goto("/customers/C1/?tab=trials")
    page.locator('tr[data-trial="Trial-100001"]').get_by_test_id("extend-trial").click()
    page.wait_for_url(re.compile(r"/trials/Trial-100001/extend/\?next="))
    expect(page.get_by_test_id("shortens")).to_contain_text("This shortens the trial")
    assert _end("Trial-100001") == D + dt.timedelta(days=58)

    # Cancel goes back to the tab and changes nothing
    page.get_by_test_id("cancel").click()
    page.wait_for_url(re.compile(r"/customers/C1/\?tab=trials$"))
    assert _end("Trial-100001") == D + dt.timedelta(days=58)

    # Shorten to … does it
    page.locator('tr[data-trial="Trial-100001"]').get_by_test_id("extend-trial").click()
    page.get_by_role("button", name="Shorten to 2026-12-26").click()
    page.wait_for_url(re.compile(r"/customers/C1/\?tab=trials$"))
    expect(page.locator('tr[data-trial="Trial-100001"]')).to_contain_text("2026-12-26")
    assert _end("Trial-100001") == dt.date(2026, 12, 26)


def test_the_ready_badge_leads_to_a_wizard_without_errors_on_arrival(
    page: Any, world: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    sign_in(page, world["admin"])

    # Given Quiet Ltd waits for set-up on the customer list
    page.goto("/customers/")
    row = page.locator('tr[data-customer="C7"]')
    badge = row.locator('[data-status="ready_to_set_up"]')
    expect(badge).to_contain_text("Ready to set up order")

    # when I choose its badge, the set-up wizard of its order opens
    badge.click()
    page.wait_for_url(re.compile(r"/subscriptions/Sub-100007/setup/$"))
    expect(page.get_by_label("Organization name")).to_have_value("Quiet Ltd")
    page.get_by_role("button", name="Next").click()

    # then step 2 asks for the e-mail without calling it wrong before I typed anything
    email = page.get_by_label("Customer's administrator e-mail")
    expect(email).to_be_visible()
    expect(email).to_have_value("")
    expect(page.locator('[data-field="admin_email"]')).to_have_count(0)
    expect(page.get_by_text("This field is required.")).to_have_count(0)
    expect(email).not_to_have_class(re.compile(r"is-invalid"))

    # when I go on without it, the field says so; as I type, the message goes
    page.get_by_role("button", name="Next").click()
    expect(page.locator('[data-field="admin_email"]')).to_have_text("This field is required.")
    email = page.get_by_label("Customer's administrator e-mail")
    email.press_sequentially("it@quiet.example")
    expect(page.locator('[data-field="admin_email"]')).to_have_count(0)
    expect(email).not_to_have_class(re.compile(r"is-invalid"))
    page.get_by_role("button", name="Next").click()

    # and the wizard completes
    expect(page.get_by_label("Start date")).to_have_value(D.isoformat())
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_test_id("review")).to_contain_text("it@quiet.example")
    page.get_by_role("button", name="Finish set-up").click()

    # then the customer's status is Subscription, on its page and on the list
    page.wait_for_url(re.compile(r"/customers/C7/$"))
    statuses = page.get_by_test_id("statuses")
    expect(statuses.locator('[data-status="subscription"]')).to_be_visible()
    expect(statuses.locator('[data-status="ready_to_set_up"]')).to_have_count(0)
    page.goto("/customers/")
    row = page.locator('tr[data-customer="C7"]')
    expect(row.locator('[data-status="subscription"]')).to_be_visible()
    expect(row.get_by_test_id("setup-order")).to_have_count(0)
    assert Item.objects.get(ext_id="Sub-100007").state == "active"
