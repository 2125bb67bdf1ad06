"""Issue 14 point 13, the rough edges a tour finds: audit changes in words, plural forms, grouped
numbers, admin messages that name people alike, the URL after a refused role change, a landing
page for people without a role, invoice pages, and the partner-wide audit page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from partnerhub.accounts.models import User
from partnerhub.core.audit import audit_record
from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.ingest.errors import LineError, LoadError
from partnerhub.tags.models import Tag
from tests.analytics_factories import customer as analytics_customer
from tests.analytics_factories import days, item
from tests.customers_factories import InvoiceFactory, OrderFactory, tag
from tests.factories import (
    AssignmentFactory,
    CustomerFactory,
    CustomerManagerFactory,
    CustomerUserFactory,
    ExternalAdminFactory,
    ItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ACTIVITY = "/accounts/activity/"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def changes_cells(html: str) -> list[str]:
    """The text of each "Changes" cell of an audit table, tags stripped, spaces collapsed."""
    cells = re.findall(r'data-testid="audit-changes">(.*?)</td>', html, re.S)
    hidden = r'<span class="visually-hidden">.*?</span>'  # for screen readers: "changed to"
    return [" ".join(re.sub(r"<[^>]+>", " ", re.sub(hidden, "", c)).split()) for c in cells]


def event(
    partner: Any,
    actor: Any,
    action: str,
    *,
    customer: Any = None,
    at: Any = None,
    before: Any = None,
    after: Any = None,
    obj_type: str = "customer",
) -> AuditEvent:
    """An audit row as the services record it, optionally at a given time."""
    row = audit_record(
        actor=actor,
        action=action,
        obj_type=obj_type,
        obj_id=customer.ext_id if customer is not None else "x",
        customer=customer,
        partner=partner,
        before=before,
        after=after,
    )
    if at is not None:
        AuditEvent.objects.filter(pk=row.pk).update(at=at)
    return row


def at_day(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


# --- 1. The Activity tab: a readable difference, not JSON ------------------------------------


def test_the_activity_tab_shows_each_changed_field_in_words(partner, full_admin):
    # Given a tag removed, and an order that changed a subscription's state and licenses
    contoso = CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    event(
        partner,
        full_admin,
        "tag.remove",
        customer=contoso,
        before={"tags": ["emea", "gold"]},
        after={"tags": ["gold"], "tag_deleted": False},
    )
    item_before = {
        "id": "Sub-1",
        "customer_id": "C1",
        "is_trial": False,
        "state": "provisioning",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "auto_renew": False,
        "lines": {"calling": 1000, "meetings": 50},
    }
    event(
        partner,
        full_admin,
        "order.change",
        customer=contoso,
        obj_type="subscription",
        before=item_before,
        after={
            **item_before,
            "state": "active",
            "auto_renew": True,
            "lines": {"calling": 1200, "meetings": 50},
            "order_id": "O-9",
        },
    )

    # When the full admin opens the Activity tab
    html = page(signed_in(full_admin).get("/customers/C1/", {"tab": "activity"}))

    # Then every changed field is one line in words, unchanged fields and ids are left out
    order, tags = changes_cells(html)  # newest first
    assert tags == "Tags: emea, gold → gold Tag deleted: no"
    assert order == (
        "State: Ready to set up → Active Auto-renew: no → yes "
        "Licenses: Webex Calling: 1,000, Webex Meetings: 50 → "
        "Webex Calling: 1,200, Webex Meetings: 50 Order: O-9"
    )
    table = re.search(r'data-testid="audit".*?</table>', html, re.S)
    assert table and "{&quot;" not in table[0] and '{"' not in table[0]  # no JSON
    assert "customer_id" not in table[0]


def test_a_role_change_reads_as_role_labels_on_the_audit_page(people, full_admin):
    # Given the full admin gave a plain user the sales administrator role
    target = people[Role.USER]
    response = signed_in(full_admin).post(
        f"/accounts/users/{target.pk}/role/", {"role": "sales_admin"}
    )
    assert response.status_code == 302

    # When they open the audit page
    html = page(signed_in(full_admin).get(ACTIVITY))

    # Then the change names both roles by their labels
    assert "Role: User → Sales administrator" in changes_cells(html)


def test_another_partners_tag_stays_a_neutral_label_in_the_changes(partner, other_partner, people):
    # Given a person of the other partner, external admin of our customer, tags it with their tag
    contoso = CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    outsider = UserFactory(partner=other_partner, role=Role.SALES_ADMIN, name="Otto Outsider")
    ExternalAdminFactory(customer=contoso, user=outsider)
    assert signed_in(outsider).post("/tags/customer/C1/add/", {"name": "VIP-X"}).status_code in {
        200,
        302,
    }

    # When our full admin reads the Activity tab and the audit page
    client = signed_in(people[Role.PARTNER_FULL_ADMIN])
    tab = page(client.get("/customers/C1/", {"tab": "activity"}))
    audit = page(client.get(ACTIVITY))

    # Then the tag is a neutral label and the person is named by their partner only
    for html in (tab, audit):
        assert "Tags: — → (another partner&#x27;s tag)" in changes_cells(html)
        assert "VIP-X" not in html and "Otto" not in html and outsider.email not in html
        assert "a person of Fabrikam Partners" in html


# --- 2. Plural forms --------------------------------------------------------------------------


def test_deleting_a_tag_of_one_customer_asks_about_one_customer(partner, full_admin):
    # Given a tag carried by one customer
    tag(CustomerFactory(partner=partner), "gold")

    # When the tags page is shown
    html = page(signed_in(full_admin).get("/tags/"))

    # Then the confirmation speaks of one customer
    assert "Delete the tag gold from 1 customer?" in html
    assert "1 customers" not in html


def test_unassigning_one_user_says_one_user(partner, full_admin):
    # Given one user holding a calling license
    contoso = CustomerFactory(partner=partner, ext_id="C1")
    sub = ItemFactory(customer=contoso, ext_id="Sub-1", lines={"calling": 2})
    holder = CustomerUserFactory(customer=contoso, ext_id="U0")
    AssignmentFactory(user=holder, item=sub, product="calling", from_date=dt.date(2026, 5, 1))
    client = signed_in(full_admin)

    # When the full admin unassigns it
    response = client.post(
        "/org/customers/C1/licenses/Sub-1/calling/change/",
        {"operation": "unassign", "user": ["U0"]},
    )

    # Then the message counts one user, without "(s)"
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts == ["Unassigned from 1 user; 0 of 2 now assigned."]


def test_a_refused_load_counts_one_error_in_the_singular():
    # Given / When a load refused for one bad line
    error = LoadError([LineError(1, "id", "bad")], total=1)

    # Then
    assert error.summary() == "The load was refused, nothing was written: 1 error."


# --- 3. Numbers grouped as the language groups them -------------------------------------------


def test_my_organization_groups_both_figures(partner, full_admin):
    # Given 1,728 people in the partner organization, 1,700 of them active
    partner.org_setup_at = partner.terms_accepted_at = timezone.now()
    partner.save()
    User.objects.bulk_create(  # beside the five people of the `people` fixture
        User(email=f"p{i}@northwind.example", partner=partner, is_active=i >= 28)
        for i in range(1723)
    )

    # When the own organization's overview is shown
    html = page(signed_in(full_admin).get("/org/my/"))

    # Then both the active people and the total are grouped
    assert re.search(r'data-testid="people-active">1,700<', html)
    assert "of 1,728" in html and "1728" not in html


def test_customer_details_group_licenses_and_amounts(partner, full_admin):
    # Given a subscription of 1,500 calling licenses, an invoice and an order of 12,345.50 EUR
    contoso = CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    sub = ItemFactory(customer=contoso, ext_id="Sub-1", end=days(200), lines={"calling": 1500})
    InvoiceFactory(item=sub, amount="12345.50", currency="EUR")
    OrderFactory(item=sub, amount="12345.50", lines=[{"product": "calling", "licenses": 1500}])
    client = signed_in(full_admin)

    # When the overview and the subscriptions tabs are shown
    overview = page(client.get("/customers/C1/", {"tab": "overview"}))
    subscriptions = page(client.get("/customers/C1/", {"tab": "subscriptions"}))

    # Then every count and amount a person reads is grouped; style widths stay raw numbers
    assert '<td class="text-end">1,500</td>' in overview
    assert '<td class="text-end">1,500</td>' in subscriptions
    assert "available of 1,500" in subscriptions
    assert subscriptions.count("12,345.50 EUR") == 2  # the invoice and the order
    assert "Webex Calling: 1,500" in subscriptions  # an order line names its product
    assert "1500" not in overview + subscriptions and "12345" not in subscriptions
    assert re.search(r'style="width: [0-9.]+%"', subscriptions)


def test_the_customer_list_count_is_grouped(partner, full_admin):
    # Given 1,001 customers
    CustomerFactory.create_batch(1001, partner=partner)

    # When the customer list is shown
    html = page(signed_in(full_admin).get("/customers/"))

    # Then its count and pager read grouped numbers
    assert re.search(r'data-testid="customer-count">\s*1,001 customers', html)
    assert "of 1,001" in html


def test_subscriptions_analytics_group_licenses(partner, full_admin):
    # Given a calling subscription of 2,500 licenses added 10 days ago
    item(analytics_customer(partner, "Contoso"), {"calling": 2500}, start=days(-10))

    # When the page is shown for calling
    html = page(signed_in(full_admin).get("/analytics/subscriptions/", {"product": "calling"}))

    # Then the trend table, the KPI and the usage bar's text are grouped
    assert '<td class="text-end">2,500</td>' in html
    assert re.search(r'data-testid="recently_added-total_licenses">2,500<', html)
    assert "Total 2,500" in html
    assert "2500" not in re.sub(r"<script.*?</script>", "", html, flags=re.S)


def test_the_calling_tables_group_counts():
    # Given a calling table of 1,234 customers whose row shows 5,633 calls
    table = {
        "name": "usage",
        "title": "Usage",
        "count": 1234,
        "headers": [],
        "rows": [
            [
                {"key": "calls", "value": 5633, "numeric": True, "customer_id": ""},
                {"key": "worst_endpoint", "value": "IP phone", "numeric": False, "customer_id": ""},
            ]
        ],
        "page": None,
        "page_urls": {"previous": "", "next": ""},
        "export_csv": "?export=csv",
        "export_xlsx": "?export=xlsx",
    }

    # When the table is rendered
    html = render_to_string("calling/_table.html", {"table": table})

    # Then
    assert "1,234 customers" in html
    assert '<td class="text-end" data-key="calls">5,633</td>' in html


# --- 4. Add and remove name the person the same way -------------------------------------------


def test_adding_and_removing_a_partner_admin_name_the_person_alike(partner, full_admin):
    # Given a customer and a sales administrator called Anna Nowak
    CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    anna = UserFactory(
        partner=partner, role=Role.SALES_ADMIN, name="Anna Nowak", email="anna@northwind.example"
    )
    client = signed_in(full_admin)

    # When she is added, then removed
    added = client.post("/customers/C1/admins/add/", {"email": anna.email}, follow=True)
    removed = client.post("/customers/C1/admins/remove/", {"email": anna.email}, follow=True)

    # Then both messages name her by name and e-mail
    assert "Anna Nowak (anna@northwind.example) now manages Contoso." in page(added)
    assert "Anna Nowak (anna@northwind.example) no longer manages Contoso." in page(removed)


# --- 5. After a refused role change, the person's page ---------------------------------------


def test_a_refused_role_change_ends_on_the_persons_page(full_admin):
    # Given the only full administrator
    url = f"/accounts/users/{full_admin.pk}/"

    # When they try to give up their role
    response = signed_in(full_admin).post(f"{url}role/", {"role": "user"}, follow=True)

    # Then the browser ends on the person's page, with the reason shown there
    assert response.redirect_chain == [(url, 302)]
    assert response.request["PATH_INFO"] == url
    assert "last partner full administrator" in page(response)
    full_admin.refresh_from_db()
    assert full_admin.role == Role.PARTNER_FULL_ADMIN


# --- 6. A person without a role lands on a page that helps ------------------------------------


def test_a_plain_user_lands_on_a_page_naming_who_can_give_a_role(partner, people, stranger):
    # Given a plain user, their partner's full administrators (one of them deactivated)
    boss = people[Role.PARTNER_FULL_ADMIN]
    boss.name = "Beata Boss"
    boss.save()
    UserFactory(
        partner=partner,
        role=Role.PARTNER_FULL_ADMIN,
        email="gone@northwind.example",
        is_active=False,
    )

    # When the plain user opens Partner Hub after signing in
    response = signed_in(people[Role.USER]).get("/")

    # Then they read what Partner Hub is, what they can do and whom to ask (not a bare 403)
    html = page(response)
    assert 'data-testid="no-role"' in html
    assert "has no administrator role" in html
    assert 'href="/accounts/password/change/"' in html and 'data-testid="sign-out"' in html
    assert 'href="/accounts/tokens/"' not in html  # nothing offered that would answer 403
    assert 'data-person="partner_full_admin@northwind.example"' in html and "Beata Boss" in html
    assert "gone@northwind.example" not in html and stranger.email not in html


def test_administrators_still_land_on_the_customer_list(full_admin):
    response = signed_in(full_admin).get("/")
    assert response.status_code == 302 and response["Location"] == "/customers/"


# --- 7. Invoices: a page and a printable copy -------------------------------------------------


@pytest.fixture
def invoiced(partner: Any) -> Any:
    """Contoso's subscription Sub-1 with invoice FV/2026/11/001 of 12,345.50 EUR."""
    contoso = CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    sub = ItemFactory(customer=contoso, ext_id="Sub-1", lines={"calling": 1500, "meetings": 20})
    return InvoiceFactory(
        item=sub,
        ext_id="FV/2026/11/001",
        amount="12345.50",
        currency="EUR",
        date=dt.date(2026, 11, 2),
        status="overdue",
    )


def test_an_invoice_opens_from_the_subscriptions_tab(full_admin, invoiced):
    client = signed_in(full_admin)
    url = f"/customers/C1/invoices/{invoiced.pk}/"

    # When the Subscriptions tab is shown, then the invoice page it links to
    tab = page(client.get("/customers/C1/", {"tab": "subscriptions"}))
    html = page(client.get(url))

    # Then the tab links the invoice, and its page shows everything about it
    assert f'href="{url}" data-testid="invoice-link">FV/2026/11/001</a>' in tab
    assert 'data-testid="invoice-number">FV/2026/11/001<' in html
    assert "2026-11-02" in html and "12,345.50 EUR" in html and "Overdue" in html
    assert "Sub-1" in html and "Contoso" in html and "Northwind Partners" in html
    assert re.search(r"Webex Calling</td><td class=\"text-end\">1,500<", html)
    assert f'href="{url}print/"' in html


def test_the_printable_copy_has_no_page_chrome_and_a_print_button(full_admin, invoiced):
    html = page(signed_in(full_admin).get(f"/customers/C1/invoices/{invoiced.pk}/print/"))

    assert "Print or save as PDF" in html and "partnerhub/print.js" in html
    assert "partnerhub/print.css" in html and "navbar" not in html
    assert "12,345.50 EUR" in html and "FV/2026/11/001" in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (Role.PARTNER_FULL_ADMIN, 200),
        (Role.SALES_FULL_ADMIN, 200),
        (Role.PARTNER_READONLY_ADMIN, 200),
        (Role.SALES_ADMIN, 404),  # not assigned: out of scope
        ("assigned_sales_admin", 200),
        (Role.USER, 403),
        ("stranger", 404),
        ("external_admin", 403),  # another partner's person working in the customer's org
    ],
)
def test_who_may_open_an_invoice(people, stranger, other_partner, invoiced, who, status):
    contoso = invoiced.item.customer
    if who == "assigned_sales_admin":
        person = people[Role.SALES_ADMIN]
        CustomerManagerFactory(customer=contoso, user=person)
    elif who == "stranger":
        person = stranger
    elif who == "external_admin":
        person = UserFactory(partner=other_partner, role=Role.PARTNER_FULL_ADMIN)
        ExternalAdminFactory(customer=contoso, user=person)
    else:
        person = people[who]
    client = signed_in(person)
    for suffix in ("", "print/"):
        url = f"/customers/C1/invoices/{invoiced.pk}/{suffix}"
        assert client.get(url).status_code == status, (who, url)
    if who == "external_admin":
        tab = page(client.get("/customers/C1/", {"tab": "subscriptions"}))
        assert "invoice-link" not in tab and "FV/2026/11/001" not in tab


def test_an_invoice_of_another_customer_is_not_found_under_this_one(partner, full_admin, invoiced):
    CustomerFactory(partner=partner, ext_id="C2", name="Other")
    response = signed_in(full_admin).get(f"/customers/C2/invoices/{invoiced.pk}/")
    assert response.status_code == 404


# --- 8. The partner-wide audit page -----------------------------------------------------------


@pytest.fixture
def trail(partner, people, other_partner):
    """Changes over three days by two people on two customers, plus a partner-level change."""
    boss, sales = people[Role.PARTNER_FULL_ADMIN], people[Role.SALES_ADMIN]
    boss.name, sales.name = "Beata Boss", "Sam Sales"
    boss.save()
    sales.save()
    contoso = CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    fabrikam = CustomerFactory(partner=partner, ext_id="C2", name="Fabrikam Retail")
    CustomerManagerFactory(customer=contoso, user=sales)
    event(
        partner,
        boss,
        "tag.assign",
        customer=contoso,
        at=at_day(days(-2)),
        before={"tags": []},
        after={"tags": ["gold"]},
    )
    event(
        partner,
        sales,
        "tag.assign",
        customer=contoso,
        at=at_day(days(-1)),
        before={"tags": ["gold"]},
        after={"tags": ["emea", "gold"]},
    )
    event(
        partner,
        boss,
        "tag.assign",
        customer=fabrikam,
        at=at_day(days(-1), 15),
        before={"tags": []},
        after={"tags": ["vip"]},
    )
    event(
        partner,
        boss,
        "user.role",
        at=at_day(days(0)),
        obj_type="user",
        before={"role": "user"},
        after={"role": "sales_admin"},
    )
    # Another partner's own trail never shows.
    event(
        other_partner,
        UserFactory(partner=other_partner),
        "tag.assign",
        customer=CustomerFactory(partner=other_partner),
        after={"tags": ["theirs"]},
    )
    return {"boss": boss, "sales": sales, "contoso": contoso, "fabrikam": fabrikam}


def actions(html: str) -> list[str]:
    return re.findall(r'<tr data-action="([^"]+)"', html)


def test_the_audit_page_lists_the_partners_changes_newest_first(trail):
    html = page(signed_in(trail["boss"]).get(ACTIVITY))

    assert actions(html) == ["user.role", "tag.assign", "tag.assign", "tag.assign"]
    assert changes_cells(html) == [
        "Role: User → Sales administrator",
        "Tags: — → vip",
        "Tags: gold → emea, gold",
        "Tags: — → gold",
    ]
    assert "Fabrikam Retail" in html and 'href="/customers/C1/"' in html
    assert "theirs" not in html
    assert 'data-testid="audit-count">4 changes<' in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"person": "sales"}, ["Tags: gold → emea, gold"]),
        ({"customer": "fabrik"}, ["Tags: — → vip"]),
        ({"customer": "C1"}, ["Tags: gold → emea, gold", "Tags: — → gold"]),
        ({"action": "user.role"}, ["Role: User → Sales administrator"]),
        (
            {"since": "2026-11-25", "until": "2026-11-25"},
            ["Tags: — → vip", "Tags: gold → emea, gold"],
        ),
        ({"since": "2026-11-26"}, ["Role: User → Sales administrator"]),
    ],
)
def test_the_audit_page_filters_by_person_customer_action_and_dates(trail, params, expected):
    if params.get("person"):
        params = {**params, "person": str(trail[params["person"]].pk)}
    html = page(signed_in(trail["boss"]).get(ACTIVITY, params))
    assert changes_cells(html) == expected


def test_a_backwards_date_range_is_reported_and_not_applied(trail):
    html = page(
        signed_in(trail["boss"]).get(ACTIVITY, {"since": "2026-11-26", "until": "2026-11-01"})
    )
    assert 'data-field="until"' in html and "before the start date" in html
    assert len(actions(html)) == 4


def test_the_audit_page_sorts_by_time_and_pages(trail):
    client = signed_in(trail["boss"])

    oldest_first = page(client.get(ACTIVITY, {"sort": "at", "page_size": 2}))
    second = page(client.get(ACTIVITY, {"sort": "at", "page_size": 2, "page": 2}))

    assert changes_cells(oldest_first) == ["Tags: — → gold", "Tags: gold → emea, gold"]
    assert changes_cells(second) == ["Tags: — → vip", "Role: User → Sales administrator"]
    assert 'aria-sort="ascending"' in oldest_first
    assert "sort=-at" in oldest_first  # the heading reverses the order
    assert "page=2" in oldest_first and "sort=at" in oldest_first  # paging keeps the sort


def test_a_sales_admin_sees_only_their_customers_changes(trail):
    html = page(signed_in(trail["sales"]).get(ACTIVITY))
    assert actions(html) == ["tag.assign", "tag.assign"]
    assert "Fabrikam Retail" not in html and "Role:" not in html


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_who_may_open_the_audit_page(people, role):
    response = signed_in(people[role]).get(ACTIVITY)
    assert response.status_code == (403 if role == Role.USER else 200)
    if role != Role.USER:
        assert 'href="/accounts/activity/"' in response.content.decode()  # in the navigation
    assert signed_in(people[role]).post(ACTIVITY).status_code == 405


def test_the_audit_export_neutralises_formulas_and_reads_changes_in_words(partner, full_admin):
    # Given a change on a customer whose name is a spreadsheet formula
    evil = CustomerFactory(
        partner=partner, ext_id="C9", name='=HYPERLINK("http://evil.example/","Click")'
    )
    event(
        partner,
        full_admin,
        "tag.assign",
        customer=evil,
        before={"tags": []},
        after={"tags": ["=1+1", "gold"]},
    )
    client = signed_in(full_admin)

    # When the page is exported as CSV and as XLSX
    csv_response = client.get(ACTIVITY, {"export": "csv", "customer": "C9"})
    xlsx_response = client.get(ACTIVITY, {"export": "xlsx", "customer": "C9"})

    # Then no cell is a live formula and the changes are words
    assert csv_response.status_code == 200
    body = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body)))
    assert header[:4] == ["When (UTC)", "Who", "Customer ID", "Customer"]
    record = dict(zip(header, row, strict=True))
    assert record["Customer"] == "'" + evil.name
    assert record["Changes"] == "Tags: — → =1+1, gold"
    assert record["Who"] == full_admin.email and record["Action"] == "tag.assign"
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    cells = [c for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert all(c.data_type != "f" for c in cells)
    assert cells[3].value == "'" + evil.name


def test_the_audit_export_is_redacted_like_the_page(partner, other_partner, full_admin):
    # Given another partner's person tagged our customer with their tag
    contoso = CustomerFactory(partner=partner, ext_id="C1")
    outsider = UserFactory(partner=other_partner, role=Role.SALES_ADMIN, email="otto@x.example")
    ExternalAdminFactory(customer=contoso, user=outsider)
    signed_in(outsider).post("/tags/customer/C1/add/", {"name": "VIP-X"})
    assert Tag.objects.filter(name="VIP-X", partner=other_partner).exists()

    # When our full admin exports the trail
    body = b"".join(signed_in(full_admin).get(ACTIVITY, {"export": "csv"}).streaming_content)

    # Then nothing of the other partner leaks
    text = body.decode("utf-8-sig")
    assert "VIP-X" not in text and "otto@x.example" not in text
    assert "(another partner's tag)" in text and "a person of Fabrikam Partners" in text


def test_the_audit_page_query_count_does_not_grow_with_the_trail(partner, full_admin):
    customers = [CustomerFactory(partner=partner) for _ in range(3)]
    # Signed in once, outside the counts: a sign-in records itself (the sign-in audit).
    browser = signed_in(full_admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page(browser.get(ACTIVITY))
        return len(ctx.captured_queries)

    for c in customers:
        event(partner, full_admin, "tag.assign", customer=c, after={"tags": ["a"]})
    few = queries()
    for c in customers * 10:
        event(partner, full_admin, "tag.assign", customer=c, after={"tags": ["b"]})
    assert queries() == few


def test_no_other_partners_person_is_offered_as_a_filter(trail, stranger):
    html = page(signed_in(trail["boss"]).get(ACTIVITY))
    assert "Beata Boss (partner_full_admin@northwind.example)" in html
    assert stranger.email not in html
    # Asking for a stranger's changes finds nothing of theirs (the choice is refused).
    html = page(signed_in(trail["boss"]).get(ACTIVITY, {"person": str(stranger.pk)}))
    assert 'data-field="person"' in html
