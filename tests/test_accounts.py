"""Sign-in, throttling, passwords, API tokens, role table (docs/reference/rules.md#role-table)."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.http import Http404
from django.test import Client
from django.urls import reverse

from partnerhub.accounts.models import ApiToken
from partnerhub.accounts.policy import (
    Action,
    can,
    customer_actions,
    customer_scope,
    customer_scope_for,
    get_customer,
    partner_customer_scope,
    require,
)
from partnerhub.core.choices import Role
from tests.conftest import PASSWORD, sign_in
from tests.factories import (
    CustomerFactory,
    CustomerManagerFactory,
    ExternalAdminFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# docs/reference/rules.md#role-table: which role may do each action at all.
ROLE_TABLE = {
    Action.VIEW_CUSTOMERS: {
        "partner_full_admin",
        "sales_full_admin",
        "sales_admin",
        "partner_readonly_admin",
    },
    Action.LAUNCH_ORG: {
        "partner_full_admin",
        "sales_full_admin",
        "sales_admin",
        "partner_readonly_admin",
    },
    Action.MANAGE_CUSTOMER_ORG: {"partner_full_admin", "sales_full_admin", "sales_admin"},
    Action.MANAGE_TRIALS: {"partner_full_admin", "sales_full_admin", "sales_admin"},
    Action.SETUP_ORDER: {"partner_full_admin", "sales_full_admin", "sales_admin"},
    Action.PLACE_ORDER: {"partner_full_admin", "sales_full_admin", "sales_admin"},
    Action.VIEW_COMMERCIAL: {
        "partner_full_admin",
        "sales_full_admin",
        "sales_admin",
        "partner_readonly_admin",
    },
    Action.TAG: {"partner_full_admin", "sales_full_admin", "sales_admin"},
    Action.MANAGE_CUSTOMER_ADMINS: {"partner_full_admin", "sales_full_admin"},
    Action.MANAGE_ROLES: {"partner_full_admin"},
    Action.HELPDESK: {
        "partner_full_admin",
        "sales_full_admin",
        "sales_admin",
        "partner_readonly_admin",
    },
    Action.VIEW_OWN_ORG: {
        "partner_full_admin",
        "sales_full_admin",
        "sales_admin",
        "partner_readonly_admin",
    },
    Action.MANAGE_OWN_ORG: {"partner_full_admin"},
    Action.INGEST: {"partner_full_admin"},
    Action.USE_API: {
        "partner_full_admin",
        "sales_full_admin",
        "sales_admin",
        "partner_readonly_admin",
    },
    Action.VIEW_PARTNER_JOBS: {"partner_full_admin"},
    Action.VIEW_ALERTS: {
        "partner_full_admin",
        "sales_full_admin",
        "sales_admin",
        "partner_readonly_admin",
    },
    Action.ACT_ON_ALERTS: {"partner_full_admin", "sales_full_admin", "sales_admin"},
    Action.MANAGE_ALERT_RULES: {"partner_full_admin"},
    Action.VIEW_EVENTS: {"partner_full_admin"},
    Action.MANAGE_WEBHOOKS: {"partner_full_admin"},
    Action.VIEW_SIGN_INS: {"partner_full_admin"},
    # The operator's Partner Helpdesk team only (HELPDESK_TEAM_TABLE): no partner role.
    Action.WORK_ALL_CASES: set(),
    Action.TRIAGE_CASES: set(),
}
# What the operator's helpdesk team (is_helpdesk, no partner) may do: these and nothing else.
HELPDESK_TEAM_TABLE = {Action.WORK_ALL_CASES, Action.TRIAGE_CASES}


# docs/reference/external-administrators.md: on an EXTERNAL customer (another partner's, that
# the person is an external administrator of) a person works only inside the customer's
# organization, within their role's rights. Every action not listed here: nobody.
ON_EXTERNAL_CUSTOMER = {
    Action.VIEW_CUSTOMERS: ROLE_TABLE[Action.VIEW_CUSTOMERS],
    Action.LAUNCH_ORG: ROLE_TABLE[Action.LAUNCH_ORG],
    Action.MANAGE_CUSTOMER_ORG: {"partner_full_admin", "sales_full_admin", "sales_admin"},
    Action.TAG: {"partner_full_admin", "sales_full_admin", "sales_admin"},
    Action.HELPDESK: ROLE_TABLE[Action.HELPDESK],
}


def test_role_table_covers_every_action():
    assert set(ROLE_TABLE) == set(Action)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_policy_follows_the_role_table(people, action, role):
    assert can(people[role], action) is (role in ROLE_TABLE[action])


@pytest.mark.parametrize("action", list(Action))
def test_the_helpdesk_team_may_do_only_its_own_actions(people, own_and_external, action):
    team = UserFactory(partner=None, is_helpdesk=True, email="team@helpdesk.example")
    own, _external = own_and_external
    assert can(team, action) is (action in HELPDESK_TEAM_TABLE)
    assert can(team, action, own) is (action in HELPDESK_TEAM_TABLE)
    # A partner's person flagged is_helpdesk is not the team; a deactivated member no longer is.
    insider = UserFactory(
        partner=own.partner, role=Role.PARTNER_FULL_ADMIN, is_helpdesk=True, email="in@x.example"
    )
    assert can(insider, action) is ("partner_full_admin" in ROLE_TABLE[action])
    team.is_active = False
    assert can(team, action) is False


@pytest.fixture
def own_and_external(people, partner, other_partner):
    """A customer of the partner (assigned to everyone, so the sales admin has it in scope) and
    one of another partner that every person of the partner is an external administrator of."""
    own = CustomerFactory(partner=partner, name="Own")
    external = CustomerFactory(partner=other_partner, name="Theirs")
    for person in people.values():
        CustomerManagerFactory(customer=own, user=person)
        ExternalAdminFactory(customer=external, user=person)
    return own, external


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_policy_on_an_own_customer_follows_the_role_table(people, own_and_external, action, role):
    own, _external = own_and_external
    assert can(people[role], action, own) is (role in ROLE_TABLE[action])


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_policy_on_an_external_customer_allows_only_work_inside_its_organization(
    people, own_and_external, action, role
):
    _own, external = own_and_external
    expected = role in ON_EXTERNAL_CUSTOMER.get(action, set())
    assert can(people[role], action, external) is expected
    assert (action in customer_actions(people[role], external)) is expected


@pytest.mark.parametrize(
    "action",
    [
        Action.PLACE_ORDER,
        Action.SETUP_ORDER,
        Action.MANAGE_TRIALS,
        Action.MANAGE_CUSTOMER_ADMINS,
        Action.VIEW_COMMERCIAL,
    ],
)
def test_a_full_admin_is_refused_403_not_404_for_the_managing_partners_business(
    people, own_and_external, other_partner, action
):
    # Given a full admin who is an external administrator of another partner's customer
    admin = people["partner_full_admin"]
    _own, external = own_and_external
    hidden = CustomerFactory(partner=other_partner, name="Not theirs")

    # Then the external customer is in scope (403), the other one is not (404)
    with pytest.raises(PermissionDenied):
        require(admin, action, external)
    with pytest.raises(PermissionDenied):
        get_customer(admin, external.ext_id, action)
    with pytest.raises(Http404):
        require(admin, action, hidden)
    with pytest.raises(Http404):
        get_customer(admin, hidden.ext_id, action)


def test_an_external_admin_may_work_inside_the_organization_and_tag(people, own_and_external):
    admin = people["partner_full_admin"]
    _own, external = own_and_external
    for action in (Action.VIEW_CUSTOMERS, Action.LAUNCH_ORG, Action.MANAGE_CUSTOMER_ORG):
        require(admin, action, external)
        assert get_customer(admin, external.ext_id, action) == external
    assert can(admin, Action.TAG, external)
    assert can(admin, Action.HELPDESK, external)


def test_the_customers_one_may_start_a_trial_for_are_never_external(people, own_and_external):
    own, external = own_and_external
    for role in ("partner_full_admin", "sales_full_admin", "sales_admin"):
        assert set(customer_scope_for(people[role], Action.MANAGE_TRIALS)) == {own}
        assert set(customer_scope_for(people[role], Action.TAG)) == {own, external}
    assert not customer_scope_for(people["partner_readonly_admin"], Action.MANAGE_TRIALS).exists()
    assert not customer_scope_for(people["user"], Action.VIEW_CUSTOMERS).exists()


def test_scope_all_roles_see_every_customer_of_the_partner_plus_external(
    people, partner, other_partner
):
    own = CustomerFactory.create_batch(3, partner=partner)
    foreign = CustomerFactory(partner=other_partner)
    hidden = CustomerFactory(partner=other_partner)
    for role in ("partner_full_admin", "sales_full_admin", "partner_readonly_admin"):
        ExternalAdminFactory(customer=foreign, user=people[role])
        assert set(customer_scope(people[role])) == {*own, foreign}
        assert set(partner_customer_scope(people[role])) == set(own)
    assert hidden not in customer_scope(people["partner_full_admin"])


def test_sales_admin_sees_only_assigned_and_external_customers(people, partner, other_partner):
    sales = people["sales_admin"]
    mine, _theirs = CustomerFactory.create_batch(2, partner=partner)
    CustomerManagerFactory(customer=mine, user=sales)
    external = CustomerFactory(partner=other_partner)
    ExternalAdminFactory(customer=external, user=sales)
    assert set(customer_scope(sales)) == {mine, external}
    assert can(sales, Action.TAG, mine)
    assert not can(sales, Action.TAG, _theirs)


def test_plain_user_and_deactivated_admin_see_nothing(people, partner):
    CustomerFactory(partner=partner)
    assert not customer_scope(people["user"]).exists()
    admin = people["partner_full_admin"]
    admin.is_active = False
    admin.save()
    assert not customer_scope(admin).exists()
    assert not can(admin, Action.VIEW_CUSTOMERS)


def test_platform_operator_has_no_partner_short_cut(db):
    operator = UserFactory(
        partner=None, role=Role.PARTNER_FULL_ADMIN, is_staff=True, is_superuser=True
    )
    CustomerFactory()
    assert not customer_scope(operator).exists()
    assert not can(operator, Action.VIEW_CUSTOMERS)


def test_sign_in_with_email_and_password(full_admin):
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": full_admin.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(full_admin.pk)


def test_sign_in_is_throttled_after_repeated_failures(full_admin, settings):
    settings.LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(3):
        response = client.post(
            reverse("accounts:login"), {"username": full_admin.email, "password": "wrong"}
        )
        assert response.status_code == 200
    # Even the right password is refused while the e-mail is locked.
    response = client.post(
        reverse("accounts:login"), {"username": full_admin.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_an_email(full_admin):
    Client().post(reverse("accounts:password_reset"), {"email": full_admin.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_set_password_command_reads_stdin(full_admin, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-new-password-42\n"))
    call_command("set_password", full_admin.email, stdout=io.StringIO())
    full_admin.refresh_from_db()
    assert full_admin.check_password("a-long-new-password-42")


def test_set_password_command_names_an_unknown_email(db):
    with pytest.raises(CommandError, match="email"):
        call_command("set_password", "nobody@example.com")


def test_token_command_prints_a_token_that_is_stored_hashed(full_admin):
    out = io.StringIO()
    call_command("token", "create", full_admin.email, "--name", "ci", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("ph_")
    stored = ApiToken.objects.get(user=full_admin)
    assert stored.digest == ApiToken.hash(raw) and raw not in (stored.digest, stored.prefix)


def test_api_rejects_missing_and_revoked_tokens(full_admin, api_client):
    assert Client().get("/api/v1/openapi.json").status_code == 200
    client = api_client(full_admin)
    assert client.get("/api/v1/me").json()["email"] == full_admin.email
    ApiToken.objects.update(revoked_at="2026-01-01T00:00Z")
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_tokens_page_creates_shows_once_and_revokes(full_admin):
    client = Client()
    client.force_login(full_admin)
    response = client.post(reverse("accounts:tokens"), {"name": "CRM sync"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=full_admin)
    assert token.prefix in response.content.decode()
    again = client.get(reverse("accounts:tokens")).content.decode()
    assert "Your new token" not in again
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_tokens_page_requires_a_token_name(full_admin):
    client = Client()
    client.force_login(full_admin)
    response = client.post(reverse("accounts:tokens"), {"name": ""})
    assert 'data-field="name"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_plain_user_cannot_open_the_tokens_page(people):
    client = Client()
    client.force_login(people["user"])
    assert client.get(reverse("accounts:tokens")).status_code == 403


@pytest.mark.browser
def test_journey_sign_in_see_the_shell_and_create_a_token(page, transactional_db, partner):
    admin = UserFactory(
        partner=partner,
        role=Role.PARTNER_FULL_ADMIN,
        email="anna@northwind.example",
        name="Anna Nowak",
    )
    sign_in(page, admin)
    assert page.get_by_test_id("current-user").inner_text() == "Anna Nowak"
    assert "Partner full administrator" in page.get_by_test_id("current-role").inner_text()
    page.get_by_label("Open user menu").click()
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_role("button", name="Create token").click()
    assert page.get_by_test_id("new-token").locator("code").inner_text().startswith("ph_")


@pytest.mark.browser
def test_journey_wrong_password_shows_an_error(page, transactional_db, partner):
    admin = UserFactory(partner=partner, email="piotr@northwind.example")
    sign_in(page, admin, password="nope")
    assert page.get_by_role("alert").count() >= 1
    assert "/accounts/login/" in page.url
