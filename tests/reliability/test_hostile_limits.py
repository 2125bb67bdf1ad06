"""Hostile input and expensive requests (issue 13): each test is one of the review's attacks.

- NUL characters in page forms and API bodies (SQLite stored them, PostgreSQL answered 500);
- bidirectional control characters in names (text that displays as something it is not);
- a customer query of 1,000 `tag:` terms (SQLite: "expression tree too large" → 503);
- a sales administrator's tag counts (they counted customers outside the scope);
- GETs that build the platform-wide analytics snapshot for any new as-of date, and the calling
  refresh that any full administrator could start again and again;
- helpdesk uploads: a 200 MB body was read before the 422, and there was no quota.

Run on SQLite by default; `DATABASE_URL=postgres://…` runs the same attacks on PostgreSQL (the
concurrent snapshot build is checked there only: SQLite's in-memory test database is one
connection).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from partnerhub.analytics.models import SnapshotDateRequest, SnapshotDay
from partnerhub.analytics.selectors import subscriptions_analytics
from partnerhub.analytics.services import snapshot_for_page
from partnerhub.calling.models import Refresh
from partnerhub.calling.tasks import refresh_analytics_task
from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.core.validation import BIDI_CONTROLS, check_name
from partnerhub.customers.models import SavedFilter
from partnerhub.customers.services import saved_filter_create
from partnerhub.helpdesk.models import Attachment, Case, Comment
from partnerhub.helpdesk.uploads import AttachmentLimitHandler, refused_uploads
from partnerhub.tags.models import CustomerTag, Tag
from partnerhub.tags.services import tag_assign, tag_clean_name
from tests.analytics_factories import days
from tests.calling_factories import calling_customer, make_calls
from tests.customers_factories import tag
from tests.factories import CustomerFactory, CustomerManagerFactory, UserFactory
from tests.helpdesk_factories import CaseFactory, HelpdeskUserFactory

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def flash(response: Any) -> str:
    """The messages the page left for the next one, joined."""
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def contoso(partner: Any) -> Any:
    return CustomerFactory(partner=partner, name="Contoso", ext_id="C1")


# --- 8. NUL characters in forms and API bodies -------------------------------------------------


def test_a_full_admin_cannot_add_a_tag_holding_a_nul(full_admin, contoso):
    response = client_for(full_admin).post("/tags/customer/C1/add/", {"name": "gold\x00"})
    assert response.status_code == 400
    assert "“name”" in response.content.decode() and "NUL" in response.content.decode()
    assert not Tag.objects.exists() and not AuditEvent.objects.exists()


def test_a_full_admin_cannot_rename_a_tag_to_a_name_holding_a_nul(full_admin, contoso):
    gold = tag(contoso, "gold")
    response = client_for(full_admin).post(f"/tags/{gold.pk}/rename/", {"name": "pl\x00tinum"})
    assert response.status_code == 400 and "“name”" in response.content.decode()
    assert Tag.objects.get().name == "gold"


@pytest.mark.parametrize(
    ("field", "form"),
    [
        ("name", {"op": "add", "name": "gold\x00", "customers": ["C1"]}),
        ("customers", {"op": "add", "name": "gold", "customers": ["C1", "C\x001"]}),
        ("op", {"op": "remove\x00", "name": "gold", "customers": ["C1"]}),
    ],
)
def test_a_full_admin_cannot_bulk_tag_with_a_nul_in_any_field(full_admin, contoso, field, form):
    response = client_for(full_admin).post("/tags/bulk/", form)
    assert response.status_code == 400 and f"“{field}”" in response.content.decode()
    assert not Tag.objects.exists()


def test_a_full_admin_cannot_save_a_filter_whose_name_holds_a_nul(full_admin):
    response = client_for(full_admin).post(
        "/customers/-/filters/save/", {"name": "mine\x00", "q": "status:expired"}
    )
    assert response.status_code == 400 and "“name”" in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_the_tag_and_filter_services_refuse_a_nul_naming_the_field(full_admin, contoso):
    # The services refuse it too (whatever calls them, the pages' guard aside).
    with pytest.raises(ValidationError) as tagged:
        tag_assign(actor=full_admin, customer=contoso, name="go\x00ld")
    assert list(tagged.value.message_dict) == ["name"]
    assert "NUL" in tagged.value.message_dict["name"][0]
    with pytest.raises(ValidationError) as saved:
        saved_filter_create(actor=full_admin, name="a\x00b", query="status:expired")
    assert list(saved.value.message_dict) == ["name"]
    with pytest.raises(ValidationError) as queried:
        saved_filter_create(actor=full_admin, name="mine", query="tag:go\x00ld")
    assert list(queried.value.message_dict) == ["q"]
    assert not Tag.objects.exists() and not SavedFilter.objects.exists()


def test_an_api_body_with_a_nul_anywhere_answers_422_naming_the_path(
    full_admin, contoso, api_client
):
    response = api_client(full_admin).put(
        "/api/v1/customers/C1/tags",
        '{"tags": ["ok", "go\\u0000ld"]}',
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "tags", 1]
    assert not Tag.objects.exists()


# --- 12. Bidirectional control characters in names ---------------------------------------------


@pytest.mark.parametrize("char", sorted(BIDI_CONTROLS))
def test_a_tag_name_with_a_bidirectional_control_is_refused(char):
    with pytest.raises(ValidationError) as refused:
        tag_clean_name(f"vip{char}gold")
    assert f"U+{ord(char):04X}" in refused.value.message_dict["name"][0]


def test_a_full_admin_cannot_add_a_tag_with_a_right_to_left_override(full_admin, contoso):
    response = client_for(full_admin).post("/tags/customer/C1/add/", {"name": "\u202egold"})
    assert response.status_code == 302
    assert "U+202E" in flash(response)
    assert not Tag.objects.exists()


def test_a_full_admin_cannot_rename_a_tag_with_an_isolate(full_admin, contoso):
    gold = tag(contoso, "gold")
    response = client_for(full_admin).post(f"/tags/{gold.pk}/rename/", {"name": "g\u2066old"})
    assert "U+2066" in flash(response)
    assert Tag.objects.get().name == "gold"


def test_a_full_admin_cannot_bulk_tag_with_a_bidirectional_mark(full_admin, contoso):
    response = client_for(full_admin).post(
        "/tags/bulk/", {"op": "add", "name": "gold\u200f", "customers": ["C1"]}
    )
    assert "U+200F" in flash(response)
    assert not Tag.objects.exists()


def test_the_api_refuses_a_tag_with_a_bidirectional_control_naming_the_field(
    full_admin, contoso, api_client
):
    response = api_client(full_admin).put(
        "/api/v1/customers/C1/tags", {"tags": ["gold\u202d"]}, content_type="application/json"
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "tags"] and "U+202D" in error["msg"]
    assert not CustomerTag.objects.exists()


def test_a_saved_filter_and_a_company_name_refuse_bidirectional_controls(full_admin):
    with pytest.raises(ValidationError) as saved:
        saved_filter_create(actor=full_admin, name="\u202aurgent", query="status:expired")
    assert "U+202A" in saved.value.message_dict["name"][0]
    errors: dict[str, list[str]] = {}
    check_name(errors, "new_customer.name", "Acme\u061c", missing="m", too_long="t")
    assert "U+061C" in errors["new_customer.name"][0]
    assert not SavedFilter.objects.exists()


# --- 10. A thousand query terms ----------------------------------------------------------------

THOUSAND_TAGS = " ".join(f"tag:t{n}" for n in range(1000))


def test_a_query_of_1000_tag_terms_answers_the_page_with_the_limit_not_503(full_admin, contoso):
    response = client_for(full_admin).get("/customers/", {"q": THOUSAND_TAGS})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="query-errors"' in html and "at most 50 conditions" in html


def test_1000_repeated_tag_filters_answer_422_through_the_api(full_admin, contoso, api_client):
    query = urlencode([("tag", f"t{n}") for n in range(1000)])
    response = api_client(full_admin).get(f"/api/v1/customers?{query}")
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "tag"] and "at most 50 conditions" in error["msg"]


def test_the_limit_itself_is_allowed_and_is_a_setting(settings, full_admin, contoso, api_client):
    # Given exactly 50 terms: they apply (no customer carries all of them)
    fifty = " ".join(f"tag:t{n}" for n in range(50))
    page = client_for(full_admin).get("/customers/", {"q": fifty}).content.decode()
    assert "query-errors" not in page
    # When the limit is lowered to 3, a 4th term is refused
    settings.QUERY_MAX_TERMS = 3
    query = urlencode([("tag", "a"), ("tag", "b"), ("status", "expired"), ("product", "calling")])
    response = api_client(full_admin).get(f"/api/v1/customers?{query}")
    assert response.status_code == 422 and "at most 3 conditions" in response.content.decode()


def test_a_saved_filter_of_1000_terms_is_refused(full_admin):
    with pytest.raises(ValidationError) as refused:
        saved_filter_create(actor=full_admin, name="huge", query=THOUSAND_TAGS)
    assert "at most 50 conditions" in " ".join(refused.value.message_dict["q"])
    assert not SavedFilter.objects.exists()


# --- 12. Tag counts within the sales administrator's scope -------------------------------------


def test_a_sales_admin_counts_only_the_tagged_customers_in_their_scope(partner, people, api_client):
    # Given three customers tagged "gold", one of them assigned to the sales admin
    sales_admin = people[Role.SALES_ADMIN]
    customers = [CustomerFactory(partner=partner, name=f"Gold {n}") for n in range(3)]
    for customer in customers:
        tag(customer, "gold")
    CustomerManagerFactory(customer=customers[0], user=sales_admin)

    # Then the API and the tag page count one for them, three for a full admin
    api = api_client(sales_admin).get("/api/v1/tags").json()
    assert api["items"] == [{"id": Tag.objects.get().pk, "name": "gold", "customers": 1}]
    page = client_for(sales_admin).get("/tags/")
    assert [t.customer_count for t in page.context["rows"]] == [1]
    full = api_client(people[Role.PARTNER_FULL_ADMIN]).get("/api/v1/tags").json()
    assert full["items"][0]["customers"] == 3


# --- 12. The analytics snapshot built inside a GET ---------------------------------------------

API = "/api/v1/analytics/subscriptions"


def test_the_selector_only_reads_the_snapshot(full_admin):
    subscriptions_analytics(user=full_admin, product="calling", as_of=days(-3))
    assert not SnapshotDay.objects.exists()


def test_a_partner_can_make_the_server_build_only_so_many_new_dates_an_hour(
    settings, full_admin, stranger, api_client
):
    settings.SNAPSHOT_NEW_DATES_PER_HOUR = 2
    mine, theirs = api_client(full_admin), api_client(stranger)
    # Given two new dates built for the partner
    for n in (1, 2):
        assert mine.get(API, {"as_of": days(-n).isoformat()}).status_code == 200
    built = SnapshotDay.objects.count()

    # When it asks for a third
    response = mine.get(API, {"as_of": days(-3).isoformat()})

    # Then 429 with the reason and when to retry, and nothing was built
    assert response.status_code == 429
    assert "2 new as-of dates within the last hour" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 3600
    assert SnapshotDay.objects.count() == built
    # Today, dates already built (by anyone) and other partners are not held back
    assert mine.get(API).status_code == 200
    assert mine.get(API, {"as_of": days(-1).isoformat()}).status_code == 200
    assert theirs.get(API, {"as_of": days(-4).isoformat()}).status_code == 200
    assert mine.get(API, {"as_of": days(-4).isoformat()}).status_code == 200
    # An hour later the partner may ask for a new date again
    hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)
    SnapshotDateRequest.objects.update(requested_at=hour_ago)
    assert mine.get(API, {"as_of": days(-3).isoformat()}).status_code == 200


def test_the_page_answers_429_with_the_reason_past_the_new_dates(settings, full_admin):
    settings.SNAPSHOT_NEW_DATES_PER_HOUR = 1
    client = client_for(full_admin)
    url = "/analytics/subscriptions/"
    assert client.get(url, {"as_of": days(-1).isoformat()}).status_code == 200
    response = client.get(url, {"as_of": days(-2).isoformat()})
    assert response.status_code == 429
    assert 'data-testid="form-errors"' in response.content.decode()
    assert "1 new as-of date within the last hour" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_a_new_date_build_it_once(full_admin):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database is one connection")
    barrier = threading.Barrier(2, timeout=30)
    results: list[Any] = []

    def ask() -> None:
        try:
            barrier.wait()
            results.append(snapshot_for_page(user=full_admin, as_of=days(-10)))
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(len(r.built) for r in results) == [0, 12]
    assert SnapshotDateRequest.objects.count() == 1


# --- 12. The calling refresh started by people -------------------------------------------------

REFRESH = "/analytics/calling/refresh/?as_of=2026-11-26"


def _requests() -> int:
    return AuditEvent.objects.filter(action="calling.refresh_requested").count()


def test_a_second_refresh_within_the_interval_answers_429(settings, full_admin, partner):
    make_calls(calling_customer(partner, "Alpha"), 2)
    client = client_for(full_admin)
    assert client.post(REFRESH).status_code == 302
    first = Refresh.objects.get(is_current=True).pk

    response = client.post(REFRESH)

    assert response.status_code == 429
    assert "at most every 10 minutes" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 600
    assert Refresh.objects.get(is_current=True).pk == first and _requests() == 1
    # Once the interval has passed, people may start one again
    AuditEvent.objects.update(at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=601))
    assert client.post(REFRESH).status_code == 302
    assert Refresh.objects.get(is_current=True).pk != first and _requests() == 2


def test_a_refresh_already_queued_is_not_queued_again(settings, full_admin, people):
    # Given the database task queue (the refresh waits for a worker)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CALLING_REFRESH_MIN_INTERVAL_S = 0
    from django_tasks_db.models import DBTaskResult

    assert client_for(full_admin).post(REFRESH).status_code == 302
    assert DBTaskResult.objects.count() == 1

    # When another full admin asks again
    other = UserFactory(partner=full_admin.partner, role=Role.PARTNER_FULL_ADMIN)
    response = client_for(other).post(REFRESH)

    # Then it says so and queues nothing more
    assert response.status_code == 302 and "already queued or running" in flash(response)
    assert DBTaskResult.objects.count() == 1 and _requests() == 1
    # Once the worker is done, a new request queues a refresh
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert client_for(other).post(REFRESH).status_code == 302
    assert DBTaskResult.objects.count() == 2


def test_the_scheduler_is_not_held_back_by_the_interval(full_admin, partner):
    make_calls(calling_customer(partner, "Alpha"), 2)
    assert client_for(full_admin).post(REFRESH).status_code == 302
    first = Refresh.objects.get(is_current=True).pk
    refresh_analytics_task.enqueue()  # what core.scheduler does on Sundays
    assert Refresh.objects.get(is_current=True).pk != first


# --- 12. Helpdesk attachments: the body limited before it is read, a quota per partner --------

PDF = b"%PDF-1.7\n" + b"x" * 100
CASE = {"area": "calling", "severity": "3", "subject": "Calls drop", "description": "Since 9."}


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def stored_files(media: Any) -> list[Any]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


class HugeBody:
    """A 200 MB request body that is never materialised, and counts what is read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        n = 64 * 1024 if size is None or size < 0 else min(size, 64 * 1024)
        self.read_bytes += n
        if self.read_bytes > 1024 * 1024:
            raise AssertionError("the upload was being read")
        return b"x" * n

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


@pytest.mark.parametrize("url", ["/helpdesk/new/", "comment"])
def test_a_200_mb_upload_is_refused_without_reading_it(full_admin, partner, media, url):
    if url == "comment":
        url = reverse("helpdesk:comment", kwargs={"ref": CaseFactory(partner=partner).number})
    body = HugeBody()
    response = client_for(full_admin).generic(
        "POST",
        url,
        CONTENT_LENGTH=str(200 * 1024 * 1024),
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert "200 MB" in response.content.decode() and "51 MB" in response.content.decode()
    assert body.read_bytes == 0
    assert not Comment.objects.exists() and stored_files(media) == []


def test_a_file_past_the_limit_is_dropped_while_it_streams_in(settings):
    # Given a handler with a 100 KB file limit
    settings.HELPDESK_MAX_ATTACHMENT_BYTES = 100 * 1024

    class Request:
        pass

    request: Any = Request()
    handler = AttachmentLimitHandler(request)
    handler.new_file("attachments", "big.pdf", "application/pdf", None)
    chunk = b"x" * (64 * 1024)

    # When 4 chunks (256 KB) arrive: only the first passes on to the storing handlers
    passed = [handler.receive_data_chunk(chunk, n * len(chunk)) for n in range(4)]
    handler.file_complete(4 * len(chunk))

    # Then the file is refused with its real size
    assert [p is not None for p in passed] == [True, False, False, False]
    (reason,) = refused_uploads(request)
    assert "“big.pdf” is too large: 262,144 bytes" in reason


def test_an_upload_past_the_body_limit_stops_at_once(settings):
    from django.core.files.uploadhandler import StopUpload

    settings.HELPDESK_MAX_UPLOAD_BYTES = 100 * 1024

    class Request:
        pass

    request: Any = Request()
    handler = AttachmentLimitHandler(request)
    handler.new_file("attachments", "a.txt", "text/plain", None)
    assert handler.receive_data_chunk(b"x" * (64 * 1024), 0) is not None
    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(b"x" * (64 * 1024), 64 * 1024)
    assert stopped.value.connection_reset  # nothing more is read
    (reason,) = refused_uploads(request)
    assert "Nothing was saved" in reason


def test_a_partner_past_its_attachment_quota_stores_nothing(
    settings, full_admin, partner, other_partner, media
):
    # Given a quota of 1,000 bytes of which the partner uses 900 (another partner: 5,000)
    settings.HELPDESK_PARTNER_QUOTA_BYTES = 1000
    old = CaseFactory(partner=partner)
    Attachment.objects.create(case=old, file="helpdesk/x.pdf", name="x.pdf", size=900)
    theirs = CaseFactory(partner=other_partner)
    Attachment.objects.create(case=theirs, file="helpdesk/y.pdf", name="y.pdf", size=5000)
    cases = Case.objects.count()
    client = client_for(full_admin)

    # When a new case brings 209 bytes more
    files = {"attachments": [SimpleUploadedFile("report.pdf", PDF)]}
    response = client.post("/helpdesk/new/", {**CASE, **files})

    # Then it is refused with the reason, and nothing is stored
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field="attachments"' in html and "Nothing was saved" in html
    assert Case.objects.count() == cases and Attachment.objects.count() == 2
    assert stored_files(media) == []
    # A smaller file fits (900 + 100: the quota exactly)
    small = SimpleUploadedFile("note.txt", b"x" * 100)
    assert client.post("/helpdesk/new/", {**CASE, "attachments": [small]}).status_code == 302


def test_the_helpdesk_team_can_still_attach_a_file_on_a_partner_past_its_quota(
    settings, partner, media
):
    settings.HELPDESK_PARTNER_QUOTA_BYTES = 1000
    case = CaseFactory(partner=partner)
    Attachment.objects.create(case=case, file="helpdesk/x.pdf", name="x.pdf", size=1000)
    url = reverse("helpdesk:comment", kwargs={"ref": case.number})
    response = client_for(HelpdeskUserFactory()).post(
        url, {"body": "The fix", "attachments": [SimpleUploadedFile("fix.pdf", PDF)]}
    )
    assert response.status_code == 302 and Attachment.objects.count() == 2


@pytest.mark.parametrize("url", ["/helpdesk/new/", "comment"])
def test_the_upload_forms_still_refuse_a_post_without_the_csrf_token(full_admin, partner, url):
    # The size limit is installed before Django's CSRF middleware would read the body, so the
    # views run their CSRF check themselves.
    if url == "comment":
        url = reverse("helpdesk:comment", kwargs={"ref": CaseFactory(partner=partner).number})
    client = Client(enforce_csrf_checks=True)
    client.force_login(full_admin)
    response = client.post(url, {**CASE, "body": "hi"})
    assert response.status_code == 403
    assert Case.objects.count() == (0 if url == "/helpdesk/new/" else 1)
    assert not Comment.objects.exists()


# --- The settings ------------------------------------------------------------------------------


def test_a_bad_limit_in_the_environment_is_refused_naming_the_variable():
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "partnerhub.config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "QUERY_MAX_TERMS": "many"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "QUERY_MAX_TERMS: expected a whole number (0 or more), got 'many'" in done.stderr
