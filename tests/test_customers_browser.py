"""Browser journeys in Chromium: filter by typing a query, tag a customer, open the details,
change a person's role."""

from __future__ import annotations

import re
from typing import Any

import pytest

from partnerhub.core.choices import Role
from tests.conftest import sign_in
from tests.customers_factories import assign, day, login_on
from tests.factories import CustomerFactory, ItemFactory, PartnerFactory, UserFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    partner = PartnerFactory(name="Northwind Partners")
    admin = UserFactory(
        partner=partner, role=Role.PARTNER_FULL_ADMIN, email="anna@northwind.example"
    )
    colleague = UserFactory(
        partner=partner, role=Role.USER, name="Piotr Nowak", email="piotr@northwind.example"
    )
    contoso = CustomerFactory(partner=partner, name="Contoso", ext_id="C1")
    sub = ItemFactory(customer=contoso, ext_id="Sub-100231", end=day(12), lines={"calling": 10})
    assign(sub, 4)
    login_on(contoso, -1)
    fabrikam = CustomerFactory(partner=partner, name="Fabrikam", ext_id="C2")
    ItemFactory(customer=fabrikam, ext_id="Sub-100232", auto_renew=True, lines={"meetings": 5})
    login_on(fabrikam, -1)
    return {"admin": admin, "colleague": colleague}


def test_filter_tag_open_details_and_change_a_role(page: Any, world: dict[str, Any]) -> None:
    sign_in(page, world["admin"])
    page.wait_for_url(re.compile(r"/customers/$"))
    table = page.get_by_test_id("customers")
    assert table.get_by_text("Fabrikam").is_visible()

    # Filter by typing a query: suggestions appear, picking one runs the query in place.
    box = page.get_by_test_id("query")
    box.click()
    box.press_sequentially("status:exp")
    page.get_by_role("option", name=re.compile("status:expiring_soon")).click()
    page.wait_for_url(re.compile(r"/customers/\?q=status%3Aexpiring_soon$"))
    page.get_by_test_id("customer-count").filter(has_text="1 customer").wait_for()
    assert page.get_by_test_id("customers").get_by_text("Fabrikam").count() == 0
    # The reason is the badge's tooltip, and read out by screen readers.
    badge = page.locator('tr[data-customer="C1"] [data-status="expiring_soon"]')
    assert badge.text_content() == "Expiring soon: Sub-100231 ends in 12 days"

    # Tag a customer from its row (HTMX swaps only the tags cell).
    row = page.locator('tr[data-customer="C1"]')
    row.get_by_test_id("add-tag").fill("gold")
    row.get_by_test_id("add-tag").press("Enter")
    row.locator('[data-tag="gold"]').wait_for()
    assert row.get_by_text("Tagged “gold”.").is_visible()

    # Open the details and its Subscriptions tab.
    row.get_by_test_id("customer-link").click()
    page.wait_for_url(re.compile(r"/customers/C1/$"))
    assert page.get_by_test_id("statuses").get_by_text("Expiring soon").is_visible()
    page.get_by_role("tab", name="Subscriptions").click()
    page.get_by_test_id("tab-subscriptions").wait_for()
    assert page.locator('[data-subscription="Sub-100231"]').is_visible()
    page.wait_for_url(re.compile(r"tab=subscriptions"))

    # Change a role: Users › the person › Roles and security › Administrator roles.
    page.goto("/accounts/users/")
    page.get_by_role("link", name="Piotr Nowak").click()
    page.get_by_text("Sales administrator", exact=True).click()
    page.get_by_test_id("save-role").click()
    page.get_by_text("Piotr Nowak is now Sales administrator.").wait_for()
    world["colleague"].refresh_from_db()
    assert world["colleague"].role == Role.SALES_ADMIN


def test_manage_tags_see_administrators_and_invite_a_person(
    page: Any, world: dict[str, Any]
) -> None:
    from partnerhub.customers.models import Customer
    from tests.customers_factories import tag

    tag(Customer.objects.get(ext_id="C1"), "gold")
    sign_in(page, world["admin"])

    # The tag manager renames a tag on every customer carrying it.
    page.goto("/tags/")
    row = page.locator('tr[data-tag="gold"]')
    row.get_by_test_id("rename-input").fill("Platinum")
    row.get_by_role("button", name="Rename").click()
    page.get_by_text("The tag “gold” is now “Platinum”.").wait_for()
    assert page.locator('tr[data-tag="Platinum"]').is_visible()

    # Administrators: the people with access to all customers.
    page.goto("/accounts/admins/")
    assert page.get_by_test_id("admins").get_by_text("anna@northwind.example").is_visible()
    assert page.get_by_test_id("admins").get_by_text("piotr@northwind.example").count() == 0

    # Invite a person with a role from the Users page.
    page.goto("/accounts/users/")
    page.get_by_test_id("invite").click()
    page.get_by_label("E-mail").fill("ewa@northwind.example")
    page.get_by_label("Name").fill("Ewa Kowalska")
    page.get_by_label("Role").select_option("sales_admin")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("ewa@northwind.example was invited as Sales administrator").wait_for()
    assert page.get_by_test_id("users").get_by_text("ewa@northwind.example").is_visible()
