"""Browser journeys (issue 18, item 1): set up an authenticator app (the code computed from the
secret on the page), sign out, sign in with a code, use a recovery code once (a second use
fails); a partner that requires two-step sign-in sends a new person to set it up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache

from partnerhub.core.choices import Role
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.twostep_helpers import totp_code


def _sign_out(page: Any) -> None:
    page.get_by_test_id("current-user").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")


@pytest.mark.browser
def test_journey_authenticator_app_then_sign_in_with_a_code_and_a_recovery_code(
    page: Any, live_server: Any, transactional_db: Any, partner: Any
) -> None:
    from playwright.sync_api import expect

    cache.clear()
    person = UserFactory(partner=partner, role=Role.SALES_ADMIN, name="Sam Sales")
    sign_in(page, person)

    # User menu › Two-step sign-in › Authenticator app › Activate.
    page.goto("/customers/")
    page.get_by_test_id("current-user").click()
    page.get_by_test_id("two-step-link").click()
    page.wait_for_url("**/security/two-step/")
    page.get_by_role("link", name="Activate").click()
    page.wait_for_url("**/security/two-step/totp/activate/")
    expect(page.get_by_role("img")).to_have_count(1)  # the QR code
    secret = page.get_by_label("Authenticator secret").input_value()
    assert len(secret) >= 16
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    # The 10 recovery codes are shown once set up.
    page.wait_for_url("**/security/two-step/recovery-codes/")
    text = page.get_by_label("Unused codes").input_value()
    codes = sorted(set(re.findall(r"\b[a-f0-9]{8}\b", text)))
    assert len(codes) == 10, text

    # Signing in now asks for the second step after the password.
    _sign_out(page)
    sign_in(page, person)
    page.wait_for_url("**/security/two-step/authenticate/")
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/security/" not in url and "/accounts/login" not in url)
    page.goto("/customers/")
    expect(page.get_by_test_id("current-user")).to_be_visible()

    # A recovery code signs in once …
    _sign_out(page)
    sign_in(page, person)
    page.wait_for_url("**/security/two-step/authenticate/")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/security/" not in url and "/accounts/login" not in url)

    # … and never again.
    _sign_out(page)
    sign_in(page, person)
    page.wait_for_url("**/security/two-step/authenticate/")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    assert page.url.endswith("/security/two-step/authenticate/")


@pytest.mark.browser
def test_journey_a_partner_requires_two_step_and_a_new_person_sets_it_up_first(
    page: Any, live_server: Any, transactional_db: Any, partner: Any
) -> None:
    from playwright.sync_api import expect

    cache.clear()
    admin = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, name="Fay Full")
    newcomer = UserFactory(partner=partner, role=Role.SALES_ADMIN, name="Nell New")

    # Users › Security: require it of everyone.
    sign_in(page, admin)
    page.goto("/accounts/users/")
    page.get_by_test_id("security-settings").click()
    page.wait_for_url("**/security/settings/")
    expect(page.get_by_test_id("without-count")).to_have_text("2 people without it")
    page.get_by_test_id("require-two-step").check()
    page.get_by_test_id("save-security").click()
    expect(page.get_by_text("Two-step sign-in is now required")).to_be_visible()
    # The administrator has none either: their next page is the set-up.
    page.goto("/customers/")
    page.wait_for_url("**/security/two-step/")
    _sign_out(page)

    # The newcomer: straight from the password to the set-up, and nothing else opens.
    sign_in(page, newcomer)
    page.wait_for_url("**/security/two-step/")
    expect(page.get_by_text("Your partner requires two-step sign-in.")).to_be_visible()
    page.goto("/analytics/subscriptions/")
    page.wait_for_url("**/security/two-step/")
    page.get_by_role("link", name="Activate").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/security/two-step/recovery-codes/")
    # Done: the rest of Partner Hub opens.
    page.goto("/customers/")
    expect(page).to_have_url(f"{live_server.url}/customers/")


@pytest.mark.browser
def test_journey_a_security_key_is_added_and_signs_in(
    page: Any, live_server: Any, transactional_db: Any, partner: Any
) -> None:
    """WebAuthn with Chromium's virtual authenticator (DevTools protocol): the browser's own
    navigator.credentials answers allauth's pages as a real key would."""
    from allauth.mfa.models import Authenticator
    from playwright.sync_api import expect

    cache.clear()
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    person = UserFactory(partner=partner, role=Role.SALES_ADMIN, name="Kim Key")
    sign_in(page, person)
    page.goto("/security/two-step/")
    page.get_by_role("link", name="Add").click()
    page.wait_for_url("**/security/two-step/webauthn/add/")
    page.get_by_role("button", name="Add").click()
    # The key is added and the recovery codes are shown.
    page.wait_for_url("**/security/two-step/recovery-codes/")
    assert Authenticator.objects.filter(user=person, type="webauthn").count() == 1

    _sign_out(page)
    sign_in(page, person)
    page.wait_for_url("**/security/two-step/authenticate/")
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(lambda url: "/security/" not in url and "/accounts/login" not in url)
    page.goto("/customers/")
    expect(page.get_by_test_id("current-user")).to_be_visible()


@pytest.mark.browser
def test_journey_a_full_administrator_resets_a_persons_second_step(
    page: Any, live_server: Any, transactional_db: Any, partner: Any
) -> None:
    from allauth.mfa.models import Authenticator
    from playwright.sync_api import expect

    admin = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, name="Fay Full")
    person = UserFactory(partner=partner, role=Role.SALES_ADMIN, name="Lou Lost")
    Authenticator.objects.create(user=person, type=Authenticator.Type.TOTP, data={"secret": "x"})
    sign_in(page, admin)
    page.goto(f"/accounts/users/{person.pk}/")
    card = page.get_by_test_id("two-step-card")
    expect(card.get_by_text("Authenticator app", exact=True)).to_be_visible()
    page.get_by_test_id("two-step-reset").click()
    expect(page.get_by_text("Lou Lost's two-step sign-in was reset")).to_be_visible()
    expect(page.get_by_test_id("two-step-none")).to_be_visible()
    assert not Authenticator.objects.filter(user=person).exists()
