"""Two-step sign-in (issue 18, item 1): set-up with an authenticator app and recovery codes
(django-allauth's mfa), the second step of signing in, its throttle and audit, the partner's and
the operator's requirement, and a full administrator's reset."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.cache import cache
from django.test import Client

from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.signins.models import Method, Outcome, SignIn
from tests.conftest import PASSWORD, api_client_for
from tests.factories import UserFactory
from tests.twostep_helpers import secret_on_page, totp_code

LOGIN = "/accounts/login/"
INDEX = "/security/two-step/"
ACTIVATE = "/security/two-step/totp/activate/"
AUTHENTICATE = "/security/two-step/authenticate/"
RECOVERY = "/security/two-step/recovery-codes/"
SECURITY = "/security/settings/"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # allauth keeps used codes and its rate limits in the cache: each test starts clean.
    cache.clear()


def test_totp_code_matches_rfc_6238_test_vectors() -> None:
    # RFC 6238, appendix B (SHA-1 secret "12345678901234567890").
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp_code(secret, at=59, digits=8) == "94287082"
    assert totp_code(secret, at=1111111109, digits=8) == "07081804"


def password_step(email: str, password: str = PASSWORD) -> tuple[Client, Any]:
    client = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Firefox")
    response = client.post(LOGIN, {"username": email, "password": password})
    return client, response


def set_up_app(person: Any) -> tuple[str, list[str]]:
    """Sign in, add an authenticator app with the code computed from the page's secret; returns
    the secret and the 10 recovery codes shown afterwards."""
    client, response = password_step(person.email)
    assert response.status_code == 302
    page = client.get(ACTIVATE)
    assert page.status_code == 200, page.content[:300]
    secret = secret_on_page(page.content.decode())
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()  # the QR code
    done = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert done.status_code == 302 and done["Location"] == RECOVERY
    codes_page = client.get(RECOVERY).content.decode()
    codes = re.findall(r"\b[a-f0-9]{8}\b", codes_page)
    cache.clear()  # the code used to set up may sign in again within its 30 seconds
    return secret, sorted(set(codes))


@pytest.mark.django_db(transaction=True)
def test_an_authenticator_app_is_set_up_and_then_asked_for_at_every_sign_in(full_admin: Any):
    secret, codes = set_up_app(full_admin)
    assert len(codes) == 10
    assert Authenticator.objects.filter(user=full_admin).count() == 2  # the app and the codes
    # The security notice: e-mailed to the person.
    assert [m.to for m in mail.outbox] == [[full_admin.email]]
    assert "authenticator" in mail.outbox[0].subject.lower()
    # Next time, the password alone signs nobody in: the second step is asked for.
    client, response = password_step(full_admin.email)
    assert response.status_code == 302 and response["Location"] == AUTHENTICATE
    assert client.get("/customers/").status_code == 302  # not signed in yet
    assert "_auth_user_id" not in client.session
    signed = client.post(AUTHENTICATE, {"code": totp_code(secret)})
    assert signed.status_code == 302 and signed["Location"] == "/"
    assert client.get("/customers/").status_code == 200
    row = SignIn.objects.filter(user=full_admin).order_by("-at", "-pk").first()
    assert (row.method, row.outcome) == (Method.SECOND_STEP, Outcome.SUCCEEDED)


def test_a_wrong_code_is_refused_and_audited(full_admin: Any):
    secret, _codes = set_up_app(full_admin)
    client, _ = password_step(full_admin.email)
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    response = client.post(AUTHENTICATE, {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert "_auth_user_id" not in client.session
    failed = SignIn.objects.get(method=Method.SECOND_STEP, outcome=Outcome.FAILED)
    assert failed.user == full_admin and failed.partner == full_admin.partner


def test_a_recovery_code_works_once(full_admin: Any):
    _secret, codes = set_up_app(full_admin)
    client, _ = password_step(full_admin.email)
    assert client.post(AUTHENTICATE, {"code": codes[0]}).status_code == 302
    assert client.get("/customers/").status_code == 200
    again, _ = password_step(full_admin.email)
    refused = again.post(AUTHENTICATE, {"code": codes[0]})
    assert refused.status_code == 200 and "_auth_user_id" not in again.session
    # Another of the codes still works.
    assert again.post(AUTHENTICATE, {"code": codes[1]}).status_code == 302


def test_the_second_step_is_throttled_like_the_password(full_admin: Any, settings: Any):
    settings.LOGIN_MAX_FAILURES = 3
    secret, _codes = set_up_app(full_admin)
    client, _ = password_step(full_admin.email)
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    for _ in range(3):
        assert "Incorrect code." in client.post(AUTHENTICATE, {"code": wrong}).content.decode()
    # Over the limit: even the right code is not checked, and nobody is signed in.
    refused = client.post(AUTHENTICATE, {"code": totp_code(secret)}).content.decode()
    assert "Incorrect code." not in refused
    assert "Too many" in refused or "locked" in refused.lower()
    assert "_auth_user_id" not in client.session
    # Every try is in the sign-in audit, the refused one too.
    failed = SignIn.objects.filter(method=Method.SECOND_STEP, outcome=Outcome.FAILED)
    assert failed.count() == 4


def test_a_partner_that_requires_it_sends_a_person_without_it_to_set_up(
    full_admin: Any, people: dict[str, Any]
):
    client = Client()
    client.force_login(full_admin)
    response = client.post(SECURITY, {"require_two_step": "on"})
    assert response.status_code == 302
    full_admin.partner.refresh_from_db()
    assert full_admin.partner.require_two_step is True
    entry = AuditEvent.objects.get(action="partner.require_two_step")
    assert (entry.before, entry.after) == ({"require_two_step": False}, {"require_two_step": True})

    sales = people[Role.SALES_ADMIN]
    person, response = password_step(sales.email)
    assert response.status_code == 302
    blocked = person.get("/customers/")
    assert blocked.status_code == 302 and blocked["Location"] == INDEX
    assert person.get("/api/v1/customers").status_code == 403
    assert person.get(INDEX).status_code == 200
    assert person.get(ACTIVATE).status_code == 200  # the set-up itself is open
    secret = secret_on_page(person.get(ACTIVATE).content.decode())
    assert person.post(ACTIVATE, {"code": totp_code(secret)}).status_code == 302
    assert person.get("/customers/").status_code == 200


def test_the_operator_can_require_it_everywhere(full_admin: Any, settings: Any):
    settings.PARTNERHUB_REQUIRE_MFA = True
    client, _ = password_step(full_admin.email)
    assert client.get("/customers/")["Location"] == INDEX
    page = Client()
    page.force_login(full_admin)
    # The partner's own setting says so on the Security page, which stays reachable to set up.
    assert page.get(SECURITY)["Location"] == INDEX


def test_the_operator_s_requirement_covers_the_helpdesk_team_too(db: Any, settings: Any):
    from tests.helpdesk_factories import HelpdeskUserFactory

    agent = HelpdeskUserFactory()
    client, _ = password_step(agent.email)
    assert client.get("/helpdesk/queue/").status_code == 200  # not required: each decides
    settings.PARTNERHUB_REQUIRE_MFA = True
    assert client.get("/helpdesk/queue/")["Location"] == INDEX
    assert client.get(INDEX).status_code == 200


def test_a_person_without_a_role_has_no_two_step_pages(people: dict[str, Any], settings: Any):
    settings.PARTNERHUB_REQUIRE_MFA = True
    client = Client()
    client.force_login(people[Role.USER])
    assert client.get(INDEX).status_code == 403
    assert client.get(ACTIVATE).status_code == 403
    # Nothing to protect, so nothing to set up first: their landing page answers as before.
    assert client.get("/").status_code in {200, 302}
    assert client.get("/").get("Location", "") != INDEX


def test_only_full_administrators_change_the_requirement(people: dict[str, Any]):
    for role in (Role.SALES_FULL_ADMIN, Role.SALES_ADMIN, Role.PARTNER_READONLY_ADMIN):
        client = Client()
        client.force_login(people[role])
        assert client.get(SECURITY).status_code == 403
        assert client.post(SECURITY, {"require_two_step": "on"}).status_code == 403
    people[Role.SALES_ADMIN].partner.refresh_from_db()
    assert people[Role.SALES_ADMIN].partner.require_two_step is False


def test_the_security_page_lists_who_has_a_second_step(full_admin: Any, people: dict[str, Any]):
    set_up_app(people[Role.SALES_ADMIN])
    client = Client()
    client.force_login(full_admin)
    html = client.get(SECURITY).content.decode()
    assert "Authenticator app" in html and "Recovery codes" in html
    active = sum(1 for person in people.values() if person.is_active)
    assert f"{active - 1} people without it" in html


def test_a_full_administrator_resets_a_persons_second_step(
    full_admin: Any, people: dict[str, Any], stranger: Any, django_capture_on_commit_callbacks: Any
):
    sales = people[Role.SALES_ADMIN]
    set_up_app(sales)
    mail.outbox.clear()
    # Another partner's administrator: the person does not exist for them.
    other = Client()
    other.force_login(stranger)
    assert other.post(f"/security/people/{sales.pk}/two-step/reset/").status_code == 404
    # A sales full administrator may not.
    sales_full = Client()
    sales_full.force_login(people[Role.SALES_FULL_ADMIN])
    assert sales_full.post(f"/security/people/{sales.pk}/two-step/reset/").status_code == 403
    assert Authenticator.objects.filter(user=sales).count() == 2

    admin = Client()
    admin.force_login(full_admin)
    victim_session = Client()
    victim_session.force_login(sales)
    mail.outbox.clear()  # the sign-in of victim_session from a new device
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/security/people/{sales.pk}/two-step/reset/")
    assert response.status_code == 302 and response["Location"] == f"/accounts/users/{sales.pk}/"
    assert not Authenticator.objects.filter(user=sales).exists()
    entry = AuditEvent.objects.get(action="user.two_step_reset")
    assert entry.before == {"two_step": ["recovery_codes", "totp"]}
    assert entry.actor == full_admin and entry.object_id == sales.email
    assert [m.to for m in mail.outbox] == [[sales.email]], [m.subject for m in mail.outbox]
    assert "reset" in mail.outbox[0].subject and full_admin.email in mail.outbox[0].body
    # Signed out everywhere; the next sign-in asks the password only.
    assert victim_session.get("/customers/").status_code == 302
    _, response = password_step(sales.email)
    assert response["Location"] == "/"


def test_a_person_without_a_second_step_signs_in_with_the_password_alone(full_admin: Any):
    client, response = password_step(full_admin.email)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/customers/").status_code == 200
    assert SignIn.objects.get().method == Method.PASSWORD


def test_nobody_signs_up_through_allauth(db: Any):
    assert Client().get("/accounts/signup/").status_code == 404
    assert UserFactory.__name__  # the factory is the only way people come to exist in tests


# --- the API -------------------------------------------------------------------------------


def test_the_api_reads_and_sets_the_requirement(full_admin: Any, people: dict[str, Any]):
    api = api_client_for(full_admin)
    active = sum(1 for person in people.values() if person.is_active)
    assert api.get("/api/v1/security").json() == {
        "require_two_step": False,
        "required_by_operator": False,
        "people_without": active,
    }
    changed = api.put(
        "/api/v1/security", {"require_two_step": True}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["require_two_step"] is True
    assert AuditEvent.objects.filter(action="partner.require_two_step").count() == 1
    bad = api.put("/api/v1/security", {"require_two_step": "soon"}, content_type="application/json")
    assert bad.status_code == 422 and "require_two_step" in bad.content.decode()
    for role in (Role.SALES_FULL_ADMIN, Role.PARTNER_READONLY_ADMIN):
        assert api_client_for(people[role]).get("/api/v1/security").status_code == 403


def test_the_api_resets_a_persons_second_step(
    full_admin: Any, people: dict[str, Any], stranger: Any
):
    sales = people[Role.SALES_ADMIN]
    set_up_app(sales)
    url = f"/api/v1/users/{sales.email}/two-step/reset"
    assert api_client_for(stranger).post(url).status_code == 404
    assert api_client_for(people[Role.SALES_FULL_ADMIN]).post(url).status_code == 403
    assert Authenticator.objects.filter(user=sales).count() == 2
    done = api_client_for(full_admin).post(url)
    assert done.status_code == 200 and done.json() == {"removed": 2}
    assert not Authenticator.objects.filter(user=sales).exists()


def test_the_security_page_and_its_api_keep_a_constant_number_of_queries(
    full_admin: Any, partner: Any
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(full_admin)
    api = api_client_for(full_admin)

    def count(call: Any) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert call().status_code == 200
        return len(ctx.captured_queries)

    # The first call settles what a session caches and records a token's first use of the day.
    count(lambda: client.get(SECURITY))
    count(lambda: api.get("/api/v1/security"))
    few_page, few_api = (
        count(lambda: client.get(SECURITY)),
        count(lambda: api.get("/api/v1/security")),
    )
    for person in UserFactory.create_batch(30, partner=partner, role=Role.SALES_ADMIN):
        Authenticator.objects.create(user=person, type=Authenticator.Type.TOTP, data={})
    assert count(lambda: client.get(SECURITY)) == few_page
    assert count(lambda: api.get("/api/v1/security")) == few_api
