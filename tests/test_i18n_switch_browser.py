"""Switching language in real Chromium: on the sign-in page, in the user menu, and the choice
kept across signing out and in, whatever the browser asks for (README, "Languages")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from partnerhub.accounts.models import User
from partnerhub.core.choices import Role
from tests.conftest import PASSWORD


def polish(msgid: str) -> str:
    """The catalog's Polish for `msgid` (it must be translated, or the journey proves nothing)."""
    with translation.override("pl"):
        text = gettext(msgid)
    assert text != msgid, f"no Polish translation of {msgid!r}"
    return text


@pytest.fixture
def polish_browser(_browser: Any, live_server: Any) -> Iterator[Any]:
    """A second browser whose language is Polish (Accept-Language: pl-PL)."""
    context = _browser.new_context(
        base_url=live_server.url, locale="pl-PL", viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _sign_in(page: Any, user: Any, button: str) -> None:
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("networkidle")


def _choose_in_user_menu(page: Any, menu_label: str, language: str) -> None:
    page.get_by_label(menu_label).click()
    page.get_by_test_id("language-switcher").get_by_role("button", name=language).click()
    page.wait_for_load_state("networkidle")


def _sign_out(page: Any, menu_label: str, sign_out: str) -> None:
    page.get_by_label(menu_label).click()
    page.get_by_role("button", name=sign_out).click()
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
def test_switch_on_the_sign_in_page_then_in_the_user_menu_and_keep_the_choice(
    page, polish_browser, transactional_db, people
):
    from playwright.sync_api import expect

    admin = people[Role.PARTNER_FULL_ADMIN]
    html = page.locator("html")

    # Given the sign-in page of an English browser
    page.goto("/accounts/login/?next=/customers/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Sign in to your account")).to_be_visible()

    # When I pick Polish under the form
    page.get_by_test_id("language-switcher").get_by_role("button", name="Polski").click()

    # Then the same page speaks Polish, and still leads where it did
    expect(html).to_have_attribute("lang", "pl")
    expect(page.get_by_role("heading", name=polish("Sign in to your account"))).to_be_visible()
    assert page.url.endswith("/accounts/login/?next=/customers/")

    # When I sign in: the customer list is Polish (I have chosen nothing on my profile yet)
    _sign_in(page, admin, polish("Sign in"))
    assert page.url.endswith("/customers/")
    expect(html).to_have_attribute("lang", "pl")
    expect(page.get_by_test_id("current-role")).to_contain_text(
        polish("Partner full administrator")
    )

    # When I pick English in the user menu
    _choose_in_user_menu(page, polish("Open user menu"), "English")

    # Then the same page is English, and my profile keeps it
    assert page.url.endswith("/customers/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("current-role")).to_contain_text("Partner full administrator")
    assert User.objects.get(pk=admin.pk).language == "en"

    # When I sign out, the sign-in page stays English
    _sign_out(page, "Open user menu", "Sign out")
    expect(html).to_have_attribute("lang", "en")

    # And in a Polish browser that never chose, the sign-in page is Polish ...
    polish_browser.goto("/accounts/login/")
    expect(polish_browser.locator("html")).to_have_attribute("lang", "pl")
    # ... but once I sign in there, my profile's English wins
    _sign_in(polish_browser, admin, polish("Sign in"))
    expect(polish_browser.locator("html")).to_have_attribute("lang", "en")
    expect(polish_browser.get_by_test_id("current-role")).to_contain_text(
        "Partner full administrator"
    )

    # When I choose Polish in that browser's user menu, sign out and in again in the first one
    _choose_in_user_menu(polish_browser, "Open user menu", "Polski")
    expect(polish_browser.locator("html")).to_have_attribute("lang", "pl")
    assert User.objects.get(pk=admin.pk).language == "pl"
    page.goto("/accounts/login/")
    expect(html).to_have_attribute("lang", "en")  # this browser's own cookie says English
    _sign_in(page, admin, "Sign in")

    # Then the first browser follows the profile: Polish, the sign-out button too
    expect(html).to_have_attribute("lang", "pl")
    page.get_by_label(polish("Open user menu")).click()
    expect(page.get_by_role("button", name=polish("Sign out"))).to_be_visible()
