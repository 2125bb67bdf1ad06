"""Sessions (issue 18, item 3): one's own sessions, ending them, signing out everywhere,
deactivation and role removal, password changes, idle timeout and lifetime."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partnerhub.accounts.people_services import user_set_role
from partnerhub.accounts.services import token_create
from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.orgs.services import person_set_active
from partnerhub.signins.models import UserSession
from partnerhub.signins.services import SESSION_DATA
from tests.conftest import PASSWORD
from tests.factories import UserFactory

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)
LOGIN = "/accounts/login/"


def signed_in(user: Any, agent: str = FIREFOX, ip: str = "203.0.113.5") -> Client:
    """A browser signed in through the real form."""
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def session_id(client: Client) -> int:
    return int(client.session[SESSION_DATA]["id"])


def signed_out(client: Client, url: str = "/security/sessions/") -> bool:
    response = client.get(url)
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.fixture
def person(partner: Any) -> Any:
    return UserFactory(partner=partner, role=Role.SALES_ADMIN, email="sam@northwind.example")


def test_the_sessions_page_lists_device_ip_and_marks_this_browser(person: Any) -> None:
    laptop = signed_in(person, FIREFOX, "203.0.113.5")
    signed_in(person, CHROME, "198.51.100.7")
    html = laptop.get("/security/sessions/").content.decode()
    assert html.count('data-testid="session-row"') == 2
    assert "Firefox · Linux" in html and "Chrome · Windows" in html
    assert "203.0.113.5" in html and "198.51.100.7" in html
    assert html.count('data-testid="current-session"') == 1
    assert html.count('data-testid="end-session"') == 1  # not for this browser


def test_ending_another_session_signs_that_browser_out(person: Any) -> None:
    laptop, phone = signed_in(person), signed_in(person, CHROME)
    phone_id = session_id(phone)
    response = laptop.post(f"/security/sessions/{phone_id}/end/")
    assert response.status_code == 302
    assert signed_out(phone) and signed_out(phone, "/customers/")
    assert not signed_out(laptop)
    row = UserSession.objects.get(pk=phone_id)
    assert row.ended_at is not None and row.end_reason == "ended"


def test_ending_all_other_sessions_keeps_this_one(person: Any) -> None:
    laptop = signed_in(person)
    others = [signed_in(person, CHROME), signed_in(person, "curl/8.0")]
    laptop.post("/security/sessions/end-others/")
    assert all(signed_out(c) for c in others)
    assert not signed_out(laptop)
    assert UserSession.objects.filter(user=person, ended_at=None).count() == 1


def test_nobody_ends_anyone_else_s_session(person: Any, full_admin: Any, stranger: Any) -> None:
    victim = signed_in(person)
    for other in (full_admin, stranger):
        client = signed_in(other)
        assert client.post(f"/security/sessions/{session_id(victim)}/end/").status_code == 404
    # nor one's own current session (signing out does that), nor a made-up one
    assert victim.post(f"/security/sessions/{session_id(victim)}/end/").status_code == 404
    assert victim.post("/security/sessions/999999/end/").status_code == 404
    assert not signed_out(victim)


def test_the_api_lists_and_ends_one_s_own_sessions(person: Any, stranger: Any, api_client: Any):
    laptop, phone = signed_in(person), signed_in(person, CHROME)
    api = api_client(person)
    items = api.get("/api/v1/sessions").json()
    assert {i["device"] for i in items} == {"Firefox · Linux", "Chrome · Windows"}
    assert not any(i["current"] for i in items)  # a token is no browser
    session_current = laptop.get("/api/v1/sessions").json()
    assert [i["current"] for i in session_current].count(True) == 1
    phone_id = session_id(phone)
    assert api_client(stranger).delete(f"/api/v1/sessions/{phone_id}").status_code == 404
    assert api.delete(f"/api/v1/sessions/{phone_id}").status_code == 204
    assert signed_out(phone) and not signed_out(laptop)
    assert api.delete(f"/api/v1/sessions/{phone_id}").status_code == 404


def test_deactivating_a_person_ends_their_sessions_and_tokens(full_admin: Any, person: Any):
    browser = signed_in(person)
    _token, raw = token_create(user=person, name="script")
    script = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert script.get("/api/v1/me").status_code == 200
    person_set_active(actor=full_admin, person=person, active=False)
    assert signed_out(browser)
    assert script.get("/api/v1/me").status_code == 401
    assert UserSession.objects.get(user=person).end_reason == "deactivated"


def test_removing_a_person_s_role_ends_their_sessions_and_tokens(full_admin: Any, person: Any):
    browser = signed_in(person)
    _token, raw = token_create(user=person, name="script")
    script = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    user_set_role(actor=full_admin, person=person, role=Role.USER)
    assert signed_out(browser, "/accounts/tokens/")
    assert script.get("/api/v1/me").status_code == 401


def test_changing_a_role_between_administrator_roles_keeps_the_sessions(full_admin, person):
    browser = signed_in(person)
    user_set_role(actor=full_admin, person=person, role=Role.PARTNER_READONLY_ADMIN)
    assert not signed_out(browser)


def test_a_password_change_ends_the_other_sessions(person: Any) -> None:
    laptop, phone = signed_in(person), signed_in(person, CHROME)
    phone_id = session_id(phone)
    new = "n3w-Pass-word!"
    response = laptop.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert signed_out(phone)
    assert not signed_out(laptop)
    alive = UserSession.objects.get(user=person, ended_at=None)
    assert alive.pk == session_id(laptop)
    assert alive.session_key == laptop.session.session_key  # followed the new key
    assert UserSession.objects.get(pk=phone_id).end_reason == "password"


def _age(client: Client, **seconds: int) -> None:
    session = client.session
    data = dict(session[SESSION_DATA])
    for field, value in seconds.items():
        data[field] -= value
    session[SESSION_DATA] = data
    session.save()


def test_an_idle_session_is_signed_out(person: Any, settings: Any) -> None:
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 1800
    browser = signed_in(person)
    _age(browser, seen=1700)
    assert not signed_out(browser)
    _age(browser, seen=1801)
    response = browser.get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert signed_out(browser)
    assert UserSession.objects.get(user=person).end_reason == "idle"


def test_no_idle_timeout_when_set_to_0(person: Any, settings: Any) -> None:
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 0
    browser = signed_in(person)
    _age(browser, seen=30 * 24 * 3600, since=60)
    assert not signed_out(browser)


def test_a_session_ends_after_its_lifetime_however_active(person: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 3600
    browser = signed_in(person)
    _age(browser, since=3601)
    assert signed_out(browser)
    assert UserSession.objects.get(user=person).end_reason == "expired"


def _session_writes(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if "signins_usersession" in q["sql"]]


def test_last_seen_is_written_at_most_every_5_minutes(person: Any) -> None:
    browser = signed_in(person)
    assert _session_writes(browser, "/customers/") == []
    _age(browser, seen=200)
    assert _session_writes(browser, "/customers/") == []
    _age(browser, seen=301)
    writes = _session_writes(browser, "/customers/")
    assert len(writes) == 1 and writes[0].startswith("UPDATE")
    assert _session_writes(browser, "/customers/") == []


def test_a_full_administrator_signs_a_person_out_everywhere(full_admin: Any, person: Any):
    browsers = [signed_in(person), signed_in(person, CHROME)]
    admin = signed_in(full_admin)
    detail = admin.get(f"/accounts/users/{person.pk}/").content.decode()
    assert 'data-testid="sign-out-everywhere"' in detail
    response = admin.post(f"/security/people/{person.pk}/sign-out/")
    assert response.status_code == 302
    assert all(signed_out(b) for b in browsers)
    assert not signed_out(admin)
    event = AuditEvent.objects.get(action="user.sign_out_everywhere")
    assert event.actor == full_admin and event.object_id == person.email
    activity = admin.get("/accounts/activity/").content.decode()
    assert "Signed out everywhere" in activity


def test_only_full_administrators_of_the_person_s_partner_sign_them_out(
    people: Any, person: Any, stranger: Any
) -> None:
    browser = signed_in(person)
    assert signed_in(stranger).post(f"/security/people/{person.pk}/sign-out/").status_code == 404
    for role in (Role.SALES_FULL_ADMIN, Role.SALES_ADMIN, Role.PARTNER_READONLY_ADMIN):
        client = signed_in(people[role])
        assert client.post(f"/security/people/{person.pk}/sign-out/").status_code == 403
        assert (
            'data-testid="sign-out-everywhere"'
            not in client.get(f"/accounts/users/{person.pk}/").content.decode()
        )
    assert not signed_out(browser)


@pytest.mark.parametrize("role", list(Role))
def test_every_partner_administrator_sees_their_own_sessions(partner: Any, role: Role) -> None:
    person = UserFactory(partner=partner, role=role)
    # A plain `user` has no page of Partner Hub but their password (the isolation matrix).
    expected = 403 if role == Role.USER else 200
    assert signed_in(person).get("/security/sessions/").status_code == expected


def test_the_sessions_page_takes_the_same_queries_for_1_or_5_sessions(person: Any) -> None:
    browser = signed_in(person)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get("/security/sessions/").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for _ in range(4):
        signed_in(person, CHROME)
    assert count() == one
    assert one <= 6
