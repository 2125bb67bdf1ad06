"""Hostile `POST /api/v1/ingest` bodies and API answers (security review, issue 13 points 2, 3, 12).

A body cannot exhaust the server (size limits answer 413 JSON at once, large bodies become
background jobs), parsing never holds SQLite's write lock, a partner cannot attach its customers
to another partner's staff (nor learn which e-mails they have), and the API answers JSON 413 / 401
where Django or the CSRF check answered HTML 400 / 403.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from partnerhub.accounts.models import ApiToken
from partnerhub.accounts.services import token_create, token_revoke
from partnerhub.core.choices import Role
from partnerhub.customers.models import Customer, ExternalAdmin
from partnerhub.ingest import reader
from partnerhub.ingest.spool import work_dir
from partnerhub.jobs.models import Job
from partnerhub.tags.models import Tag
from tests.factories import CustomerFactory, PartnerFactory, UserFactory
from tests.ingest_factories import jsonl, table_counts

pytestmark = pytest.mark.django_db
URL = "/api/v1/ingest"
MB = 1 << 20


def post(client: Client, body: bytes, **extra: Any) -> Any:
    return client.post(URL, data=body, content_type="application/x-ndjson", **extra)


def counts_but_tokens() -> dict[str, int]:
    """Every table's rows except API tokens (each test client makes one)."""
    counts = table_counts()
    counts.pop("accounts.ApiToken")
    return counts


def gzip_of_newlines(total: int, tail: bytes = b"") -> bytes:
    """`total` newlines (and `tail`) gzipped, built in pieces (never `total` bytes at once)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\n" * (16 * MB)
    parts = [packer.compress(block) for _ in range(total // len(block))]
    parts += [packer.compress(b"\n" * (total % len(block)) + tail), packer.flush()]
    return b"".join(parts)


def own_lines(partner: Any) -> list[dict[str, Any]]:
    """A new customer of `partner` with a user and a call."""
    return [
        {
            "kind": "customer",
            "id": "C-HOST",
            "partner": partner.ext_id,
            "name": "Tailspin",
            "created": "2026-03-01",
        },
        {"kind": "user", "id": "U-HOST", "customer": "C-HOST", "email": "kim@tailspin.example"},
        {
            "kind": "call",
            "id": "K-HOST",
            "customer": "C-HOST",
            "user": "U-HOST",
            "start": "2026-11-24T12:00:00Z",
            "duration_s": 60,
            "endpoint": "webex_app_desktop",
        },
    ]


EXPECTED = {"lines": 3, "counts": {"call": 1, "customer": 1, "user": 1}}


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    """Bodies and spools of these tests go to a directory of their own."""
    settings.DATA_DIR = tmp_path


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run what waits for the commit (the job's task) though each test is one transaction."""
    return django_capture_on_commit_callbacks


def leftover_bodies() -> set[Path]:
    return set(work_dir().glob("body-*"))


# --- point 2: size and time ---------------------------------------------------------------------


def test_a_gzip_bomb_answers_413_json_at_once_and_writes_nothing(full_admin, api_client):
    # Given a 1 MB gzip body that unpacks to 1 GiB of newlines (it ran ~50 minutes before)
    bomb = gzip_of_newlines(1 << 30)
    assert len(bomb) < 2 * MB
    client = api_client(full_admin)
    before, files = counts_but_tokens(), leftover_bodies()

    # When it is posted
    started = time.monotonic()
    response = post(client, bomb)
    elapsed = time.monotonic() - started

    # Then it is refused as too large, in seconds, naming the limit and its setting
    assert response.status_code == 413
    assert "INGEST_MAX_UNPACKED_BYTES" in response.json()["detail"]
    assert elapsed < 15, f"{elapsed:.1f} s"
    assert counts_but_tokens() == before
    assert leftover_bodies() == files


class Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def test_a_body_over_the_body_limit_answers_413_before_it_is_read(full_admin, api_client, settings):
    settings.INGEST_MAX_BODY_BYTES = 1000
    client = api_client(full_admin)
    before = counts_but_tokens()

    response = client.post(
        URL,
        data=b"",
        content_type="application/x-ndjson",
        CONTENT_LENGTH="5000",
        **{"wsgi.input": Unreadable()},
    )

    assert response.status_code == 413
    detail = response.json()["detail"]
    assert "1,000 bytes" in detail and "INGEST_MAX_BODY_BYTES" in detail
    assert counts_but_tokens() == before


def test_a_body_without_a_truthful_length_is_counted_as_it_arrives(full_admin, settings):
    # Given a body over the limit whose Content-Length claims less (or nothing)
    from django.test import RequestFactory

    from partnerhub.ingest.body import body_receive
    from partnerhub.ingest.errors import TooLarge

    settings.INGEST_MAX_BODY_BYTES = 1000
    request = RequestFactory().post(URL, data=b"x\n" * 3000, content_type="application/x-ndjson")
    request.META["CONTENT_LENGTH"] = ""
    files = leftover_bodies()

    # When it is received, then it is refused once the limit is passed, and no file is kept
    with pytest.raises(TooLarge):
        body_receive(request)
    assert leftover_bodies() == files


def test_a_large_legal_ingest_answers_202_and_its_job_reaches_done_with_the_same_counts(
    full_admin, partner, api_client, settings, run_on_commit
):
    # Given a body larger than what is loaded within the request (the immediate task backend)
    settings.INGEST_INLINE_MAX_BYTES = 100
    client = api_client(full_admin)
    files = leftover_bodies()

    # When it is posted (the job starts once the request's writes are committed)
    with run_on_commit(execute=True):
        response = post(client, gzip.compress(jsonl(own_lines(partner))))

    # Then it is a job, polled where Location says, done with the counts a 200 would give
    assert response.status_code == 202
    body = response.json()
    assert body["id"].startswith("job_")
    assert response["Location"] == f"/api/v1/jobs/{body['id']}" == body["url"]
    job = client.get(response["Location"]).json()
    assert (job["id"], job["kind"], job["state"]) == (body["id"], "ingest", "done")
    assert job["result"] == EXPECTED
    assert (job["total"], job["done"], job["error"], job["results"]) == (3, 3, None, [])
    assert Customer.objects.get(ext_id="C-HOST").partner == partner
    assert leftover_bodies() == files


def test_a_refused_job_fails_with_the_errors_a_422_would_give(
    full_admin, partner, api_client, settings, run_on_commit
):
    settings.INGEST_INLINE_MAX_BYTES = 10
    lines = [
        *own_lines(partner),
        {"kind": "user", "id": "U-X", "customer": "C-NONE", "email": "x@none.example"},
        {"kind": "user", "id": "U-Y", "customer": "C-HOST"},
    ]
    before = counts_but_tokens()

    with run_on_commit(execute=True):
        response = post(api_client(full_admin), jsonl(lines))

    assert response.status_code == 202
    job = Job.objects.get(public_id=response.json()["id"])
    assert job.state == "failed"
    assert job.result["error_count"] == 2
    bad = [(d["line"], d["field"]) for d in job.result["detail"]]
    assert bad == [(4, "customer"), (5, "email")]
    assert "nothing was written" in job.error
    after = counts_but_tokens()
    assert after.pop("jobs.Job") == before.pop("jobs.Job") + 1
    assert after == before


def test_an_ingest_that_is_slow_to_check_goes_on_as_a_job(
    full_admin, partner, api_client, settings, run_on_commit
):
    # Given no time at all for checking lines within the request
    settings.INGEST_INLINE_MAX_SECONDS = 0

    with run_on_commit(execute=True):
        response = post(api_client(full_admin), jsonl(own_lines(partner)))

    # Then nothing was written by the request; the job loaded it all
    assert response.status_code == 202
    assert Job.objects.get(public_id=response.json()["id"]).result == EXPECTED


def test_a_quarter_gib_of_blank_lines_is_read_in_seconds(
    full_admin, partner, api_client, run_on_commit
):
    # Given 256 MiB of newlines and then one good line (~12 µs a blank line before: 50 minutes)
    body = gzip_of_newlines(256 * MB, jsonl(own_lines(partner)[:1]))

    started = time.monotonic()
    with run_on_commit(execute=True):
        response = post(api_client(full_admin), body)
    elapsed = time.monotonic() - started

    # Then the job (run at once by the immediate backend) loaded the line, numbering it right
    assert response.status_code == 202
    job = Job.objects.get(public_id=response.json()["id"])
    assert job.result == {"lines": 256 * MB + 1, "counts": {"customer": 1}}
    assert elapsed < 30, f"{elapsed:.1f} s"


def test_a_body_of_junk_stops_being_read_after_10000_errors(full_admin, api_client):
    response = post(api_client(full_admin), b"x\n" * 50_000)

    assert response.status_code == 422
    body = response.json()
    assert body["error_count"] == 10_000
    assert "Reading stopped after line 10000" in body["note"]


@pytest.mark.django_db(transaction=True)
def test_other_tenants_write_and_read_with_tokens_while_an_ingest_is_being_checked(
    monkeypatch, settings
):
    # Given a partner's ingest held half-way through checking its lines
    partner, other = PartnerFactory(), PartnerFactory()
    admin = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, email="a@one.example")
    theirs = UserFactory(partner=other, role=Role.PARTNER_FULL_ADMIN, email="b@two.example")
    parsing, release = threading.Event(), threading.Event()
    real_parse = reader.parse_line

    def slow_parse(ctx: Any, raw: bytes, seq: int) -> Any:
        if seq == 2:
            parsing.set()
            release.wait(20)
        return real_parse(ctx, raw, seq)

    monkeypatch.setattr(reader, "parse_line", slow_parse)
    answer: dict[str, Any] = {}

    def ingest() -> None:
        try:
            answer["response"] = post(api_client_of(admin), jsonl(own_lines(partner)))
        finally:
            connection.close()

    worker = threading.Thread(target=ingest)
    worker.start()
    try:
        assert parsing.wait(20), "the ingest never started checking lines"

        # When another tenant writes, and reads through the API with a token
        with transaction.atomic():
            Tag.objects.create(partner=other, name="busy")
        token, raw = token_create(user=theirs, name="reader")
        me = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me")

        # Then both succeed at once (the token's last use is recorded too)
        assert me.status_code == 200
        assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    finally:
        release.set()
        worker.join(30)
    assert answer["response"].status_code == 200
    assert answer["response"].json() == EXPECTED


def api_client_of(user: Any) -> Client:
    _token, raw = token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


# --- point 3: other partners' staff ---------------------------------------------------------


def test_a_partner_cannot_make_another_partners_person_external_admin_of_its_customer(
    full_admin, partner, other_partner, api_client
):
    # Given our customer, and a person of another partner and an e-mail of nobody
    CustomerFactory(partner=partner, ext_id="C-OURS")
    UserFactory(partner=other_partner, role=Role.PARTNER_FULL_ADMIN, email="anna@fabrikam.example")
    client = api_client(full_admin)
    before = counts_but_tokens()

    # When a feed names each as an external administrator
    answers = {
        email: post(
            client, jsonl([{"kind": "external_admin", "customer": "C-OURS", "email": email}])
        )
        for email in ("anna@fabrikam.example", "nobody@fabrikam.example")
    }

    # Then both are the same bad line: nothing tells the staff's e-mails apart from nobody's
    for email, response in answers.items():
        assert response.status_code == 422
        (detail,) = response.json()["detail"]
        assert detail == {
            "line": 1,
            "field": "email",
            "msg": f"no person of your partner has the e-mail {email!r}",
        }
    assert counts_but_tokens() == before
    assert not ExternalAdmin.objects.exists()


def test_a_partner_may_name_its_own_person_as_external_admin(full_admin, partner, api_client):
    customer = CustomerFactory(partner=partner, ext_id="C-OURS")
    line = {"kind": "external_admin", "customer": "C-OURS", "email": full_admin.email}

    response = post(api_client(full_admin), jsonl([line]))

    assert response.status_code == 200
    assert ExternalAdmin.objects.filter(customer=customer, user=full_admin).exists()


# --- point 12: JSON answers ---------------------------------------------------------------------


def test_an_oversized_json_body_answers_413_json(full_admin, partner, api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    CustomerFactory(partner=partner, ext_id="C-OURS")
    body = '{"tags": [' + ",".join(['"t"'] * 1000) + "]}"

    response = api_client(full_admin).put(
        "/api/v1/customers/C-OURS/tags", data=body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in response.json()["detail"]
    assert not Tag.objects.exists()


@pytest.mark.parametrize("token", ["revoked", "invalid"])
def test_a_post_with_a_bad_token_answers_401_not_a_csrf_403(full_admin, partner, token):
    _row, raw = token_create(user=full_admin, name="old")
    if token == "revoked":
        token_revoke(user=full_admin, token_id=_row.pk)
    else:
        raw = "not-a-token"
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    before = counts_but_tokens()

    response = post(client, jsonl(own_lines(partner)))

    assert response.status_code == 401
    assert "detail" in response.json()
    assert counts_but_tokens() == before


def test_a_session_post_without_csrf_still_answers_403(full_admin, partner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(full_admin)

    response = post(client, jsonl(own_lines(partner)))

    assert response.status_code == 403
    assert not Customer.objects.filter(ext_id="C-HOST").exists()


# --- jobs are scoped --------------------------------------------------------------------------


def test_a_job_is_seen_by_its_creator_and_full_admins_only(
    people, full_admin, partner, stranger, api_client, settings, run_on_commit
):
    settings.INGEST_INLINE_MAX_BYTES = 10
    with run_on_commit(execute=True):
        job_id = post(api_client(full_admin), jsonl(own_lines(partner))).json()["id"]
    url = f"/api/v1/jobs/{job_id}"
    colleague = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, email="c@nw.example")

    assert api_client(full_admin).get(url).status_code == 200
    assert api_client(colleague).get(url).status_code == 200
    assert api_client(people[Role.SALES_FULL_ADMIN]).get(url).status_code == 404
    response = api_client(stranger).get(url)
    assert response.status_code == 404
    assert job_id not in response.content.decode()
    assert Client().get(url).status_code == 401
