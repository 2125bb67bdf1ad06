"""Tag pages and the tag API: who may tag, the tag manager, bulk tagging, GET /tags, PUT tags."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.tags.models import CustomerTag, Tag
from tests.customers_factories import tag
from tests.factories import CustomerFactory, CustomerManagerFactory

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def names(customer: Any) -> list[str]:
    return sorted(CustomerTag.objects.filter(customer=customer).values_list("tag__name", flat=True))


@pytest.fixture
def contoso(partner: Any) -> Any:
    return CustomerFactory(partner=partner, name="Contoso", ext_id="C1")


# (role, may tag a customer in scope)
TAG_TABLE = [
    (Role.PARTNER_FULL_ADMIN, True),
    (Role.SALES_FULL_ADMIN, True),
    (Role.SALES_ADMIN, True),  # own scope (assigned below)
    (Role.PARTNER_READONLY_ADMIN, False),
    (Role.USER, False),
]


@pytest.mark.parametrize(("role", "allowed"), TAG_TABLE)
def test_who_may_tag_a_customer_on_the_page(
    role: str, allowed: bool, people: Any, contoso: Any
) -> None:
    actor = people[role]
    CustomerManagerFactory(customer=contoso, user=actor)
    response = client_for(actor).post("/tags/customer/C1/add/", {"name": "gold"})
    if allowed:
        assert response.status_code == 302
        assert names(contoso) == ["gold"]
    else:
        assert response.status_code == 403
        assert names(contoso) == []
        assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(("role", "allowed"), TAG_TABLE)
def test_who_may_replace_tags_through_the_api(
    role: str, allowed: bool, people: Any, contoso: Any, api_client: Any
) -> None:
    actor = people[role]
    CustomerManagerFactory(customer=contoso, user=actor)
    tag(contoso, "old")
    response = api_client(actor).put(
        "/api/v1/customers/C1/tags", {"tags": ["gold", "emea"]}, content_type="application/json"
    )
    if allowed:
        assert response.status_code == 200
        assert response.json() == {"id": "C1", "tags": ["emea", "gold"]}
    else:
        # A plain user sees no customers at all (404); the read-only admin sees it (403).
        assert response.status_code == (404 if role == Role.USER else 403)
        assert names(contoso) == ["old"]


def test_a_sales_admin_cannot_tag_a_customer_outside_their_scope(people: Any, contoso: Any) -> None:
    response = client_for(people[Role.SALES_ADMIN]).post("/tags/customer/C1/add/", {"name": "gold"})
    assert response.status_code == 404
    assert names(contoso) == []


def test_a_stranger_gets_404_on_our_customers_tags(
    stranger: Any, contoso: Any, api_client: Any
) -> None:
    assert client_for(stranger).post("/tags/customer/C1/add/", {"name": "x"}).status_code == 404
    response = api_client(stranger).put(
        "/api/v1/customers/C1/tags", {"tags": ["x"]}, content_type="application/json"
    )
    assert response.status_code == 404
    assert names(contoso) == []


def test_bad_tag_lists_answer_422_naming_the_field(
    full_admin: Any, contoso: Any, api_client: Any
) -> None:
    client = api_client(full_admin)
    too_long = client.put(
        "/api/v1/customers/C1/tags", {"tags": ["x" * 26]}, content_type="application/json"
    )
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"] == ["body", "tags"]
    six = client.put(
        "/api/v1/customers/C1/tags", {"tags": list("abcdef")}, content_type="application/json"
    )
    assert six.status_code == 422 and "at most 5" in six.json()["detail"][0]["msg"]
    not_a_list = client.put(
        "/api/v1/customers/C1/tags", {"tags": "gold"}, content_type="application/json"
    )
    assert not_a_list.status_code == 422
    assert names(contoso) == []


def test_htmx_tagging_answers_the_tags_cell_with_a_clear_message(
    full_admin: Any, contoso: Any
) -> None:
    client = client_for(full_admin)
    for n in range(5):
        tag(contoso, f"t{n}")
    # With five tags the cell offers no more input; posting anyway explains why.
    response = client.post("/tags/customer/C1/add/", {"name": "sixth"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert "Contoso already carries 5 tags" in html
    removed = client.post(
        f"/tags/customer/C1/{Tag.objects.get(name='t0').pk}/remove/", HTTP_HX_REQUEST="true"
    )
    assert "Removed “t0”." in removed.content.decode()
    assert not Tag.objects.filter(name="t0").exists()


def test_get_tags_lists_the_partners_tags_with_counts(
    full_admin: Any, partner: Any, other_partner: Any, api_client: Any
) -> None:
    a = CustomerFactory(partner=partner)
    b = CustomerFactory(partner=partner)
    tag(a, "gold")
    tag(b, "gold")
    tag(a, "emea")
    tag(CustomerFactory(partner=other_partner), "secret")
    data = api_client(full_admin).get("/api/v1/tags").json()
    assert data["count"] == 2
    assert [(t["name"], t["customers"]) for t in data["items"]] == [("emea", 1), ("gold", 2)]


@pytest.mark.parametrize("role", [Role.PARTNER_READONLY_ADMIN, Role.SALES_ADMIN])
def test_every_admin_sees_the_tag_manager(role: str, people: Any, contoso: Any) -> None:
    tag(contoso, "gold")
    html = client_for(people[role]).get("/tags/").content.decode()
    assert 'data-tag="gold"' in html
    assert 'data-testid="rename-input"' not in html  # read-only; sales admin: not in their scope


def test_renaming_and_deleting_in_the_tag_manager(full_admin: Any, contoso: Any) -> None:
    gold = tag(contoso, "gold")
    client = client_for(full_admin)
    client.post(f"/tags/{gold.pk}/rename/", {"name": "Platinum"})
    assert names(contoso) == ["Platinum"]
    response = client.post(f"/tags/{gold.pk}/delete/", follow=True)
    assert "was deleted from 1 customer" in response.content.decode()
    assert names(contoso) == []


def test_a_sales_admin_may_rename_a_tag_only_if_all_its_customers_are_theirs(
    people: Any, partner: Any, contoso: Any
) -> None:
    sales = people[Role.SALES_ADMIN]
    CustomerManagerFactory(customer=contoso, user=sales)
    gold = tag(contoso, "gold")
    client = client_for(sales)
    client.post(f"/tags/{gold.pk}/rename/", {"name": "mine"})
    assert names(contoso) == ["mine"]
    tag(CustomerFactory(partner=partner), "mine")
    assert client.post(f"/tags/{gold.pk}/rename/", {"name": "other"}).status_code == 403
    assert client.post(f"/tags/{gold.pk}/delete/").status_code == 403
    assert Tag.objects.get(pk=gold.pk).name == "mine"


@pytest.mark.parametrize("role", [Role.PARTNER_READONLY_ADMIN, Role.USER])
def test_roles_without_tagging_cannot_rename_or_delete(
    role: str, people: Any, contoso: Any
) -> None:
    gold = tag(contoso, "gold")
    client = client_for(people[role])
    assert client.post(f"/tags/{gold.pk}/rename/", {"name": "x"}).status_code == 403
    assert client.post(f"/tags/{gold.pk}/delete/").status_code == 403
    assert Tag.objects.get(pk=gold.pk).name == "gold"


def test_a_stranger_cannot_touch_our_tags(stranger: Any, contoso: Any) -> None:
    gold = tag(contoso, "gold")
    assert client_for(stranger).post(f"/tags/{gold.pk}/rename/", {"name": "x"}).status_code == 404
    assert client_for(stranger).post(f"/tags/{gold.pk}/delete/").status_code == 404
    assert Tag.objects.get(pk=gold.pk).name == "gold"


def test_bulk_tagging_selected_rows_reports_those_at_the_limit(
    full_admin: Any, partner: Any
) -> None:
    a = CustomerFactory(partner=partner, name="Alpha", ext_id="A")
    b = CustomerFactory(partner=partner, name="Beta", ext_id="B")
    full = CustomerFactory(partner=partner, name="Full", ext_id="F")
    for n in range(5):
        tag(full, f"t{n}")
    client = client_for(full_admin)
    response = client.post(
        "/tags/bulk/",
        {"customers": ["A", "B", "F"], "name": "renewal", "op": "add", "next": "/customers/?q=x"},
        follow=True,
    )
    html = response.content.decode()
    assert "Tagged 2 customers “renewal”." in html
    assert "Full already carries 5 tags" in html
    assert names(a) == names(b) == ["renewal"]
    assert response.redirect_chain[0][0] == "/customers/?q=x"
    client.post("/tags/bulk/", {"customers": ["A", "B"], "name": "RENEWAL", "op": "remove"})
    assert names(a) == names(b) == []
    assert not Tag.objects.filter(name="renewal").exists()


def test_bulk_tagging_refuses_customers_out_of_scope(people: Any, partner: Any) -> None:
    sales = people[Role.SALES_ADMIN]
    mine = CustomerFactory(partner=partner, ext_id="M")
    CustomerManagerFactory(customer=mine, user=sales)
    other = CustomerFactory(partner=partner, ext_id="O")
    client_for(sales).post("/tags/bulk/", {"customers": ["M", "O"], "name": "x", "op": "add"})
    assert names(mine) == names(other) == []


def test_bulk_tagging_refuses_a_bad_name(full_admin: Any, contoso: Any) -> None:
    response = client_for(full_admin).post(
        "/tags/bulk/", {"customers": ["C1"], "name": "x" * 26, "op": "add"}, follow=True
    )
    assert "at most 25" in response.content.decode()
    assert names(contoso) == []


def test_the_tag_manager_takes_the_same_queries_for_more_tags(people: Any, partner: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sales = people[Role.SALES_ADMIN]
    # Signed in once, outside the counts: a sign-in records itself (the sign-in audit).
    browser = client_for(sales)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get("/tags/").status_code == 200
        return len(ctx.captured_queries)

    for n in range(3):
        c = CustomerFactory(partner=partner)
        CustomerManagerFactory(customer=c, user=sales)
        tag(c, f"a{n}")
    small = count()
    for n in range(30):
        tag(CustomerFactory(partner=partner), f"b{n}")
    assert count() == small
