"""Browser journey (issue 18, item 2): single sign-on through a real OpenID Connect provider (the
`oidc-provider` npm package, tests/oidc/provider.mjs, in a second process) in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from partnerhub.core.choices import Role
from partnerhub.signins.models import SignIn
from partnerhub.sso.models import provider_id_of
from tests.conftest import sign_in
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "partnerhub-test"
CLIENT_SECRET = "a-client-secret-for-tests-only"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def oidc_issuer(live_server: Any, partner: Any, tmp_path: Path) -> Iterator[str]:
    """The provider in a second process, its one client redirecting to this partner's callback;
    the issuer URL while it answers its discovery document."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").exists():
        pytest.skip("node and the oidc-provider package (npm install) are needed")
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    callback = (
        f"{live_server.url}/accounts/login/sso/oidc/{provider_id_of(partner)}/login/callback/"
    )
    log = (tmp_path / "oidc-provider.log").open("w")
    process = subprocess.Popen(
        [node, str(PROVIDER_SCRIPT)],
        cwd=ROOT,
        env={
            **os.environ,
            "OIDC_PORT": str(port),
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_REDIRECT_URI": callback,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(
                    f"{issuer}/.well-known/openid-configuration", timeout=1
                ) as response:
                    assert json.load(response)["issuer"] == issuer
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError(
                        "oidc-provider did not start: "
                        + (tmp_path / "oidc-provider.log").read_text()
                    ) from None
                time.sleep(0.2)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _sign_in_with_sso(page: Any, email: str) -> None:
    """The sign-in page's single sign-on, then the provider's own sign-in page."""
    page.goto("/accounts/login/")
    page.get_by_text("Sign in with single sign-on").click()
    page.get_by_label("Work address").fill(email)
    page.get_by_test_id("sso-continue").click()
    # At the identity provider (its development sign-in page accepts any password); the
    # e-mail arrives as OpenID Connect's login_hint.
    page.wait_for_selector("input[name=login]")
    assert page.input_value("input[name=login]") == email
    page.fill("input[name=password]", "anything")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
def test_journey_single_sign_on_through_a_real_openid_provider(
    page: Any,
    _browser: Any,
    live_server: Any,
    transactional_db: Any,
    partner: Any,
    oidc_issuer: str,
) -> None:
    from playwright.sync_api import expect

    admin = UserFactory(
        partner=partner, role=Role.PARTNER_FULL_ADMIN, email="boss@northwind.example"
    )
    person = UserFactory(
        partner=partner, role=Role.SALES_ADMIN, name="Sam Sales", email="sam@northwind.example"
    )
    UserFactory(partner=partner, role=Role.SALES_ADMIN, email="unverified@northwind.example")

    # The full administrator sets up the partner's identity provider.
    sign_in(page, admin)
    page.goto("/security/settings/")
    page.get_by_test_id("sso-link").click()
    page.wait_for_url("**/security/sso/")
    expect(page.get_by_test_id("callback-url")).to_contain_text(
        f"/accounts/login/sso/oidc/{provider_id_of(partner)}/login/callback/"
    )
    page.get_by_label("Issuer URL").fill(oidc_issuer)
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_label("E-mail domain").fill("northwind.example")
    page.get_by_test_id("save-sso").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("sso-status")).to_have_text("Configured")
    expect(page.get_by_label("Client secret")).to_have_value("")

    browser = _browser.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 900}
    )
    browser.set_default_timeout(10_000)
    try:
        # A person of the domain signs in through the provider and lands signed in.
        other = browser.new_page()
        _sign_in_with_sso(other, person.email)
        assert other.url.startswith(live_server.url)
        expect(other.get_by_test_id("current-user")).to_be_visible()
        row = SignIn.objects.get(user=person, outcome="succeeded")
        assert row.method == "sso"
        other.goto("/security/sessions/")
        expect(other.get_by_test_id("current-session")).to_have_count(1)
    finally:
        browser.close()

    # The provider does not vouch for this e-mail: refused, nobody signed in.
    refused = _browser.new_context(base_url=live_server.url)
    refused.set_default_timeout(10_000)
    try:
        third = refused.new_page()
        _sign_in_with_sso(third, "unverified@northwind.example")
        expect(third.get_by_text("did not confirm a verified e-mail")).to_be_visible()
        third.goto("/customers/")
        third.wait_for_url("**/accounts/login/**")
    finally:
        refused.close()
