"""Shared fixtures: the pinned as-of date, people of every role, and Chromium for journeys."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from partnerhub.core.choices import Role
from tests.factories import PartnerFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "secret-pass-123"


@pytest.fixture(autouse=True)
def _pinned_today(settings: Any) -> None:
    """Every test runs as of 2026-11-26 unless it says otherwise."""
    settings.PARTNERHUB_TODAY = "2026-11-26"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def partner(db: Any) -> Any:
    return PartnerFactory(name="Northwind Partners")


@pytest.fixture
def other_partner(db: Any) -> Any:
    return PartnerFactory(name="Fabrikam Partners")


@pytest.fixture
def people(partner: Any) -> dict[str, Any]:
    """One person of each role of `partner`."""
    return {
        role.value: UserFactory(partner=partner, role=role, email=f"{role.value}@northwind.example")
        for role in Role
    }


@pytest.fixture
def full_admin(people: dict[str, Any]) -> Any:
    return people[Role.PARTNER_FULL_ADMIN]


@pytest.fixture
def stranger(other_partner: Any) -> Any:
    """A full administrator of another partner."""
    return UserFactory(
        partner=other_partner, role=Role.PARTNER_FULL_ADMIN, email="boss@fabrikam.example"
    )


def api_client_for(user: Any) -> Any:
    """A Django test client that authenticates with a fresh API token of `user`."""
    from django.test import Client

    from partnerhub.accounts.services import token_create

    _token, raw = token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def api_client() -> Any:
    return api_client_for


# --- Browser journeys -----------------------------------------------------------------------

CHROMIUM = os.environ.get("PARTNERHUB_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def _browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser page; `page.base` is the live server's URL."""
    context = _browser.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.base = live_server.url  # type: ignore[attr-defined]
    yield pg
    context.close()


def sign_in(page: Any, user: Any, password: str = PASSWORD) -> None:
    """Sign in through the real form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
