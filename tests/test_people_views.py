"""Administrators and Users pages, Roles and security, invitations, GET /admins and roles API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partnerhub.accounts.models import User
from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from tests.conftest import api_client_for
from tests.factories import CustomerFactory, CustomerManagerFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [r.value for r in Role]
ADMIN_ROLES = [r for r in ROLES if r != Role.USER]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- Administrators and Users pages --------------------------------------------------------------


def test_the_administrators_page_lists_people_with_all_customer_roles(
    full_admin: Any, people: Any, stranger: Any
) -> None:
    page = html(client_for(full_admin).get("/accounts/admins/"))
    assert "3 administrators" in page
    for role in (Role.PARTNER_FULL_ADMIN, Role.SALES_FULL_ADMIN, Role.PARTNER_READONLY_ADMIN):
        assert f'data-person="{people[role].email}"' in page
    assert people[Role.SALES_ADMIN].email not in page
    assert stranger.email not in page


def test_the_users_page_lists_everyone_searchable_and_filterable(
    full_admin: Any, people: Any
) -> None:
    client = client_for(full_admin)
    assert "5 people" in html(client.get("/accounts/users/"))
    only_sales = html(client.get("/accounts/users/", {"role": "sales_admin"}))
    assert "1 person" in only_sales and people[Role.SALES_ADMIN].email in only_sales
    found = html(client.get("/accounts/users/", {"q": "READONLY"}))
    assert "1 person" in found
    fragment = html(client.get("/accounts/users/", {"q": "x"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in fragment


def test_the_users_page_sorts(full_admin: Any, people: Any) -> None:
    page = html(client_for(full_admin).get("/accounts/users/", {"sort": "-email"}))
    assert page.index("user@northwind.example") < page.index("partner_full_admin@northwind.example")


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_every_admin_role_sees_administrators_and_users(role: str, people: Any) -> None:
    client = client_for(people[role])
    assert client.get("/accounts/admins/").status_code == 200
    assert client.get("/accounts/users/").status_code == 200
    assert client.get(f"/accounts/users/{people[Role.USER].pk}/").status_code == 200


def test_a_plain_user_sees_neither_page(people: Any) -> None:
    client = client_for(people[Role.USER])
    assert client.get("/accounts/admins/").status_code == 403
    assert client.get("/accounts/users/").status_code == 403


def test_another_partners_person_is_404(full_admin: Any, stranger: Any) -> None:
    assert client_for(full_admin).get(f"/accounts/users/{stranger.pk}/").status_code == 404


def test_the_people_pages_take_the_same_queries_for_more_people(
    full_admin: Any, partner: Any
) -> None:
    client = client_for(full_admin)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = (count("/accounts/users/"), count("/accounts/admins/"))
    for n in range(30):
        person = UserFactory(
            partner=partner, role=Role.SALES_FULL_ADMIN if n % 2 else Role.SALES_ADMIN
        )
        CustomerManagerFactory(customer=CustomerFactory(partner=partner), user=person)
    assert (count("/accounts/users/"), count("/accounts/admins/")) == small


# --- Roles and security --------------------------------------------------------------------------


def test_roles_and_security_lists_every_role_with_the_current_one(
    full_admin: Any, people: Any
) -> None:
    sales = people[Role.SALES_ADMIN]
    page = html(client_for(full_admin).get(f"/accounts/users/{sales.pk}/"))
    assert "Roles and security" in page and "Administrator roles" in page
    for role in Role:
        assert f'value="{role.value}"' in page
    assert re.search(r'value="sales_admin"[^>]*checked', page)
    assert 'data-testid="save-role"' in page


@pytest.mark.parametrize("role", [r for r in ADMIN_ROLES if r != Role.PARTNER_FULL_ADMIN])
def test_only_full_admins_can_change_roles(role: str, people: Any) -> None:
    target = people[Role.USER]
    client = client_for(people[role])
    page = html(client.get(f"/accounts/users/{target.pk}/"))
    assert 'data-testid="save-role"' not in page
    response = client.post(f"/accounts/users/{target.pk}/role/", {"role": "sales_admin"})
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.role == Role.USER
    assert not AuditEvent.objects.exists()


def test_a_full_admin_changes_a_role_and_it_is_audited(full_admin: Any, people: Any) -> None:
    target = people[Role.USER]
    response = client_for(full_admin).post(
        f"/accounts/users/{target.pk}/role/", {"role": "sales_admin"}, follow=True
    )
    assert "is now Sales administrator" in html(response)
    target.refresh_from_db()
    assert target.role == Role.SALES_ADMIN
    event = AuditEvent.objects.get(action="user.role")
    assert (event.before, event.after, event.actor) == (
        {"role": "user"},
        {"role": "sales_admin"},
        full_admin,
    )


def test_an_unknown_role_is_refused_naming_the_field(full_admin: Any, people: Any) -> None:
    target = people[Role.USER]
    response = client_for(full_admin).post(
        f"/accounts/users/{target.pk}/role/", {"role": "king"}, follow=True
    )
    assert response.redirect_chain == [(f"/accounts/users/{target.pk}/", 302)]
    assert "Unknown role" in html(response)
    target.refresh_from_db()
    assert target.role == Role.USER


def test_the_last_full_admin_cannot_lose_the_role(full_admin: Any) -> None:
    response = client_for(full_admin).post(
        f"/accounts/users/{full_admin.pk}/role/", {"role": "user"}, follow=True
    )
    assert response.redirect_chain == [(f"/accounts/users/{full_admin.pk}/", 302)]
    assert "last partner full administrator" in html(response)
    full_admin.refresh_from_db()
    assert full_admin.role == Role.PARTNER_FULL_ADMIN


def test_a_stranger_cannot_change_our_roles(stranger: Any, people: Any) -> None:
    target = people[Role.USER]
    assert (
        client_for(stranger)
        .post(f"/accounts/users/{target.pk}/role/", {"role": "sales_admin"})
        .status_code
        == 404
    )
    target.refresh_from_db()
    assert target.role == Role.USER


# --- Invitations ---------------------------------------------------------------------------------


def test_a_full_admin_invites_a_person_who_gets_a_password_link(
    full_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(full_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/users/invite/",
            {"email": "Piotr@Northwind.example", "name": "Piotr", "role": "sales_admin"},
        )
    assert response.status_code == 302
    person = User.objects.get(email="piotr@northwind.example")
    assert (person.partner, person.role, person.has_usable_password()) == (
        full_admin.partner,
        Role.SALES_ADMIN,
        False,
    )
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", mail.outbox[0].body).group(
        1
    )
    form = Client().get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    assert AuditEvent.objects.get(action="user.invite").after["role"] == "sales_admin"


def test_inviting_an_address_in_use_is_refused(full_admin: Any, stranger: Any) -> None:
    response = client_for(full_admin).post(
        "/accounts/users/invite/", {"email": stranger.email, "role": "user"}
    )
    assert response.status_code == 200
    # Another partner's person: refused without confirming the address exists (issue 13).
    assert "This e-mail cannot be used." in response.content.decode()
    assert User.objects.filter(email=stranger.email).count() == 1


@pytest.mark.parametrize("role", [r for r in ROLES if r != Role.PARTNER_FULL_ADMIN])
def test_only_full_admins_invite(role: str, people: Any) -> None:
    response = client_for(people[role]).post(
        "/accounts/users/invite/", {"email": "new@x.example", "role": "user"}
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="new@x.example").exists()


# --- API -----------------------------------------------------------------------------------------


def test_get_admins_lists_the_partner_role_holders(
    full_admin: Any, people: Any, stranger: Any
) -> None:
    body = api_client_for(full_admin).get("/api/v1/admins").json()
    assert body["count"] == 4
    assert [(p["email"], p["role"], p["all_customers"]) for p in body["items"]] == [
        ("partner_full_admin@northwind.example", "partner_full_admin", True),
        ("partner_readonly_admin@northwind.example", "partner_readonly_admin", True),
        ("sales_admin@northwind.example", "sales_admin", False),
        ("sales_full_admin@northwind.example", "sales_full_admin", True),
    ]
    assert api_client_for(people[Role.USER]).get("/api/v1/admins").status_code == 403


@pytest.mark.parametrize(
    ("role", "status"), [(r, 200 if r == Role.PARTNER_FULL_ADMIN else 403) for r in ROLES]
)
def test_put_role_is_for_full_admins_only(role: str, status: int, people: Any) -> None:
    target = people[Role.USER]
    response = api_client_for(people[role]).put(
        f"/api/v1/users/{target.email}/role",
        {"role": "sales_admin"},
        content_type="application/json",
    )
    assert response.status_code == status
    target.refresh_from_db()
    assert target.role == (Role.SALES_ADMIN if status == 200 else Role.USER)


def test_put_role_answers_404_for_other_partners_people_and_422_for_bad_roles(
    full_admin: Any, stranger: Any, people: Any
) -> None:
    client = api_client_for(full_admin)
    other = client.put(
        f"/api/v1/users/{stranger.email}/role", {"role": "user"}, content_type="application/json"
    )
    assert other.status_code == 404
    bad = client.put(
        f"/api/v1/users/{people[Role.USER].email}/role",
        {"role": "king"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "role"]
    stranger.refresh_from_db()
    assert stranger.role == Role.PARTNER_FULL_ADMIN


def test_invite_through_the_api(full_admin: Any, people: Any) -> None:
    response = api_client_for(full_admin).post(
        "/api/v1/users",
        {"email": "anna@northwind.example", "role": "partner_readonly_admin"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["role"] == "partner_readonly_admin"
    bad = api_client_for(full_admin).post(
        "/api/v1/users", {"email": "nope"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "email"]
    denied = api_client_for(people[Role.SALES_FULL_ADMIN]).post(
        "/api/v1/users", {"email": "x@northwind.example"}, content_type="application/json"
    )
    assert denied.status_code == 403
