"""Journey: a full administrator registers a webhook to a local receiver, sends a test event
and sees it delivered with status 200 in the endpoint's delivery log."""

from __future__ import annotations

from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from partnerhub.webhooks import worker
from partnerhub.webhooks.models import Endpoint
from tests.conftest import sign_in
from tests.webhooks_factories import receiving


@pytest.fixture(autouse=True)
def _local_receivers(settings: Any, monkeypatch: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    monkeypatch.setattr(worker, "wake", lambda: None)


@pytest.mark.browser
def test_journey_register_a_webhook_and_send_a_test_event(page, transactional_db, full_admin):
    with receiving() as receiver:
        sign_in(page, full_admin)
        page.goto("/integrations/webhooks/")
        assert "No webhooks yet." in page.get_by_test_id("endpoint-table").inner_text()
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Description").fill("Our PSA")
        page.get_by_label("Every event").check()
        page.get_by_role("button", name="Add webhook").click()
        page.wait_for_url("**/integrations/webhooks/wh_*/")
        secret = page.get_by_test_id("secret").input_value()
        assert secret.startswith("whsec_")
        assert "Nothing delivered yet." in page.get_by_test_id("delivery-table").inner_text()
        page.get_by_role("button", name="Send a test event").click()
        page.wait_for_load_state()
        assert "HTTP 200" in page.locator(".alert").first.inner_text()
        row = page.get_by_test_id("delivery").first
        assert "webhook.test" in row.inner_text()
        assert page.get_by_test_id("delivery-status").first.inner_text().strip() == "200"
        # the secret is not shown again
        page.reload()
        assert page.get_by_test_id("secret").count() == 0
    [got] = receiver.received
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.test"
    assert Endpoint.objects.get().description == "Our PSA"
