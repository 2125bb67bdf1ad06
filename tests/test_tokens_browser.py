"""Journey: a partner administrator creates a read-only, address-limited API token on the
tokens page, sees it once and listed with its limits, and the API refuses its writes."""

from __future__ import annotations

import pytest
from django.test import Client

from partnerhub.accounts.models import ApiToken
from tests.conftest import sign_in


@pytest.mark.browser
def test_journey_create_a_read_only_token_and_see_it_listed(page, transactional_db, full_admin):
    sign_in(page, full_admin)
    page.goto("/accounts/tokens/")
    page.get_by_label("Name").fill("Nightly report")
    page.get_by_label("Expires in (days)").fill("30")
    page.get_by_label("Read-only").check()
    page.get_by_label("Allowed addresses").fill("127.0.0.1\n10.0.0.0/8")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()

    raw = page.get_by_test_id("new-token").locator("code").inner_text().strip()
    assert raw.startswith("ph_")
    row = page.get_by_test_id("token-row").filter(has_text="Nightly report")
    assert row.count() == 1
    text = row.inner_text()
    assert "read-only" in text and "10.0.0.0/8" in text and "127.0.0.1/32" in text
    assert "active" in text

    token = ApiToken.objects.get(user=full_admin)
    assert token.read_only and (token.expires_at - token.created_at).days == 30
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me").status_code == 200
    refused = client.post("/api/v1/users", {"email": "x@northwind.example"}, "application/json")
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]

    # shown once: the page again lists it without the token itself
    page.goto("/accounts/tokens/")
    assert page.get_by_test_id("new-token").count() == 0
    assert raw not in page.content()
