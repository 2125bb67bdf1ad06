"""The customer list and details pages: rendering, HTMX, sorting, exports, saved filters,
partner administrators, roles, and a constant number of queries."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.customers.models import CustomerExport, CustomerManager, SavedFilter
from tests.customers_factories import (
    InvoiceFactory,
    OrderFactory,
    assign,
    day,
    login_on,
    tag,
)
from tests.factories import (
    CustomerFactory,
    CustomerManagerFactory,
    ExternalAdminFactory,
    ItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADMIN_ROLES = [
    Role.PARTNER_FULL_ADMIN,
    Role.SALES_FULL_ADMIN,
    Role.SALES_ADMIN,
    Role.PARTNER_READONLY_ADMIN,
]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def contoso(partner: Any) -> Any:
    c = CustomerFactory(partner=partner, name="Contoso", ext_id="C1")
    item = ItemFactory(customer=c, ext_id="Sub-100231", end=day(12), lines={"calling": 10})
    assign(item, 12)
    login_on(c, -2)
    tag(c, "gold")
    return c


def many_customers(partner: Any, n: int, prefix: str) -> None:
    """`n` customers with items, lines, assignments, a trial, tags and sign-ins."""
    for i in range(n):
        c = CustomerFactory(partner=partner, name=f"{prefix} {i:03d}")
        sub = ItemFactory(customer=c, end=day(10 + i), lines={"calling": 2, "meetings": 3})
        assign(sub, 1)
        ItemFactory(customer=c, is_trial=True, end=day(40), lines={"meetings": 5})
        login_on(c, -i)
        tag(c, f"t{i % 4}")
        tag(c, "all")


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_statuses_with_reasons_products_tags_and_managed_by(
    full_admin: Any, contoso: Any
) -> None:
    response = client_for(full_admin).get("/customers/")
    assert response.status_code == 200
    html = body(response)
    assert "1 customer" in html
    assert 'data-status="license_overage"' in html
    assert "Sub-100231 Webex Calling: 12 assigned of 10 licenses" in html
    assert "Sub-100231 ends in 12 days" in html
    assert "Webex Calling" in html
    assert 'data-tag="gold"' in html
    assert ">Partner<" in html
    assert "2025-01-01" in html
    # Overage before expiring soon before subscription.
    assert html.index('data-status="license_overage"') < html.index('data-status="expiring_soon"')
    assert html.index('data-status="expiring_soon"') < html.index('data-status="subscription"')


def test_the_list_is_the_landing_page(full_admin: Any) -> None:
    assert client_for(full_admin).get("/").url == "/customers/"


def test_a_query_in_the_url_filters_and_htmx_gets_only_the_table(
    full_admin: Any, contoso: Any, partner: Any
) -> None:
    CustomerFactory(partner=partner, name="Fabrikam")
    client = client_for(full_admin)
    html = body(client.get("/customers/", {"q": "status:license_overage"}))
    assert "Contoso" in html and "Fabrikam" not in html
    assert 'value="status:license_overage"' in html
    fragment = client.get("/customers/", {"q": "fabri"}, HTTP_HX_REQUEST="true")
    text = body(fragment)
    assert "Fabrikam" in text and "Contoso" not in text
    assert "<html" not in text and 'data-query="fabri"' in text


def test_a_bad_token_is_explained_above_the_table(full_admin: Any, contoso: Any) -> None:
    html = body(client_for(full_admin).get("/customers/", {"q": "status:soon"}))
    assert "Unknown status “soon”" in html
    assert "Contoso" in html


def test_the_filter_panel_merges_into_the_query_and_the_url(
    full_admin: Any, contoso: Any, partner: Any
) -> None:
    CustomerFactory(partner=partner, name="Contoso Two")
    client = client_for(full_admin)
    params = {
        "q": "contoso status:expired",
        "panel": "1",
        "status": ["license_overage"],
        "tag": ["gold"],
    }
    redirected = client.get("/customers/", params)
    assert redirected.status_code == 302
    assert redirected.url == "/customers/?q=contoso+status%3Alicense_overage+tag%3Agold"
    fragment = client.get("/customers/", params, HTTP_HX_REQUEST="true")
    assert fragment["HX-Push-Url"] == "/customers/?q=contoso+status%3Alicense_overage+tag%3Agold"
    assert "Contoso Two" not in body(fragment)


def test_sorting_and_paging(full_admin: Any, partner: Any) -> None:
    for name in ["b", "A", "c"]:
        CustomerFactory(partner=partner, name=name)
    client = client_for(full_admin)
    html = body(client.get("/customers/", {"sort": "-name", "page_size": 2}))
    assert html.index(">c<") < html.index(">b<")
    assert ">A<" not in html
    assert "Showing 1–2 of 3" in html
    page2 = body(client.get("/customers/", {"sort": "-name", "page_size": 2, "page": 2}))
    assert ">A<" in page2
    # An unknown sort falls back to the name.
    assert client.get("/customers/", {"sort": "password"}).status_code == 200


def test_an_empty_list_says_so(full_admin: Any) -> None:
    client = client_for(full_admin)
    assert "You have no customers yet" in body(client.get("/customers/"))
    assert "No customers match this query" in body(client.get("/customers/", {"q": "zzz"}))


def test_launch_and_start_trial_links_appear_only_once_those_pages_exist(
    full_admin: Any, contoso: Any
) -> None:
    from django.urls import NoReverseMatch, reverse

    html = body(client_for(full_admin).get("/customers/"))
    try:
        launch = reverse("orgs:customer_org", args=["C1"])
    except NoReverseMatch:
        assert 'data-testid="launch-org"' not in html
    else:
        assert f'href="{launch}"' in html


def test_csv_export_is_exactly_the_filtered_list(
    full_admin: Any, contoso: Any, partner: Any
) -> None:
    CustomerFactory(partner=partner, name="Fabrikam")
    response = client_for(full_admin).get("/customers/", {"q": "tag:gold", "export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "Name",
        "Customer id",
        "Statuses",
        "Products",
        "Tags",
        "Managed by",
        "Date added",
    ]
    assert rows[1:] == [
        [
            "Contoso",
            "C1",
            "License overage, Expiring soon, Subscription",
            "Webex Calling",
            "gold",
            "Partner",
            "2025-01-01",
        ]
    ]


def test_xlsx_export(full_admin: Any, contoso: Any) -> None:
    response = client_for(full_admin).get("/customers/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]][:2] == ["Contoso", "C1"]


def test_a_large_export_runs_in_the_background_and_is_offered_when_ready(
    full_admin: Any,
    contoso: Any,
    partner: Any,
    monkeypatch: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("partnerhub.customers.views.EXPORT_INLINE_MAX", 1)
    CustomerFactory(partner=partner, name="Fabrikam")
    client = client_for(full_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/customers/", {"export": "csv", "sort": "-name"})
    assert response.status_code == 302
    export = CustomerExport.objects.get()
    assert (export.state, export.rows, export.sort) == ("ready", 2, "-name")
    assert (tmp_path / "exports" / export.file).exists()
    html = body(client.get("/customers/"))
    assert "is ready" in html and f"/customers/-/exports/{export.pk}/download/" in html
    download = client.get(f"/customers/-/exports/{export.pk}/download/")
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert [r[0] for r in csv.reader(io.StringIO(text))] == ["Name", "Fabrikam", "Contoso"]
    # Someone else cannot fetch it.
    other = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN)
    assert client_for(other).get(f"/customers/-/exports/{export.pk}/download/").status_code == 404


def test_saved_filters_are_per_person(full_admin: Any, people: Any) -> None:
    client = client_for(full_admin)
    response = client.post(
        "/customers/-/filters/save/", {"name": "Trials", "q": "TYPE:trial status:expiring_soon"}
    )
    saved = SavedFilter.objects.get(user=full_admin)
    assert saved.query == "status:expiring_soon type:trial"
    assert response.url == "/customers/?q=status%3Aexpiring_soon+type%3Atrial"
    assert 'data-testid="saved-filter">Trials<' in body(client.get("/customers/"))
    other_page = body(client_for(people[Role.SALES_FULL_ADMIN]).get("/customers/"))
    assert 'data-testid="saved-filter"' not in other_page
    # Another person cannot delete it; its owner can.
    assert (
        client_for(people[Role.SALES_FULL_ADMIN])
        .post(f"/customers/-/filters/{saved.pk}/delete/")
        .status_code
        == 404
    )
    client.post(f"/customers/-/filters/{saved.pk}/delete/")
    assert not SavedFilter.objects.exists()


def test_a_saved_filter_needs_a_name_and_a_valid_query(full_admin: Any) -> None:
    client = client_for(full_admin)
    client.post("/customers/-/filters/save/", {"name": "", "q": "type:trial"})
    client.post("/customers/-/filters/save/", {"name": "Bad", "q": "status:bogus"})
    assert not SavedFilter.objects.exists()


def test_suggestions_endpoint_answers_a_fragment(full_admin: Any) -> None:
    html = body(client_for(full_admin).get("/customers/-/suggest/", {"q": "product:ca"}))
    assert 'data-suggest="product:calling "' in html


# --- Roles on the list ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_every_admin_role_opens_the_list(role: str, people: Any, contoso: Any) -> None:
    if role == Role.SALES_ADMIN:
        CustomerManagerFactory(customer=contoso, user=people[role])
    html = body(client_for(people[role]).get("/customers/"))
    assert "Contoso" in html


def test_a_user_without_an_admin_role_gets_403(people: Any) -> None:
    assert client_for(people[Role.USER]).get("/customers/").status_code == 403


def test_signed_out_people_are_sent_to_sign_in() -> None:
    response = Client().get("/customers/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_sales_admin_sees_assigned_and_external_customers_only(
    people: Any, partner: Any, other_partner: Any
) -> None:
    sales = people[Role.SALES_ADMIN]
    mine = CustomerFactory(partner=partner, name="Assigned One")
    CustomerManagerFactory(customer=mine, user=sales)
    CustomerFactory(partner=partner, name="Not Mine")
    ext = CustomerFactory(partner=other_partner, name="External One")
    ExternalAdminFactory(customer=ext, user=sales)
    html = body(client_for(sales).get("/customers/"))
    assert "Assigned One" in html and "External One" in html and "Not Mine" not in html


def test_read_only_admins_see_tags_but_no_edit_controls(people: Any, contoso: Any) -> None:
    html = body(client_for(people[Role.PARTNER_READONLY_ADMIN]).get("/customers/"))
    assert 'data-tag="gold"' in html
    assert 'data-testid="add-tag"' not in html
    assert 'data-testid="remove-tag"' not in html
    assert 'id="bulk-tag"' not in html


def test_people_of_another_partner_never_see_its_customers(stranger: Any, contoso: Any) -> None:
    assert "Contoso" not in body(client_for(stranger).get("/customers/"))
    assert client_for(stranger).get("/customers/C1/").status_code == 404


# --- Details -------------------------------------------------------------------------------


def test_the_overview_tab(full_admin: Any, contoso: Any) -> None:
    html = body(client_for(full_admin).get("/customers/C1/"))
    assert 'data-testid="tab-overview"' in html
    assert "Sub-100231 ends in 12 days" in html
    # calling: 10 licenses, 12 assigned, 0 used, 0 available
    assert '<td class="text-end">10</td>' in html and 'text-danger fw-bold">12<' in html
    assert "2026-11-24 12:00" in html  # last sign-in of its own administrators


def test_the_subscriptions_tab_has_lines_invoices_and_orders(full_admin: Any, contoso: Any) -> None:
    sub = contoso.items.get()
    InvoiceFactory(item=sub, ext_id="INV-1", status="overdue")
    OrderFactory(item=sub, ext_id="ORD-1", action="renewal")
    html = body(client_for(full_admin).get("/customers/C1/", {"tab": "subscriptions"}))
    assert "Sub-100231" in html and "INV-1" in html and "Overdue" in html
    assert "ORD-1" in html and "Renewal" in html
    assert "0 used · 12 assigned · 0 available of 10" in html


def test_the_trials_tab(full_admin: Any, contoso: Any) -> None:
    ItemFactory(customer=contoso, ext_id="T-9", is_trial=True, end=day(20), lines={"meetings": 25})
    html = body(client_for(full_admin).get("/customers/C1/", {"tab": "trials"}))
    assert "T-9" in html and "Webex Meetings" in html and ">20<" in html


def test_the_activity_tab_lists_the_audit_trail(full_admin: Any, contoso: Any) -> None:
    client = client_for(full_admin)
    client.post("/tags/customer/C1/add/", {"name": "emea"})
    html = body(client.get("/customers/C1/", {"tab": "activity"}))
    assert "Tag added" in html and "emea" in html


def test_a_tab_answers_a_fragment_to_htmx(full_admin: Any, contoso: Any) -> None:
    html = body(
        client_for(full_admin).get("/customers/C1/", {"tab": "trials"}, HTTP_HX_REQUEST="true")
    )
    assert "<html" not in html and 'data-testid="tab-trials"' in html


def test_a_sales_admin_opens_only_customers_in_scope(people: Any, contoso: Any) -> None:
    sales = people[Role.SALES_ADMIN]
    assert client_for(sales).get("/customers/C1/").status_code == 404
    CustomerManagerFactory(customer=contoso, user=sales)
    assert client_for(sales).get("/customers/C1/").status_code == 200


# --- Partner administrators tab ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.PARTNER_FULL_ADMIN, True),
        (Role.SALES_FULL_ADMIN, True),
        (Role.SALES_ADMIN, False),
        (Role.PARTNER_READONLY_ADMIN, False),
        (Role.USER, False),
    ],
)
def test_who_may_assign_partner_admins(role: str, allowed: bool, people: Any, contoso: Any) -> None:
    actor = people[role]
    if role == Role.SALES_ADMIN:
        CustomerManagerFactory(customer=contoso, user=actor)
    before = set(CustomerManager.objects.values_list("user_id", flat=True))
    target = people[Role.PARTNER_READONLY_ADMIN]
    response = client_for(actor).post("/customers/C1/admins/add/", {"email": target.email})
    after = set(CustomerManager.objects.values_list("user_id", flat=True))
    if allowed:
        assert response.status_code == 302
        assert after == before | {target.pk}
        event = AuditEvent.objects.get(action="customer.admin.add")
        assert event.after == {"partner_admins": [target.email]}
    else:
        assert response.status_code == 403
        assert after == before
        assert not AuditEvent.objects.exists()


def test_removing_a_partner_admin(full_admin: Any, people: Any, contoso: Any) -> None:
    sales = people[Role.SALES_ADMIN]
    CustomerManagerFactory(customer=contoso, user=sales)
    client = client_for(full_admin)
    html = body(client.get("/customers/C1/", {"tab": "admins"}))
    assert sales.email in html and 'data-testid="remove-admin"' in html
    client.post("/customers/C1/admins/remove/", {"email": sales.email})
    assert not CustomerManager.objects.exists()
    assert client.post("/customers/C1/admins/remove/", {"email": sales.email}).status_code == 404


def test_a_person_of_another_partner_cannot_be_assigned(
    full_admin: Any, stranger: Any, contoso: Any
) -> None:
    client = client_for(full_admin)
    response = client.post("/customers/C1/admins/add/", {"email": stranger.email}, follow=True)
    assert "No person of your organization" in body(response)
    assert not CustomerManager.objects.exists()


def test_a_stranger_cannot_assign_admins_on_our_customer(stranger: Any, contoso: Any) -> None:
    response = client_for(stranger).post("/customers/C1/admins/add/", {"email": stranger.email})
    assert response.status_code == 404
    assert not CustomerManager.objects.exists()


def test_read_only_admins_see_the_tab_without_buttons(people: Any, contoso: Any) -> None:
    html = body(
        client_for(people[Role.PARTNER_READONLY_ADMIN]).get("/customers/C1/", {"tab": "admins"})
    )
    assert 'data-testid="add-admin"' not in html


# --- Constant query counts ------------------------------------------------------------------------


def count_queries(client: Client, url: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
        assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_page_takes_the_same_queries_for_3_or_30_customers(
    full_admin: Any, partner: Any
) -> None:
    client = client_for(full_admin)
    many_customers(partner, 3, "First")
    small = count_queries(client, "/customers/")
    small_filtered = count_queries(
        client, "/customers/", q="status:expiring_soon tag:all", sort="status"
    )
    many_customers(partner, 27, "Second")
    assert count_queries(client, "/customers/") == small
    assert (
        count_queries(client, "/customers/", q="status:expiring_soon tag:all", sort="status")
        == small_filtered
    )
    # session, person, page (+ count), 4 for the page's details, filters, exports, tags,
    # partner; PostgreSQL adds BEGIN / SET LOCAL jit = off / COMMIT around the page queries.
    assert small <= 16


def test_the_details_tabs_take_the_same_queries_for_3_or_30_subscriptions(
    full_admin: Any, partner: Any
) -> None:
    client = client_for(full_admin)
    customer = CustomerFactory(partner=partner, ext_id="BIG")

    def add(n: int) -> None:
        for _ in range(n):
            sub = ItemFactory(customer=customer, lines={"calling": 3, "meetings": 2})
            assign(sub, 2)
            InvoiceFactory(item=sub)
            OrderFactory(item=sub)
            ItemFactory(customer=customer, is_trial=True, state="ended", lines={"meetings": 1})
            login_on(customer, -1, minute=customer.items.count() // 2)  # one sign-in a minute
            AuditEvent.objects.create(
                partner=partner, action="x", object_type="t", object_id="1", customer=customer
            )

    add(3)
    tabs = ["overview", "subscriptions", "trials", "admins", "activity"]
    small = {tab: count_queries(client, "/customers/BIG/", tab=tab) for tab in tabs}
    add(27)
    large = {tab: count_queries(client, "/customers/BIG/", tab=tab) for tab in tabs}
    assert large == small


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.PARTNER_FULL_ADMIN, True),
        (Role.SALES_FULL_ADMIN, True),
        (Role.PARTNER_READONLY_ADMIN, False),
    ],
)
def test_trial_buttons_follow_the_role(role: str, shown: bool, people: Any, contoso: Any) -> None:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("trials:extend", args=["T-9"])
    except NoReverseMatch:  # the trials pages are another engineer's; without them, no buttons
        shown = False
    ItemFactory(customer=contoso, ext_id="T-9", is_trial=True, end=day(20), lines={"meetings": 5})
    html = body(client_for(people[role]).get("/customers/C1/", {"tab": "trials"}))
    assert ('data-testid="extend-trial"' in html) is shown
    assert ('data-testid="end-trial"' in html) is shown


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/customers/"),
        ("get", "/customers/-/suggest/?q=st"),
        ("post", "/customers/-/filters/save/"),
        ("get", "/customers/C1/"),
        ("get", "/tags/"),
        ("post", "/tags/bulk/"),
    ],
)
def test_a_person_without_an_admin_role_is_refused_everywhere(
    method: str, url: str, people: Any, contoso: Any
) -> None:
    response = getattr(client_for(people[Role.USER]), method)(url)
    assert response.status_code == 403
    assert not SavedFilter.objects.exists()


def test_an_htmx_answer_refreshes_the_filter_panel_to_match_the_query(
    full_admin: Any, contoso: Any
) -> None:
    html = body(
        client_for(full_admin).get(
            "/customers/", {"q": "status:trial tag:GOLD"}, HTTP_HX_REQUEST="true"
        )
    )
    panel = html[html.index('id="filter-panel-fields" hx-swap-oob="true"') :]
    assert 'value="trial" checked' in panel
    assert 'name="tag" value="gold" checked' in panel
    assert 'value="suspended" checked' not in panel
