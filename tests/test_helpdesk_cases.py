"""Partner Helpdesk cases: opening, roles, isolation between partners, the team's work, e-mails."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.helpdesk.models import Case, Comment, StatusChange
from partnerhub.helpdesk.services import case_assign, case_comment, case_open, case_set_status
from tests.factories import CustomerFactory, CustomerManagerFactory, UserFactory
from tests.helpdesk_factories import CaseFactory, CommentFactory, HelpdeskUserFactory

pytestmark = pytest.mark.django_db
ADMIN_ROLES = [r for r in Role if r != Role.USER]
VALID = {
    "area": "calling",
    "severity": "2",
    "subject": "Call queue not routing",
    "description": "Since 08:00 UTC calls to the Sales queue ring no agent.",
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def agent(db: Any) -> Any:
    return HelpdeskUserFactory(name="Hana Helpdesk")


def open_case(person, **overrides) -> Case:
    fields = {**VALID, **overrides}
    return case_open(user=person, **fields)


# --- Opening ---------------------------------------------------------------------------------


def test_opening_a_case_numbers_it_and_starts_its_history_as_new(full_admin, partner):
    case = open_case(full_admin)
    assert case.number == f"PH-2026-{case.pk:06d}"
    assert (case.partner_id, case.opened_by_id, case.status, case.severity) == (
        partner.pk,
        full_admin.pk,
        "new",
        2,
    )
    history = list(StatusChange.objects.filter(case=case).values_list("from_status", "to_status"))
    assert history == [("", "new")]


def test_opening_a_case_is_audited_with_its_values(full_admin, partner):
    case = open_case(full_admin)
    event = AuditEvent.objects.get(action="helpdesk.case_open")
    assert (event.partner_id, event.actor_id, event.object_id) == (
        partner.pk,
        full_admin.pk,
        case.number,
    )
    assert event.after["subject"] == "Call queue not routing"


def test_numbers_follow_the_year_of_the_as_of_date(settings, full_admin):
    settings.PARTNERHUB_TODAY = "2027-01-02"
    assert open_case(full_admin).number.startswith("PH-2027-")


def test_a_case_may_name_a_customer_in_the_persons_scope(full_admin, partner):
    customer = CustomerFactory(partner=partner, ext_id="C1")
    assert open_case(full_admin, customer_id="C1").customer == customer


def test_a_customer_out_of_scope_answers_404_and_nothing_is_written(full_admin, other_partner):
    from django.http import Http404

    CustomerFactory(partner=other_partner, ext_id="C-OTHER")
    with pytest.raises(Http404):
        open_case(full_admin, customer_id="C-OTHER")
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"area": "meetings"}, "area"),
        ({"severity": "5"}, "severity"),
        ({"severity": "0"}, "severity"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(full_admin, overrides, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        open_case(full_admin, **overrides)
    assert field in caught.value.message_dict
    assert not Case.objects.exists() and not AuditEvent.objects.exists()


def test_severity_four_and_one_are_the_accepted_bounds(full_admin):
    assert open_case(full_admin, severity=1).severity == 1
    assert open_case(full_admin, severity=4).severity == 4


# --- Roles × actions (web) -------------------------------------------------------------------


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_every_admin_role_may_open_a_case_from_the_form(client, people, role):
    client.force_login(people[role])
    assert client.get(reverse("helpdesk:new")).status_code == 200
    response = client.post(reverse("helpdesk:new"), VALID)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("helpdesk:case", kwargs={"ref": case.number})
    assert case.opened_by == people[role]


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_every_admin_role_may_comment_on_the_partners_cases(client, people, partner, role):
    case = CaseFactory(partner=partner, opened_by=people[Role.PARTNER_FULL_ADMIN])
    client.force_login(people[role])
    url = reverse("helpdesk:comment", kwargs={"ref": case.number})
    assert client.post(url, {"body": "Any news?"}).status_code == 302
    assert Comment.objects.get().author == people[role]


def test_the_user_role_may_not_open_list_or_comment_and_nothing_changes(client, people, partner):
    case = CaseFactory(partner=partner)
    client.force_login(people[Role.USER])
    assert client.get(reverse("helpdesk:new")).status_code == 403
    assert client.post(reverse("helpdesk:new"), VALID).status_code == 403
    assert client.get(reverse("helpdesk:cases")).status_code == 403
    assert client.get(reverse("helpdesk:case", kwargs={"ref": case.number})).status_code == 403
    url = reverse("helpdesk:comment", kwargs={"ref": case.number})
    assert client.post(url, {"body": "hi"}).status_code == 403
    assert Case.objects.count() == 1 and not Comment.objects.exists()


def test_the_form_refuses_a_customer_out_of_scope_with_a_field_error(
    client, full_admin, other_partner
):
    CustomerFactory(partner=other_partner, ext_id="C-OTHER")
    client.force_login(full_admin)
    response = client.post(reverse("helpdesk:new"), {**VALID, "customer": "C-OTHER"})
    assert response.status_code == 422
    assert 'data-field="customer"' in response.content.decode()
    assert not Case.objects.exists()


def test_the_form_names_every_bad_field(client, full_admin):
    client.force_login(full_admin)
    response = client.post(reverse("helpdesk:new"), {"area": "fax", "severity": "9"})
    html = response.content.decode()
    assert response.status_code == 422
    for field in ("area", "severity", "subject", "description"):
        assert f'data-field="{field}"' in html
    assert not Case.objects.exists()


def test_customer_suggestions_stay_in_scope(client, partner, other_partner, people):
    CustomerFactory(partner=partner, ext_id="C-A", name="Contoso")
    CustomerFactory(partner=other_partner, ext_id="C-B", name="Contoso East")
    client.force_login(people[Role.PARTNER_FULL_ADMIN])
    html = client.get(reverse("helpdesk:customer_options"), {"customer": "conto"}).content
    assert b'value="C-A"' in html and b"C-B" not in html


# --- Isolation between partners --------------------------------------------------------------


def test_a_person_of_another_partner_gets_404_for_every_case_page(client, partner, stranger):
    case = CaseFactory(partner=partner)
    client.force_login(stranger)
    assert client.get(reverse("helpdesk:case", kwargs={"ref": case.number})).status_code == 404
    assert client.get(reverse("helpdesk:case", kwargs={"ref": case.pk})).status_code == 404
    response = client.post(reverse("helpdesk:comment", kwargs={"ref": case.number}), {"body": "x"})
    assert response.status_code == 404
    assert not Comment.objects.exists()
    assert case.number not in client.get(reverse("helpdesk:cases")).content.decode()


def test_the_case_list_shows_only_the_partners_own_cases(
    client, partner, other_partner, full_admin
):
    mine = CaseFactory(partner=partner, subject="Mine")
    theirs = CaseFactory(partner=other_partner, subject="Theirs")
    client.force_login(full_admin)
    html = client.get(reverse("helpdesk:cases")).content.decode()
    assert mine.number in html and theirs.number not in html


def test_a_sales_admin_does_not_see_cases_about_customers_outside_their_scope(client, partner):
    sales = UserFactory(partner=partner, role=Role.SALES_ADMIN)
    assigned = CustomerFactory(partner=partner)
    CustomerManagerFactory(customer=assigned, user=sales)
    other = CustomerFactory(partner=partner)
    visible = CaseFactory(partner=partner, customer=assigned)
    general = CaseFactory(partner=partner)
    hidden = CaseFactory(partner=partner, customer=other)
    client.force_login(sales)
    html = client.get(reverse("helpdesk:cases")).content.decode()
    assert visible.number in html and general.number in html and hidden.number not in html
    assert client.get(reverse("helpdesk:case", kwargs={"ref": hidden.number})).status_code == 404


# --- The helpdesk team ---------------------------------------------------------------------


def test_partner_people_cannot_change_status_or_assign_and_nothing_changes(
    client, partner, people, agent
):
    case = CaseFactory(partner=partner)
    for role in Role:
        client.force_login(people[role])
        status_url = reverse("helpdesk:status", kwargs={"ref": case.number})
        assign_url = reverse("helpdesk:assign", kwargs={"ref": case.number})
        assert client.post(status_url, {"status": "closed"}).status_code == 403
        assert client.post(assign_url, {"assignee": agent.pk}).status_code == 403
        assert client.get(reverse("helpdesk:queue")).status_code == 403
    case.refresh_from_db()
    assert (case.status, case.assignee_id) == ("new", None)
    assert StatusChange.objects.filter(case=case).count() == 1


def test_the_team_changes_status_and_the_history_records_it(client, partner, agent):
    case = CaseFactory(partner=partner)
    client.force_login(agent)
    response = client.post(
        reverse("helpdesk:status", kwargs={"ref": case.number}), {"status": "in_progress"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_progress"
    last = StatusChange.objects.filter(case=case).last()
    assert (last.from_status, last.to_status, last.by_id) == ("new", "in_progress", agent.pk)
    event = AuditEvent.objects.get(action="helpdesk.case_status")
    assert event.before["status"] == "new" and event.after["status"] == "in_progress"
    assert event.partner_id == partner.pk


def test_setting_the_same_status_again_is_a_field_error(client, partner, agent):
    case = CaseFactory(partner=partner)
    client.force_login(agent)
    response = client.post(
        reverse("helpdesk:status", kwargs={"ref": case.number}), {"status": "new"}
    )
    assert response.status_code == 422 and 'data-field="status"' in response.content.decode()
    assert StatusChange.objects.filter(case=case).count() == 1


def test_the_team_assigns_a_case_to_a_member(client, partner, agent):
    case = CaseFactory(partner=partner)
    client.force_login(agent)
    response = client.post(
        reverse("helpdesk:assign", kwargs={"ref": case.number}), {"assignee": agent.pk}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == agent


def test_only_a_team_member_can_be_an_assignee(partner, agent, full_admin):
    from django.core.exceptions import ValidationError

    case = CaseFactory(partner=partner)
    with pytest.raises(ValidationError) as caught:
        case_assign(user=agent, case=case, assignee=full_admin)
    assert "assignee" in caught.value.message_dict
    case.refresh_from_db()
    assert case.assignee is None


def test_the_team_cannot_open_cases_for_a_partner(client, agent):
    client.force_login(agent)
    assert client.get(reverse("helpdesk:new")).status_code == 403


def test_the_queue_shows_every_partners_open_cases_most_severe_first(
    client, partner, other_partner, agent
):
    low = CaseFactory(partner=partner, severity=4, subject="Question")
    high = CaseFactory(partner=other_partner, severity=1, subject="Outage")
    done = CaseFactory(partner=partner, status="closed", subject="Done")
    client.force_login(agent)
    html = client.get(reverse("helpdesk:queue")).content.decode()
    assert html.index(high.number) < html.index(low.number)
    assert done.number not in html
    assert done.number in client.get(reverse("helpdesk:queue"), {"status": "all"}).content.decode()


def test_the_queue_filters_assigned_to_me_and_unassigned(client, partner, agent):
    other_agent = HelpdeskUserFactory()
    mine = CaseFactory(partner=partner, assignee=agent)
    theirs = CaseFactory(partner=partner, assignee=other_agent)
    nobody = CaseFactory(partner=partner)
    client.force_login(agent)
    me = client.get(reverse("helpdesk:queue"), {"assigned": "me"}).content.decode()
    none = client.get(reverse("helpdesk:queue"), {"assigned": "none"}).content.decode()
    assert mine.number in me and theirs.number not in me and nobody.number not in me
    assert nobody.number in none and mine.number not in none


def test_a_partner_person_flagged_helpdesk_is_not_the_team(client, partner, other_partner):
    insider = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, is_helpdesk=True)
    theirs = CaseFactory(partner=other_partner)
    client.force_login(insider)
    assert client.get(reverse("helpdesk:queue")).status_code == 403
    assert client.get(reverse("helpdesk:case", kwargs={"ref": theirs.number})).status_code == 404


# --- Lists, threads, and the closed state ----------------------------------------------------


def test_the_case_list_filters_by_status_with_counts(client, partner, full_admin):
    new = CaseFactory(partner=partner)
    resolved = CaseFactory(partner=partner, status="resolved")
    client.force_login(full_admin)
    html = client.get(reverse("helpdesk:cases"), {"status": "resolved"}).content.decode()
    assert resolved.number in html and new.number not in html
    open_html = client.get(reverse("helpdesk:cases"), {"status": "open"}).content.decode()
    assert new.number in open_html and resolved.number not in open_html


def test_the_case_page_shows_the_thread_and_history(client, partner, full_admin, agent):
    case = CaseFactory(partner=partner, opened_by=full_admin)
    CommentFactory(case=case, author=full_admin, body="Logs attached.")
    CommentFactory(case=case, author=agent, by_helpdesk=True, body="Please restart the queue.")
    StatusChange.objects.create(
        case=case, from_status="new", to_status="waiting_on_partner", by=agent
    )
    client.force_login(full_admin)
    html = client.get(reverse("helpdesk:case", kwargs={"ref": case.number})).content.decode()
    assert html.index("Logs attached.") < html.index("Please restart the queue.")
    assert "Waiting on partner" in html and "Partner Helpdesk" in html
    assert 'data-testid="team-actions"' not in html


def test_partners_cannot_comment_on_a_closed_case(client, partner, full_admin):
    case = CaseFactory(partner=partner, status="closed")
    client.force_login(full_admin)
    response = client.post(reverse("helpdesk:comment", kwargs={"ref": case.number}), {"body": "hi"})
    assert response.status_code == 422 and 'data-field="body"' in response.content.decode()
    assert not Comment.objects.exists()


def test_an_empty_comment_names_the_field(client, partner, full_admin):
    case = CaseFactory(partner=partner)
    client.force_login(full_admin)
    response = client.post(reverse("helpdesk:comment", kwargs={"ref": case.number}), {"body": " "})
    assert response.status_code == 422 and 'data-field="body"' in response.content.decode()
    assert not Comment.objects.exists()


# --- E-mails ---------------------------------------------------------------------------------


def test_opening_mails_the_opener_and_the_team_after_commit(
    full_admin, agent, django_capture_on_commit_callbacks
):
    second = HelpdeskUserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(full_admin)
    assert [m.to for m in mail.outbox] == [[full_admin.email], [agent.email, second.email]] or [
        m.to for m in mail.outbox
    ] == [[full_admin.email], [second.email, agent.email]]
    assert all(case.number in m.subject for m in mail.outbox)
    assert "Call queue not routing" in mail.outbox[0].subject


def test_nothing_is_mailed_when_the_transaction_does_not_commit(full_admin, agent):
    open_case(full_admin)
    assert mail.outbox == []


def test_a_comment_and_each_status_change_and_assignment_are_mailed(
    partner, full_admin, agent, django_capture_on_commit_callbacks
):
    case = CaseFactory(partner=partner, opened_by=full_admin)
    with django_capture_on_commit_callbacks(execute=True):
        case_comment(user=agent, case=case, body="Which queue?")
    assert len(mail.outbox) == 2 and "Which queue?" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        case_set_status(user=agent, case=case, status="waiting_on_partner")
    assert len(mail.outbox) == 4 and "Waiting on partner" in mail.outbox[2].subject
    with django_capture_on_commit_callbacks(execute=True):
        case_assign(user=agent, case=case, assignee=agent)
    assert len(mail.outbox) == 6
    assert mail.outbox[4].to == [full_admin.email] and mail.outbox[5].to == [agent.email]


# --- Query counts ----------------------------------------------------------------------------


def test_the_case_list_and_queue_keep_a_constant_number_of_queries(
    client, partner, full_admin, agent, django_assert_max_num_queries
):
    def fill(n: int) -> None:
        for _ in range(n):
            case = CaseFactory(
                partner=partner,
                opened_by=full_admin,
                customer=CustomerFactory(partner=partner),
                assignee=agent,
            )
            CommentFactory(case=case, author=full_admin)

    fill(2)
    client.force_login(full_admin)
    with django_assert_max_num_queries(10) as small_list:
        client.get(reverse("helpdesk:cases"))
    client.force_login(agent)
    with django_assert_max_num_queries(10) as small_queue:
        client.get(reverse("helpdesk:queue"))
    fill(20)
    client.force_login(full_admin)
    with django_assert_max_num_queries(10) as large_list:
        client.get(reverse("helpdesk:cases"))
    client.force_login(agent)
    with django_assert_max_num_queries(10) as large_queue:
        client.get(reverse("helpdesk:queue"))
    assert len(small_list.captured_queries) == len(large_list.captured_queries)
    assert len(small_queue.captured_queries) == len(large_queue.captured_queries)


def test_the_case_page_keeps_a_constant_number_of_queries(
    client, partner, full_admin, agent, django_assert_max_num_queries
):
    case = CaseFactory(partner=partner, opened_by=full_admin)
    CommentFactory(case=case, author=full_admin)
    client.force_login(agent)
    url = reverse("helpdesk:case", kwargs={"ref": case.number})
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    for n in range(15):
        CommentFactory(case=case, author=agent if n % 2 else full_admin, by_helpdesk=bool(n % 2))
        StatusChange.objects.create(case=case, from_status="new", to_status="in_progress", by=agent)
    with django_assert_max_num_queries(14) as large:
        client.get(url)
    assert len(small.captured_queries) == len(large.captured_queries)
