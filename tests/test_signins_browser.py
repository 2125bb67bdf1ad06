"""Browser journey (issue 18): ending another session signs that browser out."""

from __future__ import annotations

from typing import Any

import pytest

from partnerhub.core.choices import Role
from tests.conftest import sign_in
from tests.factories import UserFactory


@pytest.mark.browser
def test_journey_ending_another_session_signs_that_browser_out(
    page: Any, _browser: Any, live_server: Any, transactional_db: Any, partner: Any
) -> None:
    from playwright.sync_api import expect

    person = UserFactory(partner=partner, role=Role.SALES_ADMIN, name="Sam Sales")
    other = _browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900})
    other.set_default_timeout(10_000)
    try:
        phone = other.new_page()
        sign_in(phone, person)
        sign_in(page, person)

        # From the user menu to the sessions page: two sessions, this one marked.
        page.goto("/customers/")
        page.get_by_test_id("current-user").click()
        page.get_by_test_id("sessions-link").click()
        page.wait_for_url("**/security/sessions/")
        rows = page.get_by_test_id("session-row")
        expect(rows).to_have_count(2)
        expect(page.get_by_test_id("current-session")).to_have_count(1)

        # End the other one.
        page.get_by_test_id("end-session").click()
        page.wait_for_load_state()
        expect(page.get_by_test_id("session-row")).to_have_count(1)
        expect(page.get_by_test_id("end-session")).to_have_count(0)

        # The other browser's next navigation lands on the sign-in page.
        phone.goto("/customers/")
        phone.wait_for_url("**/accounts/login/**")
        expect(phone.get_by_label("Password")).to_be_visible()
        # and this one is still signed in
        page.goto("/security/sessions/")
        expect(page.get_by_test_id("current-session")).to_have_count(1)
    finally:
        other.close()
