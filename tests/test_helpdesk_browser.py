"""Journey: a partner opens a case with a file and comments; the team replies and moves it."""

from __future__ import annotations

from typing import Any

import pytest

from partnerhub.core.choices import Role
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.helpdesk_factories import HelpdeskUserFactory


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.mark.browser
def test_journey_open_a_case_comment_and_follow_the_teams_reply(
    page, _browser, live_server, transactional_db, partner
):
    admin = UserFactory(partner=partner, role=Role.PARTNER_READONLY_ADMIN, name="Rita Reader")
    agent = HelpdeskUserFactory(name="Hana Helpdesk")
    # the partner opens a case from the helpdesk icon in the header, with a log file
    sign_in(page, admin)
    page.goto("/resources/")
    page.get_by_test_id("helpdesk-icon").click()
    page.wait_for_url("**/helpdesk/new/")
    page.get_by_label("Contact Center").check()
    page.get_by_label("2 — Major function impaired").check()
    page.get_by_label("Subject").fill("Agents cannot log in")
    page.get_by_label("Description").fill("Since 08:00 UTC no agent can sign in to the desktop.")
    page.get_by_label("Attachments").set_input_files(
        {"name": "agent.log", "mimeType": "text/plain", "buffer": b"08:00 ERROR login 401\n"}
    )
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url("**/helpdesk/cases/PH-2026-*/")
    number = page.get_by_test_id("case-number").inner_text()
    assert page.get_by_test_id("attachment").inner_text().startswith("agent.log")
    page.get_by_label("Add a comment").fill("It affects all 40 agents.")
    page.get_by_role("button", name="Add comment").click()
    page.wait_for_load_state()
    assert "It affects all 40 agents." in page.get_by_test_id("thread").inner_text()
    case_url = page.url

    # the helpdesk team, in its own browser, finds it in the queue, replies and moves it
    team = _browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900})
    team.set_default_timeout(10_000)
    agent_page = team.new_page()
    try:
        sign_in(agent_page, agent)
        agent_page.goto("/helpdesk/queue/")
        agent_page.get_by_role("link", name=number).click()
        agent_page.wait_for_url(f"**/helpdesk/cases/{number}/")
        assert "It affects all 40 agents." in agent_page.get_by_test_id("thread").inner_text()
        agent_page.get_by_label("Add a comment").fill("Please send the desktop version.")
        agent_page.get_by_role("button", name="Add comment").click()
        agent_page.wait_for_load_state()
        agent_page.get_by_label("Status").select_option("waiting_on_partner")
        agent_page.get_by_role("button", name="Change status").click()
        agent_page.wait_for_load_state()
        assert "Waiting on partner" in agent_page.get_by_test_id("status-history").inner_text()
    finally:
        team.close()

    # the partner sees the reply and the new status
    page.goto(case_url)
    thread = page.get_by_test_id("thread").inner_text()
    assert "Please send the desktop version." in thread and "Partner Helpdesk" in thread
    assert page.get_by_test_id("status-badge").first.inner_text() == "Waiting on partner"
    page.goto("/helpdesk/")
    assert "Waiting on partner" in page.get_by_test_id("case-table").inner_text()
