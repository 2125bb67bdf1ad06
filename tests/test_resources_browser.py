"""Journey: search Resources & help, open a guide page, and see it become a quick link."""

from __future__ import annotations

import pytest

from partnerhub.core.choices import Role
from partnerhub.resources.services import resources_load_curated, resources_sync_guide
from tests.conftest import sign_in
from tests.factories import UserFactory


@pytest.mark.browser
def test_journey_search_resources_and_open_one(page, transactional_db, partner):
    # given the guide and the curated links are indexed
    resources_sync_guide()
    resources_load_curated()
    admin = UserFactory(partner=partner, role=Role.SALES_FULL_ADMIN, name="Sam Sales")
    sign_in(page, admin)
    # when the person opens Resources & help from the navigation and searches
    page.goto("/resources/")
    assert page.get_by_test_id("quick-links").is_visible()
    assert page.get_by_test_id("featured").is_visible()
    page.get_by_label("Search").fill("trial")
    results = page.get_by_test_id("resource-results")
    first_link = results.locator("tbody tr").first.get_by_role("link")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=resource-results] tbody tr a')"
        "?.textContent.trim() === 'Trials'"
    )
    assert "q=trial" in page.url
    # then the title match ranks first, and opening it shows the rendered guide page
    first_link.click()
    page.wait_for_url("**/resources/guide/trials/")
    assert page.get_by_role("heading", name="Trials", exact=True).is_visible()
    assert page.get_by_test_id("guide-body").locator("h2").count() >= 1
    # and filtering by type narrows the list
    page.goto("/resources/")
    page.get_by_label("Type").select_option("video")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=resource-results] tbody tr')]"
        ".every(r => r.textContent.includes('Video'))"
    )
    # and the page just opened is now this partner's first quick link
    quick = page.get_by_test_id("quick-links").locator("a").first
    assert quick.inner_text().startswith("Trials")
