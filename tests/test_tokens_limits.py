"""API tokens with limits (issue 18, item 5) and the password checks (item 6).

A token expires (default 90 days, at most 365), may be read-only (every write answers 403) and
may be limited to client addresses; its person is e-mailed once before it expires, and its first
use of a UTC day sends `accounts.signals.token_used`. Passwords may also be checked against an
offline list of breached passwords.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import io
import re
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnerhub.accounts.models import ApiToken
from partnerhub.accounts.services import (
    _token_first_use_today,
    token_create,
    token_networks,
    tokens_expiry_notify,
)
from partnerhub.accounts.signals import token_used
from partnerhub.alerts.tasks import token_expiry_notices_task
from partnerhub.api.api import api
from partnerhub.core import clock
from partnerhub.core.choices import Role
from partnerhub.core.validation import BreachedPasswordValidator, breached_count
from partnerhub.customers.models import Customer
from tests.ingest_factories import jsonl, table_counts

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def bearer(raw: str, **extra: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`at(moment)` sets the wall clock the token checks read."""

    def set_now(moment: dt.datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    set_now(T0)
    return set_now


# --- Creation and its checks ------------------------------------------------------------------


def test_a_new_token_lasts_90_days_unless_told_and_at_most_a_year(full_admin, at):
    token, _raw = token_create(user=full_admin, name="default")
    assert token.expires_at == T0 + dt.timedelta(days=90)
    assert token.read_only is False and token.allowed_ips == []
    token, _raw = token_create(user=full_admin, name="year", expires_in=365)
    assert token.expires_at == T0 + dt.timedelta(days=365)
    token, _raw = token_create(user=full_admin, name="day", expires_in=1)
    assert token.expires_at == T0 + dt.timedelta(days=1)


@pytest.mark.parametrize("days", [0, -5, 366, 10_000, "30", 1.5, True])
def test_an_expiry_outside_1_to_365_days_names_the_field_and_writes_nothing(full_admin, days):
    with pytest.raises(ValidationError) as error:
        token_create(user=full_admin, name="x", expires_in=days)
    assert list(error.value.message_dict) == ["expires_in"]
    assert "365" in error.value.message_dict["expires_in"][0]
    assert not ApiToken.objects.exists()


def test_the_allow_list_parses_addresses_and_networks_and_names_each_bad_one(full_admin):
    assert token_networks("203.0.113.7\n10.0.0.0/8, 2001:db8::/32  10.0.0.0/8") == [
        "203.0.113.7/32",
        "10.0.0.0/8",
        "2001:db8::/32",
    ]
    with pytest.raises(ValidationError) as error:
        token_create(
            user=full_admin,
            name="x",
            expires_in=0,
            allowed_ips=["10.0.0.1/8", "example.com", "10.0.0.0/33"],
        )
    errors = error.value.message_dict
    assert set(errors) == {"expires_in", "allowed_ips"}
    assert len(errors["allowed_ips"]) == 3
    assert "10.0.0.0/8" in errors["allowed_ips"][0]  # "did you mean"
    assert "example.com" in errors["allowed_ips"][1]
    assert not ApiToken.objects.exists()


def test_an_allow_list_holds_at_most_50_entries(full_admin):
    with pytest.raises(ValidationError) as error:
        token_create(user=full_admin, allowed_ips=[f"10.0.0.{i}" for i in range(51)])
    assert "allowed_ips" in error.value.message_dict
    assert not ApiToken.objects.exists()


# --- Expiry and revocation --------------------------------------------------------------------


def test_a_token_works_until_the_second_it_expires(full_admin, at):
    token, raw = token_create(user=full_admin, name="edge", expires_in=30)
    client = bearer(raw)
    at(token.expires_at - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me").status_code == 200
    at(token.expires_at)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert token.expires_at.strftime("%Y-%m-%d") in response.json()["detail"]
    # writes are refused too
    assert (
        client.post("/api/v1/users", {"email": "a@b.example"}, "application/json").status_code
        == 401
    )


def test_a_revoked_or_unknown_token_answers_401_saying_why(full_admin):
    token, raw = token_create(user=full_admin, name="gone")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    response = bearer(raw).get("/api/v1/me")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    response = bearer("ph_not-a-token").get("/api/v1/me")
    assert response.status_code == 401 and "Bearer" in response.json()["detail"]


def _migration() -> Any:
    return importlib.import_module("partnerhub.accounts.migrations.0005_api_token_limits")


def test_a_token_of_before_the_migration_keeps_working_90_days_from_the_migration(full_admin):
    # A token made 200 days before the migration: counted from its creation it would stop at
    # once; it keeps working until 90 days after the migration instead.
    token, _raw = token_create(user=full_admin, name="old")
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    )
    before = dt.datetime.now(dt.UTC)
    _migration().expire_from_the_migration(django_apps, None)
    after = dt.datetime.now(dt.UTC)
    token.refresh_from_db()
    assert before + dt.timedelta(days=90) <= token.expires_at <= after + dt.timedelta(days=90)


def test_the_migration_fills_the_expiry_before_it_becomes_required():
    operations = _migration().Migration.operations
    kinds = [(type(op).__name__, getattr(op, "name", None)) for op in operations]
    add = kinds.index(("AddField", "expires_at"))
    run = next(i for i, (kind, _name) in enumerate(kinds) if kind == "RunPython")
    alter = kinds.index(("AlterField", "expires_at"))
    assert add < run < alter
    assert operations[add].field.null is True and operations[alter].field.null is False


# --- Read-only tokens -------------------------------------------------------------------------


def _write_operations() -> list[tuple[str, str]]:
    """Every operation of the API that is not a read, its path parameters filled with "1"."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method.upper() in {"GET", "HEAD", "OPTIONS"} or not operation.get("security"):
                continue
            found.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return found


def test_a_read_only_token_reads_but_every_write_answers_403_and_writes_nothing(full_admin):
    _token, raw = token_create(user=full_admin, name="reader", read_only=True)
    client = bearer(raw)
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/customers").status_code == 200
    writes = _write_operations()
    assert ("post", "/api/v1/ingest") in writes and len(writes) > 20
    before = table_counts()
    for method, path in writes:
        response = getattr(client, method)(path, data=b"{}", content_type="application/json")
        assert response.status_code == 403, (method, path, response.status_code)
        assert "read-only" in response.json()["detail"], (method, path)
    assert table_counts() == before


def test_a_read_only_token_cannot_ingest_but_a_full_one_can(full_admin, partner):
    lines = jsonl(
        [
            {
                "kind": "customer",
                "id": "C-RO",
                "partner": partner.ext_id,
                "name": "Ro",
                "created": "2026-03-01",
            }
        ]
    )
    _token, reader = token_create(user=full_admin, name="reader", read_only=True)
    response = bearer(reader).post("/api/v1/ingest", lines, "application/x-ndjson")
    assert response.status_code == 403
    assert not Customer.objects.filter(ext_id="C-RO").exists()
    _token, writer = token_create(user=full_admin, name="writer")
    response = bearer(writer).post("/api/v1/ingest", lines, "application/x-ndjson")
    assert response.status_code == 200
    assert Customer.objects.filter(ext_id="C-RO").exists()


# --- Allowed addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allowed", "address", "status"),
    [
        (["10.0.0.0/8"], "10.200.3.4", 200),
        (["10.0.0.0/8"], "11.0.0.1", 403),
        (["203.0.113.7"], "203.0.113.7", 200),
        (["203.0.113.7"], "203.0.113.8", 403),
        (["203.0.113.0/24", "2001:db8::/48"], "2001:db8:0:1::5", 200),
        (["2001:db8::1"], "2001:db8::2", 403),
        (["203.0.113.7"], "::ffff:203.0.113.7", 200),
        ([], "198.51.100.1", 200),
    ],
)
def test_the_allow_list_admits_only_its_addresses(full_admin, allowed, address, status):
    token, raw = token_create(user=full_admin, name="ci", allowed_ips=allowed)
    response = bearer(raw).get("/api/v1/me", REMOTE_ADDR=address)
    assert response.status_code == status
    if status == 403:
        assert address in response.json()["detail"]
        token.refresh_from_db()
        assert token.last_used_at is None  # a refused request is no use


def test_behind_a_trusted_proxy_the_allow_list_checks_the_forwarded_client(full_admin, settings):
    settings.PARTNERHUB_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.PARTNERHUB_TRUSTED_PROXY_COUNT = 1
    _token, raw = token_create(user=full_admin, name="ci", allowed_ips=["192.0.2.0/24"])
    client = bearer(raw)
    ok = client.get("/api/v1/me", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.9")
    assert ok.status_code == 200
    # a client cannot choose its address: only the proxy's (rightmost) entry counts
    spoofed = client.get(
        "/api/v1/me", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.9, 198.51.100.4"
    )
    assert spoofed.status_code == 403


# --- First use of the day ---------------------------------------------------------------------


def test_token_used_is_sent_on_the_first_use_of_each_utc_day_only(full_admin, at):
    heard: list[dict[str, Any]] = []

    def listen(sender: Any, **kwargs: Any) -> None:
        heard.append(kwargs)

    token_used.connect(listen)
    try:
        token, raw = token_create(user=full_admin, name="daily")
        client = bearer(raw)
        at(T0)
        for _ in range(3):
            assert client.get("/api/v1/me").status_code == 200
        assert len(heard) == 1
        assert heard[0]["token"].pk == token.pk and heard[0]["request"].path == "/api/v1/me"
        at(T0 + dt.timedelta(hours=11, minutes=59))  # 23:59 the same day
        client.get("/api/v1/me")
        assert len(heard) == 1
        at(dt.datetime(2026, 11, 27, 0, 0, 1, tzinfo=dt.UTC))
        client.get("/api/v1/me")
        client.get("/api/v1/me")
        assert len(heard) == 2
        token.refresh_from_db()
        assert token.last_used_at == dt.datetime(2026, 11, 27, 0, 0, 1, tzinfo=dt.UTC)
    finally:
        token_used.disconnect(listen)


def test_the_first_use_of_a_day_is_claimed_once_whoever_asks(full_admin):
    token, _raw = token_create(user=full_admin, name="race")
    assert _token_first_use_today(token.pk, T0) is True
    assert _token_first_use_today(token.pk, T0 + dt.timedelta(seconds=1)) is False
    assert _token_first_use_today(token.pk, T0 + dt.timedelta(days=1)) is True


def test_a_refused_request_sends_no_token_used(full_admin, at):
    heard: list[Any] = []

    def listen(sender: Any, **kwargs: Any) -> None:
        heard.append(kwargs)

    token_used.connect(listen)
    try:
        _token, raw = token_create(user=full_admin, name="ro", read_only=True)
        bearer(raw).post("/api/v1/users", {"email": "a@b.example"}, "application/json")
        _token, raw = token_create(user=full_admin, name="ip", allowed_ips=["192.0.2.1"])
        bearer(raw).get("/api/v1/me", REMOTE_ADDR="192.0.2.2")
        assert heard == []
    finally:
        token_used.disconnect(listen)


# --- The notice before expiry -----------------------------------------------------------------


def test_a_token_nearing_expiry_is_mailed_to_its_person_once(full_admin, people, mailoutbox, at):
    soon, _raw = token_create(user=full_admin, name="CRM sync", expires_in=90)
    also, _raw = token_create(user=full_admin, name="Backup", expires_in=95)
    later, _raw = token_create(user=full_admin, name="later", expires_in=200)
    short, _raw = token_create(user=full_admin, name="one-off", expires_in=7)
    revoked, _raw = token_create(user=full_admin, name="revoked", expires_in=90)
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=T0)
    other, _raw = token_create(user=people[Role.SALES_ADMIN], name="theirs", expires_in=90)
    at(T0 + dt.timedelta(days=82))  # 8 days before `soon` expires, 13 before `also`

    assert tokens_expiry_notify() == 2
    assert tokens_expiry_notify() == 0
    assert token_expiry_notices_task.call() == {"sent": 0}
    by_person = {m.to[0]: m for m in mailoutbox}
    assert set(by_person) == {full_admin.email, people[Role.SALES_ADMIN].email}
    mine = by_person[full_admin.email]
    assert "CRM sync" in mine.body and "Backup" in mine.body and soon.prefix in mine.body
    assert "later" not in mine.body and "one-off" not in mine.body and "revoked" not in mine.body
    assert "/accounts/tokens/" in mine.body and "expire" in mine.subject
    assert "&amp;" not in mine.body
    notified = set(ApiToken.objects.exclude(expiry_notified_at=None).values_list("pk", flat=True))
    assert notified == {soon.pk, also.pk, other.pk}
    assert later.expiry_notified_at is None and short.expiry_notified_at is None


def test_an_expiry_notice_that_could_not_be_sent_is_tried_again(
    full_admin, mailoutbox, at, monkeypatch
):
    token, _raw = token_create(user=full_admin, name="CRM sync")
    at(T0 + dt.timedelta(days=80))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("mail server down")

    monkeypatch.setattr("partnerhub.accounts.services.send_mail", broken)
    assert tokens_expiry_notify() == 0
    token.refresh_from_db()
    assert token.expiry_notified_at is None
    monkeypatch.undo()
    at(T0 + dt.timedelta(days=81))
    assert tokens_expiry_notify() == 1
    assert len(mailoutbox) == 1


# --- The tokens page --------------------------------------------------------------------------


def test_the_tokens_page_creates_a_limited_token_and_lists_its_limits(full_admin, at):
    client = Client()
    client.force_login(full_admin)
    response = client.post(
        reverse("accounts:tokens"),
        {
            "name": "Reporting",
            "expires_in": "30",
            "read_only": "on",
            "allowed_ips": "203.0.113.7\n10.0.0.0/8",
        },
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=full_admin)
    assert token.read_only and token.allowed_ips == ["203.0.113.7/32", "10.0.0.0/8"]
    assert token.expires_at == T0 + dt.timedelta(days=30)
    html = response.content.decode()
    assert "read-only" in html and "10.0.0.0/8" in html and "203.0.113.7/32" in html


def test_the_tokens_page_names_the_bad_field_and_creates_nothing(full_admin):
    client = Client()
    client.force_login(full_admin)
    for data, field in [
        ({"name": "x", "expires_in": "366"}, "expires_in"),
        ({"name": "x", "expires_in": "0"}, "expires_in"),
        ({"name": "x", "allowed_ips": "10.0.0.300"}, "allowed_ips"),
    ]:
        html = client.post(reverse("accounts:tokens"), data).content.decode()
        assert f'data-field="{field}"' in html, data
    assert not ApiToken.objects.exists()


def test_the_tokens_page_marks_an_expired_token(full_admin):
    token, _raw = token_create(user=full_admin, name="old", expires_in=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    client = Client()
    client.force_login(full_admin)
    html = client.get(reverse("accounts:tokens")).content.decode()
    assert "expired" in html
    assert reverse("accounts:token_revoke", args=[token.pk]) not in html


# --- The command line -------------------------------------------------------------------------


def test_the_token_command_takes_the_limits(full_admin, at):
    out = io.StringIO()
    call_command(
        "token",
        "create",
        full_admin.email,
        "--name",
        "ci",
        "--read-only",
        "--expires-in",
        "30",
        "--allow-ip",
        "192.0.2.0/24",
        "--allow-ip",
        "203.0.113.7",
        stdout=out,
    )
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(digest=ApiToken.hash(raw))
    assert token.name == "ci" and token.read_only
    assert token.expires_at == T0 + dt.timedelta(days=30)
    assert token.allowed_ips == ["192.0.2.0/24", "203.0.113.7/32"]


def test_the_token_command_defaults_to_90_days_read_and_write(full_admin, at):
    out = io.StringIO()
    call_command("token", "create", full_admin.email, stdout=out)
    token = ApiToken.objects.get(user=full_admin)
    assert token.expires_at == T0 + dt.timedelta(days=90) and not token.read_only


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--expires-in", "0"], "--expires-in"),
        (["--expires-in", "366"], "--expires-in"),
        (["--expires-in", "soon"], "--expires-in"),
        (["--allow-ip", "10.0.0.1/8"], "--allow-ip"),
    ],
)
def test_the_token_command_names_a_bad_option_and_creates_nothing(full_admin, args, named):
    with pytest.raises(CommandError, match=re.escape(named)):
        call_command("token", "create", full_admin.email, *args, stdout=io.StringIO())
    assert not ApiToken.objects.exists()


# --- Passwords --------------------------------------------------------------------------------


def _sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


@pytest.fixture
def breached_file(tmp_path: Any) -> Any:
    words = [f"filler-{i}" for i in range(500)] + ["correct horse battery staple", "Tr0ub4dor&3"]
    lines = sorted(f"{_sha1(w)}:{i + 1}" for i, w in enumerate(words))
    path = tmp_path / "pwned.txt"
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def test_the_breached_list_is_searched_without_reading_it_whole(breached_file):
    for i in range(500):
        assert breached_count(str(breached_file), _sha1(f"filler-{i}")) == i + 1
        assert breached_count(str(breached_file), _sha1(f"absent-{i}")) == 0
    assert breached_count(str(breached_file), "0" * 40) == 0
    assert breached_count(str(breached_file), "F" * 40) == 0
    assert breached_count(str(breached_file), _sha1("Tr0ub4dor&3").lower()) == 502


def test_a_breached_password_is_refused_when_a_list_is_named(breached_file, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "partnerhub.core.validation.BreachedPasswordValidator"}
    ]
    validate_password("correct horse battery staple")  # no list named: off
    settings.PASSWORD_BREACHED_FILE = str(breached_file)
    with pytest.raises(ValidationError) as error:
        validate_password("correct horse battery staple")
    assert error.value.error_list[0].code == "password_breached"
    validate_password("a long and unlisted passphrase")


def test_a_named_breached_list_that_cannot_be_read_is_a_configuration_error(tmp_path):
    validator = BreachedPasswordValidator(path=tmp_path / "missing.txt")
    with pytest.raises(ImproperlyConfigured, match="PASSWORD_BREACHED_FILE"):
        validator.validate("anything at all")


def test_the_common_numeric_and_personal_password_checks_are_on(full_admin):
    names = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ):
        assert name in names
    for bad in ("password123", "12345678901234", "short"):
        with pytest.raises(ValidationError):
            validate_password(bad, full_admin)
    with pytest.raises(ValidationError):
        validate_password(full_admin.email, full_admin)
