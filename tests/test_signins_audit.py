"""The sign-in audit (issue 18, item 4): what is recorded, who sees it (page, CSV, API),
retention, and the new-device e-mail."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from partnerhub.accounts.models import ApiToken
from partnerhub.accounts.services import token_create
from partnerhub.accounts.signals import token_used
from partnerhub.core import clock
from partnerhub.core.choices import Role
from partnerhub.signins.models import Method, Outcome, SignIn, UserSession
from partnerhub.signins.services import sign_in_record, sign_ins_prune
from partnerhub.signins.tasks import sign_ins_prune_task
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.test_signins_sessions import CHROME, FIREFOX, LOGIN, signed_in

PAGE = "/security/sign-ins/"


def attempt(email: str, password: str, agent: str = FIREFOX, ip: str = "203.0.113.5") -> Any:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    return client.post(LOGIN, {"username": email, "password": password})


def test_a_sign_in_is_recorded_with_time_ip_user_agent_method_and_outcome(full_admin: Any):
    before = clock.now()
    attempt(full_admin.email, PASSWORD, ip="198.51.100.20")
    row = SignIn.objects.get()
    assert (row.user, row.partner, row.email) == (full_admin, full_admin.partner, full_admin.email)
    assert (row.method, row.outcome) == (Method.PASSWORD, Outcome.SUCCEEDED)
    assert row.ip == "198.51.100.20" and row.network == "198.51.100.0/24"
    assert row.user_agent == FIREFOX and row.device == "Firefox · Linux"
    assert before <= row.at <= clock.now()
    assert UserSession.objects.get(user=full_admin).ip == "198.51.100.20"


def test_a_failed_sign_in_is_recorded_without_telling_whether_the_e_mail_exists(full_admin):
    known = attempt(full_admin.email, "wrong-password")
    unknown = attempt("nobody@nowhere.example", "wrong-password")
    assert known.status_code == unknown.status_code == 200

    def page(response: Any, email: str) -> str:
        html = response.content.decode().replace(email, "X")
        return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html)  # the CSRF tokens

    assert page(known, full_admin.email) == page(unknown, "nobody@nowhere.example")
    mine, nobody = SignIn.objects.order_by("pk")
    assert (mine.user, mine.partner, mine.outcome) == (full_admin, full_admin.partner, "failed")
    assert mine.ip == "203.0.113.5" and mine.user_agent == FIREFOX
    # the unknown e-mail belongs to no partner, and is not kept
    assert (nobody.user, nobody.partner, nobody.email, nobody.outcome) == (None, None, "", "failed")
    assert nobody.ip == "203.0.113.5"


def test_each_api_token_use_of_a_day_is_recorded(full_admin: Any) -> None:
    token, _raw = token_create(user=full_admin, name="CRM")
    request = RequestFactory().get(
        "/api/v1/me", REMOTE_ADDR="192.0.2.9", HTTP_USER_AGENT="python-requests/2.31"
    )
    token_used.send(sender=ApiToken, token=token, request=request)
    row = SignIn.objects.get()
    assert (row.method, row.outcome, row.user) == (Method.TOKEN, Outcome.SUCCEEDED, full_admin)
    assert (row.ip, row.device) == ("192.0.2.9", "python-requests")


def test_a_password_reset_is_recorded_and_ends_every_session(full_admin: Any) -> None:
    browser = signed_in(full_admin)
    full_admin.refresh_from_db()  # the link's token covers the last sign-in
    uid = urlsafe_base64_encode(force_bytes(full_admin.pk))
    token = default_token_generator.make_token(full_admin)
    client = Client(HTTP_USER_AGENT=CHROME, REMOTE_ADDR="192.0.2.44")
    form = client.get(f"/accounts/password/reset/{uid}/{token}/", follow=True)
    new = "an0ther-Pass-word"
    response = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    row = SignIn.objects.get(method=Method.PASSWORD_RESET)
    assert (row.user, row.outcome, row.ip, row.user_agent) == (
        full_admin,
        Outcome.SUCCEEDED,
        "192.0.2.44",
        CHROME,
    )
    assert browser.get("/security/sessions/").status_code == 302
    assert UserSession.objects.get(user=full_admin).end_reason == "password"


@pytest.mark.parametrize("method", [Method.SSO, Method.SECOND_STEP])
def test_the_methods_still_to_come_can_be_recorded_and_shown(full_admin: Any, method: str):
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT=CHROME)
    sign_in_record(request=request, method=method, outcome=Outcome.FAILED, user=full_admin)
    html = signed_in(full_admin).get(PAGE, {"method": method}).content.decode()
    assert html.count('data-testid="sign-in"') == 1
    assert str(Method(method).label) in html


def _rows(partner_person: Any, n: int, **fields: Any) -> None:
    values = {
        "user": partner_person,
        "partner_id": partner_person.partner_id,
        "email": partner_person.email,
        "method": Method.PASSWORD,
        "outcome": Outcome.SUCCEEDED,
        "ip": "203.0.113.1",
        **fields,
    }
    SignIn.objects.bulk_create(SignIn(**values) for _ in range(n))


def test_the_audit_page_shows_the_partner_s_sign_ins_only(full_admin: Any, stranger: Any):
    _rows(stranger, 3)
    attempt(full_admin.email, "wrong")
    client = signed_in(full_admin)
    html = client.get(PAGE).content.decode()
    assert html.count('data-testid="sign-in"') == 2
    assert stranger.email not in html
    api = client.get("/api/v1/sign-ins").json()
    assert api["count"] == 2 and {i["email"] for i in api["items"]} == {full_admin.email}
    csv = b"".join(client.get(PAGE + "export/").streaming_content).decode()
    assert full_admin.email in csv and stranger.email not in csv and len(csv.splitlines()) == 3


def test_the_audit_page_filters_by_person_method_outcome_and_dates(
    full_admin: Any, people: Any
) -> None:
    sales = people[Role.SALES_ADMIN]
    _rows(sales, 2, at=dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC))
    _rows(sales, 1, at=dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC), outcome=Outcome.FAILED)
    client = signed_in(full_admin)

    def count(**params: Any) -> int:
        page = client.get(PAGE, params).content.decode().count('data-testid="sign-in"')
        api = client.get("/api/v1/sign-ins", params).json()["count"]
        assert page == api
        return page

    assert count() == 4
    assert count(person=sales.email) == 3
    assert count(person=sales.name) == 3
    assert count(outcome="failed") == 1
    assert count(method="token") == 0
    assert count(since="2026-01-10", until="2026-01-10") == 2
    assert count(since="2026-02-01", person="sales") == 1
    assert client.get("/api/v1/sign-ins", {"method": "nonsense"}).status_code == 422
    assert client.get("/api/v1/sign-ins", {"page_size": 0}).status_code == 422
    csv = b"".join(client.get(PAGE + "export/", {"outcome": "failed"}).streaming_content)
    assert len(csv.decode().splitlines()) == 2


def test_the_audit_page_has_an_empty_state(full_admin: Any) -> None:
    client = Client()
    client.force_login(full_admin)
    SignIn.objects.all().delete()
    html = client.get(PAGE).content.decode()
    assert "No sign-ins match." in html


@pytest.mark.parametrize("role", list(Role))
def test_only_partner_full_administrators_see_the_sign_in_audit(
    partner: Any, role: Role, api_client: Any
) -> None:
    person = UserFactory(partner=partner, role=role)
    client = signed_in(person)
    expected = 200 if role == Role.PARTNER_FULL_ADMIN else 403
    assert client.get(PAGE).status_code == expected
    assert client.get(PAGE + "export/").status_code == expected
    if role != Role.USER:  # no role, no token
        assert api_client(person).get("/api/v1/sign-ins").status_code == expected


def test_the_audit_page_takes_the_same_queries_for_3_or_30_sign_ins(full_admin: Any) -> None:
    client = signed_in(full_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE).status_code == 200
        return len(ctx.captured_queries)

    _rows(full_admin, 2)
    few = count()
    _rows(full_admin, 27)
    assert count() == few
    assert few <= 6


def test_sign_ins_are_kept_for_the_retention_days(full_admin: Any, settings: Any) -> None:
    settings.SIGN_IN_RETENTION_DAYS = 30
    now = clock.now()
    _rows(full_admin, 1, at=now - dt.timedelta(days=30, seconds=-60))
    _rows(full_admin, 1, at=now - dt.timedelta(days=30, seconds=60))
    UserSession.objects.create(
        user=full_admin, session_key="x", ended_at=now - dt.timedelta(days=31)
    )
    UserSession.objects.create(user=full_admin, session_key="y")
    assert sign_ins_prune(now=now) == {"sign_ins": 1, "sessions": 1}
    assert SignIn.objects.count() == 1 and UserSession.objects.get().session_key == "y"
    assert sign_ins_prune_task.enqueue().return_value == {"sign_ins": 0, "sessions": 0}


def test_a_sign_in_from_a_new_device_is_e_mailed_to_the_person(full_admin: Any) -> None:
    attempt(full_admin.email, PASSWORD, FIREFOX, "203.0.113.5")
    assert mail.outbox == []  # the first sign-in ever: nothing to compare with
    attempt(full_admin.email, PASSWORD, FIREFOX, "198.51.100.9")  # same browser elsewhere
    attempt(full_admin.email, PASSWORD, FIREFOX + " extra", "203.0.113.77")  # same kind, network
    attempt(full_admin.email, "wrong", CHROME, "192.0.2.1")  # a failure is no sign-in
    assert mail.outbox == []
    attempt(full_admin.email, PASSWORD, CHROME, "192.0.2.1")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [full_admin.email]
    assert "new device" in message.subject
    assert "Chrome · Windows" in message.body and "192.0.2.1" in message.body
    assert "/security/sessions/" in message.body
    attempt(full_admin.email, PASSWORD, CHROME, "192.0.2.1")
    assert len(mail.outbox) == 1


def test_the_new_device_e_mail_speaks_the_person_s_language(full_admin: Any) -> None:
    from django.utils import translation

    full_admin.language = "pl"
    full_admin.save(update_fields=["language"])
    seen: list[str] = []
    original = translation.override

    attempt(full_admin.email, PASSWORD, FIREFOX)
    import partnerhub.signins.services as services

    def spy(person: Any, fallback: Any = None) -> Any:
        seen.append(person.language)
        return original(person.language or fallback)

    services.speaking_to, saved = spy, services.speaking_to  # type: ignore[assignment]
    try:
        attempt(full_admin.email, PASSWORD, CHROME)
    finally:
        services.speaking_to = saved  # type: ignore[assignment]
    assert seen == ["pl"] and len(mail.outbox) == 1


def test_a_real_api_call_with_a_token_records_its_first_use_of_the_day_once(
    full_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _token, raw = token_create(user=full_admin, name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_USER_AGENT="curl/8.5")

    with django_capture_on_commit_callbacks(execute=True):
        assert client.get("/api/v1/me").status_code == 200
        assert client.get("/api/v1/me").status_code == 200

    (row,) = SignIn.objects.filter(method=Method.TOKEN)
    assert (row.user, row.outcome, row.user_agent) == (full_admin, Outcome.SUCCEEDED, "curl/8.5")
    assert row.partner_id == full_admin.partner_id


def test_a_sign_in_refused_by_the_throttle_is_audited_as_failed(full_admin: Any, settings: Any):
    settings.LOGIN_MAX_FAILURES = 2
    statuses = [attempt(full_admin.email, "wrong-password").status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    rows = SignIn.objects.filter(user=full_admin)
    assert rows.count() == 4
    assert set(rows.values_list("method", "outcome")) == {(Method.PASSWORD, Outcome.FAILED)}
