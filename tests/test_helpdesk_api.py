"""`/api/v1/helpdesk/cases` (docs/reference/api.md#helpdesk): shapes, roles, isolation, input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail

from partnerhub.core.choices import Role
from partnerhub.helpdesk.models import Case, Comment
from tests.factories import CustomerFactory
from tests.helpdesk_factories import CaseFactory, CommentFactory, HelpdeskUserFactory

pytestmark = pytest.mark.django_db
ADMIN_ROLES = [r for r in Role if r != Role.USER]
BODY = {
    "area": "calling",
    "severity": 2,
    "subject": "Call queue not routing",
    "description": "Since 08:00 UTC calls to the Sales queue ring no agent.",
}


def post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def test_opening_a_case_answers_201_with_the_case(api_client, full_admin, partner):
    CustomerFactory(partner=partner, ext_id="C1")
    response = post(api_client(full_admin), "/api/v1/helpdesk/cases", {**BODY, "customer_id": "C1"})
    assert response.status_code == 201
    case = Case.objects.get()
    body = response.json()
    assert body["id"] == case.pk and body["number"] == case.number
    assert body["status"] == "new" and body["comments"] == []
    assert (body["area"], body["severity"], body["customer_id"], body["partner_id"]) == (
        "calling",
        2,
        "C1",
        partner.ext_id,
    )
    assert body["opened_by"] == full_admin.email and body["assignee"] is None
    assert [(h["from_status"], h["to_status"]) for h in body["status_history"]] == [("", "new")]


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_every_admin_role_may_open_and_comment_through_the_api(api_client, people, role):
    client = api_client(people[role])
    case = post(client, "/api/v1/helpdesk/cases", BODY).json()
    response = post(client, f"/api/v1/helpdesk/cases/{case['id']}/comments", {"body": "More info"})
    assert response.status_code == 201
    assert [c["body"] for c in response.json()["comments"]] == ["More info"]
    assert response.json()["comments"][0]["author"] == people[role].email


def test_the_user_role_gets_403_and_nothing_is_written(api_client, people, partner):
    case = CaseFactory(partner=partner)
    client = api_client(people[Role.USER])
    assert post(client, "/api/v1/helpdesk/cases", BODY).status_code == 403
    assert client.get("/api/v1/helpdesk/cases").status_code == 403
    assert client.get(f"/api/v1/helpdesk/cases/{case.pk}").status_code == 403
    path = f"/api/v1/helpdesk/cases/{case.pk}/comments"
    assert post(client, path, {"body": "x"}).status_code == 403
    assert Case.objects.count() == 1 and not Comment.objects.exists()


def test_another_partners_case_answers_404(api_client, partner, stranger):
    case = CaseFactory(partner=partner)
    client = api_client(stranger)
    assert client.get(f"/api/v1/helpdesk/cases/{case.pk}").status_code == 404
    assert client.get(f"/api/v1/helpdesk/cases/{case.number}").status_code == 404
    path = f"/api/v1/helpdesk/cases/{case.pk}/comments"
    assert post(client, path, {"body": "x"}).status_code == 404
    assert client.get("/api/v1/helpdesk/cases").json() == {"count": 0, "items": []}
    assert not Comment.objects.exists()


def test_a_customer_out_of_scope_answers_404(api_client, full_admin, other_partner):
    CustomerFactory(partner=other_partner, ext_id="C-OTHER")
    response = post(
        api_client(full_admin), "/api/v1/helpdesk/cases", {**BODY, "customer_id": "C-OTHER"}
    )
    assert response.status_code == 404 and not Case.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [({"area": "meetings"}, "area"), ({"severity": 7}, "severity"), ({"subject": ""}, "subject")],
)
def test_bad_input_answers_422_naming_the_field(api_client, full_admin, change, field):
    response = post(api_client(full_admin), "/api/v1/helpdesk/cases", {**BODY, **change})
    assert response.status_code == 422
    assert {"loc": ["body", field]}.items() <= response.json()["detail"][0].items()
    assert not Case.objects.exists()


def test_a_missing_field_answers_422(api_client, full_admin):
    response = post(api_client(full_admin), "/api/v1/helpdesk/cases", {"area": "calling"})
    assert response.status_code == 422 and not Case.objects.exists()


def test_listing_pages_filters_by_status_and_answers_threads(api_client, partner, full_admin):
    agent = HelpdeskUserFactory()
    first = CaseFactory(partner=partner, opened_by=full_admin, assignee=agent)
    CommentFactory(case=first, author=agent, by_helpdesk=True, body="Looking at it")
    CaseFactory(partner=partner, status="resolved")
    CaseFactory(partner=partner, status="resolved")
    client = api_client(full_admin)
    body = client.get("/api/v1/helpdesk/cases", {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["items"]) == 2
    resolved = client.get("/api/v1/helpdesk/cases", {"status": "resolved"}).json()
    assert resolved["count"] == 2
    new = client.get("/api/v1/helpdesk/cases", {"status": "new"}).json()
    (item,) = new["items"]
    assert item["assignee"] == agent.email
    assert item["comments"][0] | {"created_at": None} == {
        "id": item["comments"][0]["id"],
        "author": agent.email,
        "by_helpdesk": True,
        "body": "Looking at it",
        "created_at": None,
        "attachments": [],
    }
    bad = client.get("/api/v1/helpdesk/cases", {"status": "open-ish"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "status"]


def test_the_list_keeps_a_constant_number_of_queries(
    api_client, partner, full_admin, django_assert_max_num_queries
):
    client = api_client(full_admin)

    def fill(n: int) -> None:
        for _ in range(n):
            CommentFactory(case=CaseFactory(partner=partner, opened_by=full_admin))

    fill(2)
    client.get("/api/v1/helpdesk/cases")  # the token's first use records its time once
    with django_assert_max_num_queries(12) as small:
        client.get("/api/v1/helpdesk/cases")
    fill(15)
    with django_assert_max_num_queries(12) as large:
        client.get("/api/v1/helpdesk/cases")
    assert len(small.captured_queries) == len(large.captured_queries)


def test_the_helpdesk_team_reads_and_comments_on_any_partners_case(
    api_client, partner, full_admin, django_capture_on_commit_callbacks
):
    agent = HelpdeskUserFactory()
    case = CaseFactory(partner=partner, opened_by=full_admin)
    client = api_client(agent)
    assert client.get(f"/api/v1/helpdesk/cases/{case.number}").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, f"/api/v1/helpdesk/cases/{case.pk}/comments", {"body": "Hi"})
    assert response.status_code == 201
    assert response.json()["comments"][0]["by_helpdesk"] is True
    assert mail.outbox[0].to == [full_admin.email]
    # the team has no partner: it cannot open a case
    assert post(client, "/api/v1/helpdesk/cases", BODY).status_code == 403
