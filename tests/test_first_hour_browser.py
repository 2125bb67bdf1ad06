"""Browser journeys of a newcomer's first hour: the address bar, history and focus of the
customer list, statuses that say what is true."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from partnerhub.core.choices import Role
from tests.conftest import sign_in
from tests.customers_factories import day, login_on
from tests.factories import CustomerFactory, ItemFactory, PartnerFactory, UserFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    partner = PartnerFactory(name="Northwind Partners")
    admin = UserFactory(
        partner=partner, role=Role.PARTNER_FULL_ADMIN, email="anna@northwind.example"
    )
    contoso = CustomerFactory(partner=partner, name="Contoso", ext_id="C1")
    ItemFactory(customer=contoso, ext_id="Sub-1", end=day(12), lines={"calling": 10})
    login_on(contoso, -1)
    fabrikam = CustomerFactory(partner=partner, name="Fabrikam", ext_id="C2")
    ItemFactory(customer=fabrikam, ext_id="Sub-2", auto_renew=True, lines={"meetings": 5})
    login_on(fabrikam, -1)
    # Set up with a start three weeks ahead: scheduled, neither expired nor active.
    later = CustomerFactory(partner=partner, name="Litware", ext_id="C3")
    ItemFactory(customer=later, ext_id="Sub-3", start=day(21), end=day(386))
    login_on(later, -1)
    return {"admin": admin}


def test_the_address_bar_only_ever_holds_the_lists_own_url(
    page: Any, world: dict[str, Any]
) -> None:
    sign_in(page, world["admin"])
    page.wait_for_url(re.compile(r"/customers/$"))
    start = page.url

    # Typing asks for suggestions; the address bar and the history stay where they were.
    box = page.get_by_test_id("query")
    box.click()
    box.press_sequentially("status:exp")
    page.get_by_role("option", name=re.compile("status:expiring_soon")).wait_for()
    assert page.url == start
    assert "suggest" not in page.url

    # Running the query puts the list's URL with its query in the address bar.
    box.fill("status:expiring_soon")
    page.get_by_test_id("apply-query").click()
    page.wait_for_url(re.compile(r"/customers/\?q=status%3Aexpiring_soon$"))
    queried = page.url
    assert "suggest" not in queried

    # A sort keeps the query and the focus on the sort control that was used: a person uses the
    # sort control of the table they see, once the query's answer (and the suggestions the
    # typing asked for) have landed and settled.
    page.locator(".htmx-request, .htmx-swapping, .htmx-settling").first.wait_for(state="detached")
    page.locator('[data-sort="name"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=-name"))
    assert "suggest" not in page.url and "q=status%3Aexpiring_soon" in page.url
    # HTMX settles the new table after the address changes; focus follows within its settle.
    # (Polled from here: the page's CSP forbids the eval that wait_for_function would use.)
    deadline = time.monotonic() + 3
    while page.evaluate("document.activeElement.dataset.sort") != "name":
        assert time.monotonic() < deadline, (
            "focus did not return to the sort control: "
            + page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
        )
        page.wait_for_timeout(50)

    # Reload shows the whole page with the query, not a bare fragment.
    page.reload()
    assert page.locator("nav, header").first.is_visible()
    assert page.get_by_test_id("query").input_value() == "status:expiring_soon"

    # Back walks through the list's own URLs, each a whole page.
    page.go_back()
    page.wait_for_url(queried)
    page.go_back()
    page.wait_for_url(start)
    page.get_by_test_id("customers").get_by_text("Fabrikam").wait_for()
    page.reload()
    assert page.get_by_test_id("query").is_visible()


def test_a_scheduled_customer_shows_when_it_starts(page: Any, world: dict[str, Any]) -> None:
    sign_in(page, world["admin"])
    row = page.locator('tr[data-customer="C3"]')
    badge = row.locator('[data-status="scheduled"]')
    badge.wait_for()
    assert badge.text_content().startswith("Starts ")
    assert row.locator('[data-status="expired"]').count() == 0


def test_the_customer_list_fits_a_phone(page: Any, world: dict[str, Any]) -> None:
    CustomerFactory(
        partner=world["admin"].partner,
        ext_id="C9",
        name="The Extraordinarily Long-Named International Holding of Northern Provinces Ltd",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, world["admin"])
    page.get_by_test_id("customers").wait_for()
    # No sideways scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The query box keeps a usable width.
    assert page.get_by_test_id("query").bounding_box()["width"] >= 250
    # Each row keeps its name and statuses; the long name is cut and whole on hover.
    row = page.locator('tr[data-customer="C9"]')
    link = row.get_by_test_id("customer-link")
    assert link.is_visible() and link.get_attribute("title").endswith("Provinces Ltd")
    assert link.bounding_box()["x"] + link.bounding_box()["width"] <= 390
    assert row.locator(".status-badges").is_visible()


def test_the_keyboard_reaches_the_pager_in_one_stop_per_row(
    page: Any, world: dict[str, Any]
) -> None:
    for n in range(12):
        CustomerFactory(partner=world["admin"].partner, ext_id=f"K{n:02d}", name=f"Kilo {n:02d}")
    sign_in(page, world["admin"])
    page.get_by_test_id("customers").wait_for()
    rows = page.locator('[data-testid="customers"] tbody tr').count()
    # From the first row's name, Tab goes row by row and then out of the table.
    page.locator('[data-testid="customers"] tbody tr').first.get_by_test_id("customer-link").focus()
    stops = 0
    while stops < rows + 5:
        page.keyboard.press("Tab")
        stops += 1
        inside = page.evaluate(
            "!!document.activeElement.closest('[data-testid=\"customers\"] tbody')"
        )
        if not inside:
            break
    assert stops == rows  # one stop per row: rows − 1 to the last row, one more leaves
    # Arrow keys reach a row's other controls and the next row.
    first = page.locator('[data-testid="customers"] tbody tr').first
    first.get_by_test_id("customer-link").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.closest('tr') !== null")
    assert page.evaluate("document.activeElement.dataset.rowPrimary === undefined")
    page.keyboard.press("ArrowDown")
    second = page.locator('[data-testid="customers"] tbody tr').nth(1)
    assert page.evaluate("document.activeElement.dataset.testid") == "customer-link"
    assert second.get_by_test_id("customer-link").evaluate("el => el === document.activeElement")
    # The skip link jumps over every row to the pages.
    page.get_by_test_id("query").focus()
    skip = page.get_by_test_id("skip-to-pager")
    skip.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "customer-pager"


LONG_NAME = "The Extraordinarily Long-Named International Holding of Northern Provinces Ltd"


@pytest.mark.parametrize("width", [1400, 390])
def test_a_long_customer_name_keeps_the_analytics_tables_readable(
    page: Any, transactional_db: Any, partner: Any, full_admin: Any, width: int
) -> None:
    from tests.analytics_factories import assign, customer, days, item

    assign(item(customer(partner, LONG_NAME), {"calling": 10}, end=days(20), ext_id="S-LONG"))
    assign(item(customer(partner, "Bravo"), {"calling": 4}, end=days(40), ext_id="S-BRAVO"))
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, full_admin)
    page.goto("/analytics/subscriptions/?product=calling")
    section = page.locator("#section-expiring")
    link = section.locator("tr[data-item='S-LONG']").get_by_test_id("customer-link")
    link.wait_for()
    # The name is cut (the whole of it on hover), so it cannot push the columns away.
    assert link.get_attribute("title") == LONG_NAME
    assert link.bounding_box()["width"] <= 22 * 16 + 1
    # The page itself never scrolls sideways; a wide table scrolls inside its card, and the
    # customer's name stays in view while it does.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    scroller = section.locator(".table-responsive")
    scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + min(box["width"], 50) <= width
