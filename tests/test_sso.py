"""Single sign-on per partner (issue 18, item 2): the full administrator's page and the operator's
command, linking only by a verified e-mail of the partner's domain, never creating anyone, and
passwords barred. The identity provider's HTTP answers are faked here; tests/test_sso_browser.py
signs in through a real one."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client

from partnerhub.accounts.models import User
from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.signins.models import SignIn
from partnerhub.sso.adapter import SocialAccountAdapter
from partnerhub.sso.models import SingleSignOn
from partnerhub.sso.services import sso_remove, sso_set
from tests.conftest import PASSWORD
from tests.factories import UserFactory

ISSUER = "https://idp.northwind.example"
SECRET = "very-secret-value-42"


def _set(partner: Any, *, barred: bool = False, domain: str = "northwind.example") -> Any:
    return sso_set(
        None,
        partner,
        issuer=ISSUER,
        client_id="partnerhub",
        client_secret=SECRET,
        domain=domain,
        passwords_barred=barred,
    )


# --- The identity provider, faked at allauth's HTTP session ---------------------------------


class _Response:
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.status_code = 200
        self.headers = {"content-type": "application/json"}
        self.text = json.dumps(body)
        self.content = self.text.encode()

    def json(self) -> dict[str, Any]:
        return self.body

    def raise_for_status(self) -> None:
        return None


class FakeProvider:
    """Discovery, token and userinfo of an identity provider that vouches for `claims`."""

    def __init__(self) -> None:
        self.claims: dict[str, Any] = {}
        self.token_requests: list[dict[str, Any]] = []

    def __enter__(self) -> FakeProvider:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def get(self, url: str, **kwargs: Any) -> _Response:
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return _Response(
                {
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/auth",
                    "token_endpoint": f"{ISSUER}/token",
                    "userinfo_endpoint": f"{ISSUER}/me",
                    "jwks_uri": f"{ISSUER}/jwks",
                    "token_endpoint_auth_methods_supported": ["client_secret_post"],
                }
            )
        assert url == f"{ISSUER}/me", url
        return _Response(self.claims)

    def request(self, method: str, url: str, **kwargs: Any) -> _Response:
        assert (method, url) == ("POST", f"{ISSUER}/token")
        self.token_requests.append(kwargs.get("data") or {})
        return _Response({"access_token": "at-1", "token_type": "Bearer", "expires_in": 60})


@pytest.fixture
def idp(monkeypatch: Any) -> FakeProvider:
    fake = FakeProvider()
    monkeypatch.setattr(SocialAccountAdapter, "get_requests_session", lambda self: fake)
    return fake


def _sso_sign_in(
    client: Client, idp: FakeProvider, typed: str, claims: dict[str, Any] | None = None
) -> Any:
    """Type the e-mail on the sign-in page's single sign-on form, come back from the provider,
    which vouches for the typed e-mail (verified) unless `claims` say otherwise."""
    idp.claims = {"sub": f"sub-{typed}", "email": typed, "email_verified": True, **(claims or {})}
    started = client.post("/accounts/login/sso/", {"email": typed})
    # A page that sends the browser on (the sign-in page's forms may go only to Partner Hub).
    assert started.status_code == 200, started.content
    assert b'http-equiv="refresh"' in started.content
    location = urlsplit(started.context["url"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/auth"
    query = parse_qs(location.query)
    assert query["client_id"] == ["partnerhub"]
    assert query["login_hint"] == [typed]
    callback = urlsplit(query["redirect_uri"][0]).path
    return client.get(callback, {"code": "code-1", "state": query["state"][0]})


def _signed_in_as(client: Client) -> Any:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


# --- Signing in --------------------------------------------------------------------------------


def test_a_verified_email_of_the_domain_links_the_existing_person_and_signs_in(
    partner: Any, people: dict[str, Any], idp: FakeProvider
) -> None:
    _set(partner)
    person = people[Role.SALES_ADMIN]
    client = Client()
    response = _sso_sign_in(client, idp, person.email)
    assert response.status_code == 302
    assert _signed_in_as(client) == person
    assert SocialAccount.objects.get(user=person).uid == f"sub-{person.email}"
    row = SignIn.objects.get(user=person)
    assert (row.method, row.outcome) == ("sso", "succeeded")
    # The client secret went to the provider's token endpoint (client_secret_post), with PKCE.
    assert idp.token_requests[0]["client_secret"] == SECRET
    assert idp.token_requests[0]["code_verifier"]

    # The next time the link is used, whatever e-mail the provider now reports.
    again = Client()
    _sso_sign_in(again, idp, person.email)
    assert _signed_in_as(again) == person
    assert SocialAccount.objects.filter(user=person).count() == 1


def test_the_email_case_and_spelling_do_not_matter(
    partner: Any, people: dict[str, Any], idp: FakeProvider
) -> None:
    _set(partner)
    person = people[Role.SALES_ADMIN]
    client = Client()
    _sso_sign_in(client, idp, person.email.upper())
    assert _signed_in_as(client) == person


@pytest.mark.parametrize(
    ("email", "claims", "says"),
    [
        ("sales_admin@northwind.example", {"email_verified": False}, "verified e-mail"),
        ("sales_admin@northwind.example", {"email_verified": "false"}, "verified e-mail"),
        ("sales_admin@northwind.example", {"email": None}, "verified e-mail"),
        # The provider vouches for an e-mail of another domain.
        ("sales_admin@northwind.example", {"email": "boss@fabrikam.example"}, "not in the domain"),
        # Nobody of that e-mail: nobody is created.
        ("newcomer@northwind.example", {}, "no active Partner Hub account"),
    ],
)
def test_no_verified_email_of_an_existing_person_of_the_domain_no_sign_in(
    partner: Any, people: dict[str, Any], idp: FakeProvider, email: str, claims: Any, says: str
) -> None:
    _set(partner)
    users_before = User.objects.count()
    client = Client()
    response = _sso_sign_in(client, idp, email, claims)
    assert response.status_code == 403
    assert says in response.content.decode()
    assert _signed_in_as(client) is None
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert not SignIn.objects.filter(outcome="succeeded").exists()


def test_a_person_of_another_partner_or_deactivated_is_never_signed_in(
    partner: Any, other_partner: Any, people: dict[str, Any], idp: FakeProvider
) -> None:
    _set(partner)
    # An e-mail of the domain held by a person of another partner.
    outsider = UserFactory(partner=other_partner, email="outsider@northwind.example")
    gone = people[Role.SALES_ADMIN]
    gone.is_active = False
    gone.save()
    for email in (outsider.email, gone.email):
        client = Client()
        response = _sso_sign_in(client, idp, email)
        assert response.status_code == 403
        assert _signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


def test_a_linked_person_deactivated_later_is_refused(
    partner: Any, people: dict[str, Any], idp: FakeProvider
) -> None:
    _set(partner)
    person = people[Role.SALES_ADMIN]
    _sso_sign_in(Client(), idp, person.email)
    User.objects.filter(pk=person.pk).update(is_active=False)
    client = Client()
    assert _sso_sign_in(client, idp, person.email).status_code == 403
    assert _signed_in_as(client) is None


def test_the_sso_form_with_an_unknown_domain_goes_back_to_signing_in(partner: Any) -> None:
    _set(partner)
    client = Client()
    response = client.post(
        "/accounts/login/sso/", {"email": "someone@elsewhere.example"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "not set up for this e-mail" in response.content.decode()
    response = client.post("/accounts/login/sso/", {"email": "no-at-sign"}, follow=True)
    assert "E-mail: enter a valid e-mail address" in response.content.decode()
    assert client.get("/accounts/login/sso/").status_code == 405


def test_the_provider_answering_an_error_is_told_on_partner_hubs_page(
    partner: Any, people: dict[str, Any], idp: FakeProvider
) -> None:
    _set(partner)
    client = Client()
    started = client.post("/accounts/login/sso/", {"email": "sales_admin@northwind.example"})
    state = parse_qs(urlsplit(started.context["url"]).query)["state"][0]
    provider_id = SingleSignOn.objects.get().app.provider_id
    response = client.get(
        f"/accounts/login/sso/oidc/{provider_id}/login/callback/",
        {"error": "access_denied", "state": state},
    )
    assert response.status_code in {302, 400}
    assert _signed_in_as(client) is None


def test_the_sign_in_page_offers_single_sign_on() -> None:
    body = Client().get("/accounts/login/").content.decode()
    assert "Sign in with single sign-on" in body
    assert 'action="/accounts/login/sso/"' in body


# --- Passwords barred ---------------------------------------------------------------------------


def test_passwords_barred_for_the_domain_refuse_the_password_form(
    partner: Any, people: dict[str, Any], stranger: Any
) -> None:
    _set(partner, barred=True)
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "Sales_Admin@Northwind.example", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "single sign-on" in response.content.decode()
    assert _signed_in_as(client) is None
    # Another domain still signs in with its password.
    other = Client()
    other.post("/accounts/login/", {"username": stranger.email, "password": PASSWORD})
    assert _signed_in_as(other) == stranger


def test_without_the_bar_passwords_still_work(partner: Any, people: dict[str, Any]) -> None:
    _set(partner, barred=False)
    client = Client()
    client.post(
        "/accounts/login/", {"username": people[Role.SALES_ADMIN].email, "password": PASSWORD}
    )
    assert _signed_in_as(client) == people[Role.SALES_ADMIN]


# --- The full administrator's page --------------------------------------------------------------


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "issuer": ISSUER,
        "client_id": "partnerhub",
        "client_secret": SECRET,
        "domain": "Northwind.Example",
        "passwords_barred": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_full_administrator_sets_up_changes_and_removes_single_sign_on(
    partner: Any, full_admin: Any
) -> None:
    client = Client()
    client.force_login(full_admin)
    page = client.get("/security/sso/")
    assert page.status_code == 200
    assert "/accounts/login/sso/oidc/partner-" in page.content.decode()

    response = client.post("/security/sso/", _form())
    assert response.status_code == 302
    sso = SingleSignOn.objects.get(partner=partner)
    assert (sso.domain, sso.passwords_barred, sso.issuer) == ("northwind.example", True, ISSUER)
    assert (sso.app.provider, sso.app.client_id, sso.app.secret) == (
        "openid_connect",
        "partnerhub",
        SECRET,
    )
    # The secret is write-only: never shown back, and an empty field keeps it.
    page = client.get("/security/sso/").content.decode()
    assert SECRET not in page
    assert "partnerhub" in page
    client.post("/security/sso/", _form(client_secret="", passwords_barred=None))
    sso.refresh_from_db()
    sso.app.refresh_from_db()
    assert (sso.passwords_barred, sso.app.secret) == (False, SECRET)

    # The audit says what changed and never carries the secret.
    events = AuditEvent.objects.filter(action__startswith="partner.sso")
    assert events.count() == 2
    assert all(SECRET not in json.dumps([e.before, e.after]) for e in events)

    client.post("/security/sso/", {"remove": "1"})
    assert not SingleSignOn.objects.exists()
    assert not SocialApp.objects.exists()
    assert AuditEvent.objects.filter(action="partner.sso_remove").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("issuer", "", "Enter the issuer URL"),
        ("issuer", "ftp://idp.example", "The issuer must be a URL such as"),
        ("issuer", "http://idp.example", "The issuer must use https"),
        ("issuer", "https://idp.example/?x=1", "must not contain a query"),
        ("issuer", "https://idp.example:port", "not a valid URL"),
        ("client_id", "", "Enter the client ID"),
        ("client_id", "has space", "without spaces"),
        ("client_secret", "", "Enter the client secret"),
        ("domain", "", "Enter the e-mail domain"),
        ("domain", "northwind", "must be a domain name"),
        ("domain", "a b.example", "must be a domain name"),
    ],
)
def test_every_field_is_validated_with_a_message_naming_it(
    full_admin: Any, field: str, value: str, says: str
) -> None:
    client = Client()
    client.force_login(full_admin)
    response = client.post("/security/sso/", _form(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert says in " ".join(errors[field]), errors
    assert not SingleSignOn.objects.exists()


def test_a_domain_of_another_partner_is_refused(
    partner: Any, other_partner: Any, full_admin: Any
) -> None:
    _set(other_partner)
    client = Client()
    client.force_login(full_admin)
    response = client.post("/security/sso/", _form())
    assert "Another organization" in " ".join(response.context["form"].errors["domain"])
    assert not SingleSignOn.objects.filter(partner=partner).exists()


def test_loopback_issuers_may_use_http(partner: Any) -> None:
    sso = sso_set(
        None,
        partner,
        issuer="http://127.0.0.1:9000/",
        client_id="x",
        client_secret="y",
        domain="northwind.example",
        passwords_barred=False,
    )
    assert sso.issuer == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    "role", [Role.SALES_FULL_ADMIN, Role.SALES_ADMIN, Role.PARTNER_READONLY_ADMIN, Role.USER]
)
def test_only_the_partner_full_administrator_opens_the_page(
    partner: Any, people: dict[str, Any], role: Role
) -> None:
    client = Client()
    client.force_login(people[role])
    assert client.get("/security/sso/").status_code == 403
    assert client.post("/security/sso/", _form()).status_code == 403
    assert not SingleSignOn.objects.exists()
    anonymous = Client().get("/security/sso/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_another_partners_administrator_never_sees_nor_changes_this_partners_config(
    partner: Any, full_admin: Any, stranger: Any
) -> None:
    _set(partner)
    client = Client()
    client.force_login(stranger)
    page = client.get("/security/sso/").content.decode()
    assert "northwind.example" not in page
    client.post("/security/sso/", {"remove": "1"})
    assert SingleSignOn.objects.filter(partner=partner).exists()
    with pytest.raises(PermissionDenied):
        sso_remove(stranger, partner)
    with pytest.raises(PermissionDenied):
        sso_set(
            stranger,
            partner,
            issuer=ISSUER,
            client_id="x",
            client_secret="y",
            domain="northwind.example",
            passwords_barred=False,
        )


def test_the_security_page_links_to_single_sign_on(full_admin: Any) -> None:
    client = Client()
    client.force_login(full_admin)
    assert 'href="/security/sso/"' in client.get("/security/settings/").content.decode()


# --- The operator's command ------------------------------------------------------------------


def test_the_command_sets_up_and_removes_single_sign_on(partner: Any, capsys: Any) -> None:
    call_command(
        "sso",
        "set",
        partner.ext_id,
        "--issuer",
        ISSUER,
        "--client-id",
        "cli-client",
        "--client-secret",
        SECRET,
        "--domain",
        "northwind.example",
        "--bar-passwords",
    )
    sso = SingleSignOn.objects.get(partner=partner)
    assert (sso.app.client_id, sso.passwords_barred) == ("cli-client", True)
    assert SECRET not in capsys.readouterr().out
    audit = AuditEvent.objects.get(action="partner.sso_set")
    assert audit.actor is None
    assert SECRET not in json.dumps(audit.after)
    call_command("sso", "remove", partner.ext_id)
    assert not SingleSignOn.objects.exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--issuer", "http://idp.example"], "--issuer:"),
        (["--domain", "nodots"], "--domain:"),
        (["--client-id", " "], "--client-id:"),
        (["--client-secret", ""], "--client-secret:"),
    ],
)
def test_the_command_names_the_bad_option(partner: Any, args: list[str], says: str) -> None:
    base = {
        "--issuer": ISSUER,
        "--client-id": "cli",
        "--client-secret": SECRET,
        "--domain": "northwind.example",
    }
    base[args[0]] = args[1]
    argv = [item for pair in base.items() for item in pair]
    with pytest.raises(CommandError, match=says):
        call_command("sso", "set", partner.ext_id, *argv)


def test_the_command_refuses_an_unknown_partner(db: Any) -> None:
    with pytest.raises(CommandError, match="partner:"):
        call_command("sso", "remove", "NOPE")
