"""Hostile sign-in: the throttle cannot be dodged with look-alike e-mails, spoofed headers or
several workers, cannot be used to lock a person out at will, and says nothing about who exists.
Also: deactivation ends sessions and tokens for good; passwords like the person are refused.

Issue 13, points 1 and 12 (accounts/throttle.py, accounts/backends.py).
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from partnerhub.accounts.models import ApiToken, SignInCounter
from partnerhub.accounts.throttle import client_address
from partnerhub.core.choices import Role
from partnerhub.orgs.services import person_set_active
from tests.conftest import PASSWORD
from tests.factories import UserFactory

LOGIN = "/accounts/login/"
OPERATOR_LOGIN = "/operator/login/"
UNLOCK_LINK = re.compile(r"https?://[^/\s]+(/accounts/login/unlock/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def tomasz(partner: Any) -> Any:
    return UserFactory(
        partner=partner,
        role=Role.PARTNER_FULL_ADMIN,
        email="tomasz.nowak@northwind.example",
        name="Tomasz Nowak",
    )


def _from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def _sign_in(client: Client, email: str, password: str, url: str = LOGIN) -> Any:
    return client.post(url, {"username": email, "password": password})


def _fail(address: str, email: str, times: int) -> None:
    client = _from(address)
    for _ in range(times):
        assert _sign_in(client, email, "wrong-guess").status_code == 200


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _alert(response: Any) -> str:
    return " ".join(response.context["form"].non_field_errors())


def _unlock_path(message: Any) -> str:
    found = UNLOCK_LINK.search(message.body)
    assert found, message.body
    return found.group(1)


# --- one identity, however it is typed ------------------------------------------------------


@pytest.mark.django_db
def test_a_look_alike_email_counts_on_the_same_person(tomasz):
    # Given failures typed with a full-width 't' and in capitals from one address
    attacker = _from("203.0.113.5")
    for typed in ("\uff54omasz.nowak@northwind.example", "TOMASZ.NOWAK@northwind.example") * 2:
        assert _sign_in(attacker, typed, "wrong-guess").status_code == 200
    assert _sign_in(attacker, "\uff54omasz.nowak@northwind.example", "x").status_code == 200
    # When the plain e-mail is tried from there, even with the right password
    response = _sign_in(attacker, "tomasz.nowak@northwind.example", PASSWORD)
    # Then the five look-alike failures locked it: they were one counter
    assert response.status_code == 429
    assert "Too many failed sign-ins" in _alert(response)
    assert int(response["Retry-After"]) > 0
    assert not _signed_in(attacker)


@pytest.mark.django_db
def test_the_person_can_sign_in_with_a_look_alike_spelling_of_their_email(tomasz):
    client = _from("198.51.100.1")
    response = _sign_in(client, "\uff34omasz.Nowak@northwind.example", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(tomasz.pk)


# --- the pair lock stays where the guessing is ----------------------------------------------


@pytest.mark.django_db
def test_failures_from_one_address_do_not_lock_the_person_out_from_another(tomasz):
    # Given five wrong guesses from the attacker's address
    _fail("203.0.113.5", tomasz.email, 5)
    # Then that address is refused, even with the right password
    attacker = _from("203.0.113.5")
    assert _sign_in(attacker, tomasz.email, PASSWORD).status_code == 429
    # But the person, elsewhere, signs in
    person = _from("198.51.100.1")
    assert _sign_in(person, tomasz.email, PASSWORD).status_code == 302
    assert _signed_in(person)


@pytest.mark.django_db
def test_a_refused_attempt_does_not_count_towards_the_identity_lock(tomasz, settings):
    # Given one address that is refused for the e-mail
    _fail("203.0.113.5", tomasz.email, 5)
    attacker = _from("203.0.113.5")
    # When it keeps trying far past the identity limit
    for _ in range(settings.LOGIN_IDENTITY_MAX_FAILURES + 5):
        assert _sign_in(attacker, tomasz.email, "wrong-guess").status_code == 429
    # Then the refused tries checked nothing and counted nothing: the person is not locked
    assert _sign_in(_from("198.51.100.1"), tomasz.email, PASSWORD).status_code == 302
    assert not mail.outbox


# --- the identity lock, and the e-mailed link that lifts it ---------------------------------


def _lock_everywhere(email: str, first_octet: int = 1) -> None:
    """LOGIN_IDENTITY_MAX_FAILURES (20) failures from four addresses, five each."""
    for n in range(4):
        _fail(f"10.{first_octet}.0.{n + 1}", email, 5)


@pytest.mark.django_db
def test_twenty_failures_across_addresses_lock_the_email_and_the_emailed_link_lifts_it_once(
    tomasz,
):
    # Given twenty failures from four addresses
    _lock_everywhere(tomasz.email)
    # Then the e-mail is locked from a fifth address too, and the person got one link
    person = _from("198.51.100.1")
    response = _sign_in(person, tomasz.email, PASSWORD)
    assert response.status_code == 429
    assert "locked" in _alert(response)
    assert [m.to for m in mail.outbox] == [[tomasz.email]]
    link = _unlock_path(mail.outbox[0])

    # When the person opens the link (a confirmation page) and confirms
    assert person.get(link).status_code == 200
    response = person.post(link)
    assert response.status_code == 302 and response["Location"] == LOGIN
    # Then they sign in
    assert _sign_in(person, tomasz.email, PASSWORD).status_code == 302
    assert person.session["_auth_user_id"] == str(tomasz.pk)

    # And the link works once: after another lock it lifts nothing
    _lock_everywhere(tomasz.email, first_octet=2)
    other = _from("198.51.100.2")
    assert other.get(link).status_code == 400
    assert other.post(link).status_code == 400
    assert _sign_in(other, tomasz.email, PASSWORD).status_code == 429
    # (the new lock sent a new link, and that one works)
    assert len(mail.outbox) == 2
    assert other.post(_unlock_path(mail.outbox[1])).status_code == 302
    assert _sign_in(other, tomasz.email, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_person_who_followed_the_link_is_not_locked_out_again_by_more_guessing(tomasz):
    # Given a lock the person lifted with the e-mailed link
    _lock_everywhere(tomasz.email)
    person = _from("198.51.100.1")
    person.post(_unlock_path(mail.outbox[0]))
    # When the guessers, from new addresses, lock the e-mail again at once
    _lock_everywhere(tomasz.email, first_octet=2)
    assert _sign_in(_from("198.51.100.9"), tomasz.email, PASSWORD).status_code == 429
    # Then the browser that followed the link still signs in
    assert _sign_in(person, tomasz.email, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_locked_page_mails_a_link_on_request_but_not_over_and_over(tomasz):
    # Given the person's own address is locked after five mistakes
    _fail("198.51.100.1", tomasz.email, 5)
    person = _from("198.51.100.1")
    response = _sign_in(person, tomasz.email, PASSWORD)
    assert response.status_code == 429
    assert 'data-testid="unlock-request"' in response.content.decode()
    # When they ask for a link, twice
    unlock_request = reverse("accounts:unlock_request")
    for _ in range(2):
        assert person.post(unlock_request, {"username": tomasz.email}).status_code == 200
    # Then one link arrived, and it lifts their lock
    assert len(mail.outbox) == 1
    assert person.post(_unlock_path(mail.outbox[0])).status_code == 302
    assert _sign_in(person, tomasz.email, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_an_address_that_is_not_locked_cannot_send_links(tomasz):
    response = _from("203.0.113.5").post(
        reverse("accounts:unlock_request"), {"username": tomasz.email}
    )
    assert response.status_code == 200
    assert not mail.outbox


@pytest.mark.django_db
def test_completing_a_password_reset_lifts_the_lock(tomasz):
    # Given a locked e-mail
    _lock_everywhere(tomasz.email)
    mail.outbox.clear()
    # When the person resets the password
    person = _from("198.51.100.1")
    person.post(reverse("accounts:password_reset"), {"email": tomasz.email})
    reset = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert reset
    set_page = person.get(reset.group(1), follow=True)
    new = "a-brand-new-passphrase-9"
    response = person.post(
        set_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    # Then they sign in with it, from anywhere
    assert _sign_in(_from("198.51.100.7"), tomasz.email, new).status_code == 302


def _hostile_sequence(email: str) -> list[tuple[int, str]]:
    """What an attacker sees while locking `email` and asking for an unlock link."""
    seen = []
    for n in range(4):
        client = _from(f"10.9.0.{n + 1}")
        for _ in range(5):
            response = _sign_in(client, email, "wrong-guess")
            seen.append((response.status_code, _alert(response)))
    for address in ("10.9.0.1", "10.9.0.9"):
        response = _sign_in(_from(address), email, "wrong-guess")
        seen.append((response.status_code, _alert(response)))
    response = _from("10.9.0.9").post(reverse("accounts:unlock_request"), {"username": email})
    page = response.content.decode()
    text = re.search(r'<div class="card-body"><p>(.*?)</p>', page, re.S)
    seen.append((response.status_code, text.group(1) if text else page))
    return seen


@pytest.mark.django_db
def test_an_unknown_email_gets_the_same_answers_and_no_mail(tomasz):
    known = _hostile_sequence(tomasz.email)
    SignInCounter.objects.all().delete()  # the same addresses, afresh
    mail.outbox.clear()
    unknown = _hostile_sequence("nobody.here@northwind.example")
    assert unknown == known
    assert [status for status, _text in known][-3:] == [429, 429, 200]
    assert not mail.outbox


@pytest.mark.django_db
def test_one_address_guessing_many_emails_is_refused_for_every_email(tomasz, settings):
    settings.LOGIN_IP_MAX_FAILURES = 8
    sprayer = _from("203.0.113.5")
    for n in range(8):
        assert _sign_in(sprayer, f"someone{n}@northwind.example", "x").status_code == 200
    response = _sign_in(sprayer, tomasz.email, PASSWORD)
    assert response.status_code == 429
    assert "network" in _alert(response)
    assert _sign_in(_from("198.51.100.1"), tomasz.email, PASSWORD).status_code == 302


# --- the client address ---------------------------------------------------------------------


def _request(remote: str, forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post(LOGIN, **extra)


def test_the_forwarded_header_is_ignored_unless_configured(settings):
    settings.PARTNERHUB_TRUSTED_PROXY_HEADER = ""
    assert client_address(_request("192.0.2.10", "203.0.113.9")) == "192.0.2.10"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # the client made up the first entry
        (2, "1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "192.0.2.10"),  # fewer hops than proxies: not believed
        (1, "not-an-address", "not-an-address"),
        (1, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ],
)
def test_the_configured_header_gives_the_address_that_many_proxies_from_the_right(
    settings, count, forwarded, expected
):
    settings.PARTNERHUB_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.PARTNERHUB_TRUSTED_PROXY_COUNT = count
    assert client_address(_request("192.0.2.10", forwarded)) == expected


@pytest.mark.django_db
def test_a_spoofed_forwarded_header_does_not_escape_the_lock_when_not_configured(tomasz):
    attacker = _from("203.0.113.5")
    for n in range(5):
        response = attacker.post(
            LOGIN,
            {"username": tomasz.email, "password": "wrong-guess"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        assert response.status_code == 200
    response = attacker.post(
        LOGIN, {"username": tomasz.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="192.0.2.77"
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_behind_a_configured_proxy_each_client_is_counted_on_its_own(tomasz, settings):
    settings.PARTNERHUB_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.PARTNERHUB_TRUSTED_PROXY_COUNT = 1
    proxy = _from("10.0.0.254")  # every request arrives from the proxy
    for _ in range(5):
        response = proxy.post(
            LOGIN,
            {"username": tomasz.email, "password": "wrong-guess"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
        assert response.status_code == 200
    # The guesser is refused, even when it prepends someone else's address
    refused = proxy.post(
        LOGIN,
        {"username": tomasz.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.8, 203.0.113.7",
    )
    assert refused.status_code == 429
    # The person, through the same proxy, is not
    person = _from("10.0.0.254")
    response = person.post(
        LOGIN, {"username": tomasz.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.8"
    )
    assert response.status_code == 302


# --- the operator's sign-in -----------------------------------------------------------------


@pytest.fixture
def operator(db: Any) -> Any:
    return UserFactory(
        partner=None, email="ops@partnerhub.example", is_staff=True, is_superuser=True
    )


@pytest.mark.django_db
def test_the_operator_sign_in_is_throttled_like_the_people_sign_in(operator):
    attacker = _from("203.0.113.5")
    for _ in range(5):
        response = _sign_in(attacker, operator.email, "wrong-guess", OPERATOR_LOGIN)
        assert response.status_code == 200
    response = _sign_in(attacker, operator.email, PASSWORD, OPERATOR_LOGIN)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert not _signed_in(attacker)
    # The same counter: the people's sign-in is refused there too
    assert _sign_in(attacker, operator.email, PASSWORD).status_code == 429
    # The operator, elsewhere, reaches the admin
    own = _from("198.51.100.1")
    assert 'name="next" value="/operator/"' in own.get(OPERATOR_LOGIN).content.decode()
    response = own.post(
        OPERATOR_LOGIN, {"username": operator.email, "password": PASSWORD, "next": "/operator/"}
    )
    assert response.status_code == 302 and response["Location"] == "/operator/"
    assert own.get("/operator/").status_code == 200


@pytest.mark.django_db
def test_failures_on_the_people_sign_in_count_for_the_operator_sign_in(operator):
    _fail("203.0.113.5", "\uff4fps@partnerhub.example", 5)
    response = _sign_in(_from("203.0.113.5"), operator.email, PASSWORD, OPERATOR_LOGIN)
    assert response.status_code == 429


@pytest.mark.django_db
def test_the_operator_sign_in_page_still_shows_the_admin_form():
    response = Client().get(OPERATOR_LOGIN)
    assert response.status_code == 200
    assert "admin/login.html" in [t.name for t in response.templates]


# --- counted by the database, shared by every worker ----------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`partnerhub serve` (gunicorn, 2 workers) on a fresh SQLite data directory, production
    settings (no PARTNERHUB_TESTING), one person, and an access log naming each worker."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PARTNERHUB_TESTING", "DATABASE_URL", "REDIS_URL", "DEBUG"}
    }
    env.update(
        PARTNERHUB_DATA_DIR=str(tmp_path),
        SECRET_KEY="hostile-signin-test",
        GUNICORN_CMD_ARGS="--access-logformat '%(p)s %(s)s %(m)s %(U)s'",
    )
    cli = str(Path(sys.executable).parent / "partnerhub")
    subprocess.run([cli, "migrate", "-v0"], env=env, check=True, timeout=300)
    subprocess.run(
        [
            cli,
            "shell",
            "-c",
            "from partnerhub.accounts.models import Partner, User;"
            "p=Partner.objects.create(ext_id='P1', name='Northwind');"
            "[User.objects.create_user(e, 'a-long-password-1', partner=p,"
            " role='partner_full_admin')"
            " for e in ('anna@northwind.example', 'jan@northwind.example')]",
        ],
        env=env,
        check=True,
        timeout=120,
    )
    port = _free_port()
    access = tmp_path / "access.log"
    with access.open("w") as out, (tmp_path / "server.log").open("w") as err:
        server = subprocess.Popen(
            [cli, "serve", "--port", str(port), "--workers", "2", "--no-scheduler"],
            env=env,
            stdout=out,
            stderr=err,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + LOGIN, timeout=2)
                    break
                except OSError:
                    assert time.monotonic() < deadline, "partnerhub serve did not start"
                    assert server.poll() is None, "partnerhub serve exited"
                    time.sleep(0.2)
            yield base, access
        finally:
            server.terminate()
            server.wait(15)


class Browser:
    """A cookie-keeping HTTP client that signs in through the real form (one connection per
    request, so gunicorn hands requests to either worker)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = self.opener.open(base + LOGIN, timeout=15).read().decode()
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found
        self.csrf = found.group(1)

    def sign_in(self, email: str, password: str) -> int:
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": self.csrf, "username": email, "password": password}
        ).encode()
        request = urllib.request.Request(
            self.base + LOGIN, data=data, headers={"Referer": self.base + LOGIN}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


def _workers_that_answered(access: Path, status: int) -> set[str]:
    pids = set()
    for line in access.read_text().splitlines():
        parts = line.strip("'").split()
        if len(parts) == 4 and parts[1] == str(status) and parts[2] == "POST":
            pids.add(parts[0])
    return pids


def test_every_worker_refuses_the_sixth_attempt(served):
    base, access = served
    browser = Browser(base)
    # Given five wrong passwords (urllib follows no redirect on 200: each is the form again)
    assert [browser.sign_in("anna@northwind.example", "wrong") for _ in range(5)] == [200] * 5
    # When the sixth and later attempts come, with the right password, to either worker
    answers = []
    for _ in range(15):
        with ThreadPoolExecutor(4) as pool:
            answers += list(
                pool.map(
                    lambda _n: browser.sign_in("anna@northwind.example", "a-long-password-1"),
                    range(4),
                )
            )
        if len(_workers_that_answered(access, 429)) >= 2:
            break
    # Then every one is refused, by both workers: they share one counter
    assert set(answers) == {429}, answers
    assert len(_workers_that_answered(access, 429)) == 2, access.read_text()


def test_parallel_guesses_cannot_slip_past_the_limit(served):
    base, _access = served
    browser = Browser(base)
    with ThreadPoolExecutor(12) as pool:
        answers = list(
            pool.map(lambda _n: browser.sign_in("jan@northwind.example", "x"), range(12))
        )
    # At most five guesses had their password checked; the rest were refused unchecked
    assert answers.count(200) <= 5 and answers.count(429) >= 7, answers
    assert set(answers) <= {200, 429}, answers
    assert browser.sign_in("jan@northwind.example", "a-long-password-1") == 429


# --- deactivation ends sessions and tokens --------------------------------------------------


@pytest.mark.django_db
def test_a_deactivated_then_reactivated_person_does_not_get_an_old_session_back(people):
    actor, person = people[Role.PARTNER_FULL_ADMIN], people[Role.SALES_FULL_ADMIN]
    client = Client()
    assert _sign_in(client, person.email, PASSWORD).status_code == 302
    actors_client = Client()
    actors_client.force_login(actor)
    customers = reverse("customers:list")
    assert client.get(customers).status_code == 200
    # When an administrator deactivates the person and later reactivates them
    person = person_set_active(actor=actor, person=person, active=False)
    person = person_set_active(actor=actor, person=person, active=True)
    # Then the old session is gone; the administrator's own is not
    response = client.get(customers)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert actors_client.get(customers).status_code == 200
    # And the person signs in afresh
    assert _sign_in(client, person.email, PASSWORD).status_code == 302
    assert client.get(customers).status_code == 200


@pytest.mark.django_db
def test_a_deactivated_persons_api_tokens_stop_working_and_stay_revoked(people, api_client):
    actor, person = people[Role.PARTNER_FULL_ADMIN], people[Role.SALES_FULL_ADMIN]
    api = api_client(person)
    assert api.get("/api/v1/me").status_code == 200
    person = person_set_active(actor=actor, person=person, active=False)
    assert api.get("/api/v1/me").status_code == 401
    person = person_set_active(actor=actor, person=person, active=True)
    assert api.get("/api/v1/me").status_code == 401
    assert not ApiToken.objects.filter(user=person, revoked_at=None).exists()


@pytest.mark.django_db
def test_deactivating_in_the_operator_admin_ends_the_persons_sessions(people, operator):
    person = people[Role.SALES_FULL_ADMIN]
    client = Client()
    client.force_login(person)
    ops = Client()
    ops.force_login(operator)
    # When the operator unticks "active" on the person's admin page
    response = ops.post(
        f"/operator/accounts/user/{person.pk}/change/",
        {
            "email": person.email,
            "name": person.name,
            "partner": person.partner_id,
            "role": person.role,
            "digest": person.digest,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert not person.is_active
    person.is_active = True
    person.save(update_fields=["is_active"])
    # Then the person's old session does not come back with reactivation
    assert client.get(reverse("customers:list")).status_code == 302


# --- passwords like the person --------------------------------------------------------------


@pytest.mark.django_db
def test_the_set_password_command_refuses_a_password_like_the_email(tomasz, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("tomasz.nowak@northwind\n"))
    with pytest.raises(CommandError, match="too similar"):
        call_command("set_password", tomasz.email, stdout=io.StringIO())
    tomasz.refresh_from_db()
    assert tomasz.check_password(PASSWORD)


@pytest.mark.django_db
def test_a_person_cannot_change_their_password_to_their_name(tomasz):
    client = Client()
    client.force_login(tomasz)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "TomaszNowak",
            "new_password2": "TomaszNowak",
        },
    )
    assert response.status_code == 200
    assert "too similar" in response.content.decode()
    tomasz.refresh_from_db()
    assert tomasz.check_password(PASSWORD)
