"""Issue 14, points 7 and 8: extending a trial never shortens it by surprise (pages, service, API),
and the set-up wizard shows no error on arrival and is linked from where people look for it."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.trials.services import trial_extend
from tests.conftest import api_client_for
from tests.factories import (
    CustomerFactory,
    CustomerManagerFactory,
    D,
    ExternalAdminFactory,
    ItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NEW_END = D + dt.timedelta(days=30)  # 2026-12-26: what Extend sets, today + 30 days
LONG_END = D + dt.timedelta(days=58)  # 59 days left, counting today: extending shortens it
SHORT_END = D + dt.timedelta(days=9)  # 10 days left: extending lengthens it
MANAGERS = [Role.PARTNER_FULL_ADMIN, Role.SALES_FULL_ADMIN, Role.SALES_ADMIN]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def customer(partner: Any, people: dict[str, Any]) -> Any:
    customer = CustomerFactory(
        partner=partner, ext_id="C1", name="Contoso", admin_email="it@contoso.example"
    )
    CustomerManagerFactory(customer=customer, user=people[Role.SALES_ADMIN])
    return customer


def _trial(customer: Any, end: dt.date, ext_id: str = "Trial-100001") -> Any:
    return ItemFactory(
        customer=customer,
        is_trial=True,
        ext_id=ext_id,
        start=D - dt.timedelta(days=31),
        end=end,
        lines={"calling": 10},
    )


@pytest.fixture
def long_trial(customer: Any) -> Any:
    return _trial(customer, LONG_END)


@pytest.fixture
def short_trial(customer: Any) -> Any:
    return _trial(customer, SHORT_END)


def _unchanged(trial: Any, end: dt.date) -> None:
    trial.refresh_from_db()
    assert (trial.state, trial.end) == ("active", end)
    assert not AuditEvent.objects.filter(action="trial.extend").exists()


# --- the rule, in the service -------------------------------------------------------------------


def test_the_service_refuses_to_shorten_a_trial_without_confirmation(full_admin, long_trial):
    with pytest.raises(ValidationError) as exc:
        trial_extend(actor=full_admin, trial=long_trial)

    assert exc.value.error_dict["confirm_shorten"][0].code == "shortens"
    message = " ".join(exc.value.message_dict["confirm_shorten"])
    assert "it now ends on 2027-01-23; after extending it ends on 2026-12-26" in message
    _unchanged(long_trial, LONG_END)


def test_the_service_shortens_a_trial_when_confirmed(full_admin, long_trial):
    trial_extend(actor=full_admin, trial=long_trial, confirm_shorten=True)

    long_trial.refresh_from_db()
    assert long_trial.end == NEW_END
    event = AuditEvent.objects.get(action="trial.extend")
    assert (event.before["end"], event.after["end"]) == ("2027-01-23", "2026-12-26")


def test_an_extend_that_lengthens_needs_no_confirmation(full_admin, short_trial):
    trial_extend(actor=full_admin, trial=short_trial)

    short_trial.refresh_from_db()
    assert short_trial.end == NEW_END


# --- the confirmation page (without JavaScript, and the detail page's way) ------------------------


def test_the_confirmation_says_the_extend_shortens_and_the_button_says_so(full_admin, long_trial):
    page = html(client_for(full_admin).get(reverse("trials:extend", args=[long_trial.ext_id])))

    assert 'data-testid="current-end">2027-01-23<' in page
    assert 'data-testid="new-end">2026-12-26<' in page
    assert (
        "This shortens the trial: it now ends on 2027-01-23; after extending it ends on 2026-12-26."
        in page
    )
    assert re.search(r'data-testid="confirm">\s*Shorten to 2026-12-26\s*<', page)
    assert 'name="confirm" value="1"' in page
    assert "Extend by 30 days" not in page
    _unchanged(long_trial, LONG_END)


def test_the_confirmation_of_a_lengthening_extend_says_extend_to(full_admin, short_trial):
    page = html(client_for(full_admin).get(reverse("trials:extend", args=[short_trial.ext_id])))

    assert 'data-testid="current-end">2026-12-05<' in page
    assert re.search(r'data-testid="confirm">\s*Extend to 2026-12-26\s*<', page)
    assert 'data-testid="shortens"' not in page
    assert 'name="confirm"' not in page


@pytest.mark.parametrize("role", MANAGERS)
def test_a_manager_cannot_shorten_a_trial_by_posting_without_confirmation(people, long_trial, role):
    # As the Trials tab did (issue 14): a bare POST straight to Extend.
    response = client_for(people[role]).post(
        reverse("trials:extend", args=[long_trial.ext_id]),
        {"next": "/customers/C1/?tab=trials"},
    )

    assert response.status_code == 409
    page = html(response)
    assert 'data-testid="refused"' in page
    assert "Nothing was changed" in page
    assert "Shorten to 2026-12-26" in page  # and it asks for the confirmation it lacked
    _unchanged(long_trial, LONG_END)


def test_a_manager_shortens_a_trial_by_confirming(full_admin, long_trial):
    response = client_for(full_admin).post(
        reverse("trials:extend", args=[long_trial.ext_id]),
        {"next": "/customers/C1/?tab=trials", "confirm": "1"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/customers/C1/?tab=trials"
    long_trial.refresh_from_db()
    assert long_trial.end == NEW_END


def test_the_trial_page_shows_the_end_after_extending(full_admin, long_trial):
    page = html(client_for(full_admin).get(reverse("trials:detail", args=[long_trial.ext_id])))

    assert re.search(r'data-testid="extension-end">2026-12-26\s*<span[^>]*>earlier than now', page)


# --- the customer's Trials tab ------------------------------------------------------------------


def test_the_trials_tab_asks_before_extending_and_shows_both_ends(full_admin, long_trial):
    page = html(client_for(full_admin).get("/customers/C1/", {"tab": "trials"}))

    # The tab no longer posts at once: Extend opens a dialog (or, without JavaScript, the page).
    assert not re.search(
        r'<form method="post" action="/trials/Trial-100001/extend/"[^>]*>\s*'
        r'(<input[^>]*>\s*)*<button[^>]*data-testid="extend-trial"',
        page,
    )
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*data-testid="extend-trial"', page)
    assert link is not None
    assert link.group(1) == "/trials/Trial-100001/extend/?next=%2Fcustomers%2FC1%2F%3Ftab%3Dtrials"
    dialog = page[page.index('data-testid="extend-dialog"') :]
    assert 'data-testid="current-end">2027-01-23<' in dialog
    assert 'data-testid="new-end">2026-12-26<' in dialog
    assert "This shortens the trial" in dialog
    assert "Shorten to 2026-12-26" in dialog


def test_the_trials_tab_link_leads_to_the_confirmation_and_back(full_admin, long_trial):
    client = client_for(full_admin)

    page = html(client.get("/trials/Trial-100001/extend/?next=%2Fcustomers%2FC1%2F%3Ftab%3Dtrials"))

    assert re.search(r'<a [^>]*href="/customers/C1/\?tab=trials"[^>]*data-testid="cancel"', page)
    assert 'name="next" value="/customers/C1/?tab=trials"' in page


def test_a_readonly_admin_sees_no_extend_on_the_trials_tab(people, long_trial):
    page = html(client_for(people[Role.PARTNER_READONLY_ADMIN]).get("/customers/C1/?tab=trials"))

    assert 'data-testid="extend-trial"' not in page
    assert 'data-testid="extend-dialog"' not in page


# --- the API ------------------------------------------------------------------------------------


def _api(user: Any, path: str, body: Any = None) -> Any:
    client = api_client_for(user)
    if body is None:  # as `curl -X POST …/extend` sends it: no body at all
        return client.generic("POST", f"/api/v1{path}")
    return client.post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")


def test_the_api_refuses_a_shortening_extend_without_confirm_shorten(full_admin, long_trial):
    for body in (None, {}, {"confirm_shorten": False}):
        response = _api(full_admin, "/trials/Trial-100001/extend", body)

        assert response.status_code == 422, body
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", "confirm_shorten"]
        assert "after extending it ends on 2026-12-26" in error["msg"]
    _unchanged(long_trial, LONG_END)


def test_the_api_shortens_with_confirm_shorten(full_admin, long_trial):
    response = _api(full_admin, "/trials/Trial-100001/extend", {"confirm_shorten": True})

    assert response.status_code == 200
    answer = response.json()
    assert (answer["end"], answer["previous_end"]) == ("2026-12-26", "2027-01-23")
    long_trial.refresh_from_db()
    assert long_trial.end == NEW_END


def test_the_api_extends_as_before_when_it_does_not_shorten(full_admin, short_trial):
    response = _api(full_admin, "/trials/Trial-100001/extend")

    assert response.status_code == 200
    answer = response.json()
    assert answer["id"] == "Trial-100001"
    assert (answer["end"], answer["previous_end"]) == ("2026-12-26", "2026-12-05")
    short_trial.refresh_from_db()
    assert short_trial.end == NEW_END


@pytest.mark.parametrize("body", [None, {"confirm_shorten": True}])
def test_an_api_dry_run_answers_the_new_end_and_changes_nothing(full_admin, long_trial, body):
    response = _api(full_admin, "/trials/Trial-100001/extend?dry_run=true", body)

    assert response.status_code == 200
    answer = response.json()
    assert (answer["end"], answer["previous_end"], answer["state"]) == (
        "2026-12-26",
        "2027-01-23",
        "active",
    )
    _unchanged(long_trial, LONG_END)


def test_an_api_dry_run_is_refused_like_the_extend(people, customer):
    ended = ItemFactory(
        customer=customer, is_trial=True, ext_id="Trial-7", state="ended", end=D - dt.timedelta(3)
    )
    _trial(customer, LONG_END, ext_id="Trial-8")

    not_in_force = _api(people[Role.PARTNER_FULL_ADMIN], "/trials/Trial-7/extend?dry_run=true")
    readonly = _api(people[Role.PARTNER_READONLY_ADMIN], "/trials/Trial-8/extend?dry_run=true")

    assert not_in_force.status_code == 422
    assert not_in_force.json()["detail"][0]["loc"] == ["body", "state"]
    assert readonly.status_code == 403
    ended.refresh_from_db()
    assert ended.end == D - dt.timedelta(3)


def test_the_api_document_declares_confirm_shorten_and_dry_run(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"][
        "/api/v1/trials/{trial_id}/extend"
    ]
    post = operation["post"]

    assert "dry_run" in {p["name"] for p in post["parameters"]}
    assert "previous_end" in json.dumps(client.get("/api/v1/openapi.json").json()["components"])
    assert "confirm_shorten" in json.dumps(client.get("/api/v1/openapi.json").json()["components"])


# --- the set-up wizard: no error on arrival -----------------------------------------------------

SETUP_URL = reverse("subscriptions:setup", args=["Sub-100002"])


@pytest.fixture
def quiet(partner: Any) -> Any:
    """A customer with no administrator e-mail on record and an order waiting for set-up."""
    customer = CustomerFactory(partner=partner, ext_id="C7", name="Quiet Ltd", admin_email="")
    ItemFactory(
        customer=customer,
        ext_id="Sub-100002",
        state="provisioning",
        start=dt.date(2026, 12, 1),
        end=dt.date(2027, 11, 30),
        lines={"meetings": 40},
    )
    return customer


def _leave(client: Client, step: str, **values: str) -> Any:
    data = {"organization_name": "Quiet Ltd", "admin_email": "", "start": "2026-12-01"}
    data.update(values)
    return client.post(SETUP_URL, {"step": step, "go": "next", **data})


def test_the_wizard_shows_no_error_on_arrival(full_admin, quiet):
    page = html(client_for(full_admin).get(SETUP_URL))

    assert "This field is required." not in page
    assert "is-invalid" not in page


def test_step_2_shows_no_error_on_arrival_even_when_the_record_has_no_e_mail(full_admin, quiet):
    response = _leave(client_for(full_admin), "organization")

    assert response.context["step"] == "admin"
    page = html(response)
    assert "This field is required." not in page
    assert "is-invalid" not in page
    assert 'aria-invalid="true"' not in page
    assert 'data-field="admin_email"' not in page


def test_step_2_names_the_error_only_once_it_is_left_and_clears_it_when_fixed(full_admin, quiet):
    client = client_for(full_admin)

    refused = _leave(client, "admin")
    fixed = _leave(client, "admin", admin_email="boss@quiet.example")

    assert refused.context["step"] == "admin"
    assert 'data-field="admin_email"' in html(refused)
    assert "This field is required." in html(refused)
    assert fixed.context["step"] == "start"
    assert 'data-field="admin_email"' not in html(fixed)
    assert "is-invalid" not in html(fixed)


def test_going_back_shows_no_error(full_admin, quiet):
    response = client_for(full_admin).post(
        SETUP_URL,
        {"step": "admin", "go": "back", "organization_name": "Q", "admin_email": "nope"},
    )

    assert response.context["step"] == "organization"
    assert "is-invalid" not in html(response)


# --- the set-up wizard: linked from the list, the details and the Subscriptions tab -------------

WIZARD = "/subscriptions/Sub-100002/setup/"


@pytest.fixture
def external_admin(other_partner: Any, quiet: Any) -> Any:
    """A full administrator of another partner who is an external administrator of `quiet`."""
    person = UserFactory(
        partner=other_partner, role=Role.PARTNER_FULL_ADMIN, email="ext@fabrikam.example"
    )
    ExternalAdminFactory(customer=quiet, user=person)
    return person


def _caller(people: dict[str, Any], external_admin: Any, quiet: Any, who: str) -> Any:
    if who == "external":
        return external_admin
    if who == Role.SALES_ADMIN:  # a sales administrator sees only the customers they manage
        CustomerManagerFactory(customer=quiet, user=people[who])
    return people[who]


WHO_MAY = [
    (Role.PARTNER_FULL_ADMIN, True),
    (Role.SALES_FULL_ADMIN, True),
    (Role.SALES_ADMIN, True),
    (Role.PARTNER_READONLY_ADMIN, False),
    ("external", False),  # set-ups of an external customer are its managing partner's
]


@pytest.mark.parametrize(("who", "linked"), WHO_MAY)
def test_the_ready_badge_of_the_list_leads_to_the_wizard_for_who_may_set_up(
    people, external_admin, quiet, who, linked
):
    page = html(client_for(_caller(people, external_admin, quiet, who)).get("/customers/"))

    row = page[page.index('data-customer="C7"') :]
    row = row[: row.index("</tr>")]
    assert 'data-status="ready_to_set_up"' in row
    assert (f'<a href="{WIZARD}" class="badge' in row) is linked
    assert ('data-testid="setup-badge"' in row) is linked
    assert (f'href="{WIZARD}" class="btn btn-icon' in row) is linked
    assert ('data-testid="setup-order"' in row) is linked


@pytest.mark.parametrize(("who", "linked"), WHO_MAY)
def test_the_details_badge_and_subscriptions_tab_lead_to_the_wizard_for_who_may_set_up(
    people, external_admin, quiet, who, linked
):
    client = client_for(_caller(people, external_admin, quiet, who))

    overview = html(client.get("/customers/C7/"))
    tab = html(client.get("/customers/C7/", {"tab": "subscriptions"}))

    assert 'data-status="ready_to_set_up"' in overview
    assert ('data-testid="setup-badge"' in overview) is linked
    assert (f'<a href="{WIZARD}" class="badge' in overview) is linked
    assert (f'href="{WIZARD}" data-testid="setup-subscription"' in tab) is linked


def test_no_set_up_link_without_an_order_waiting(full_admin, partner):
    customer = CustomerFactory(partner=partner, ext_id="C8", name="Busy")
    ItemFactory(customer=customer, ext_id="Sub-1", state="active")

    listed = html(client_for(full_admin).get("/customers/"))
    tab = html(client_for(full_admin).get("/customers/C8/", {"tab": "subscriptions"}))

    assert 'data-testid="setup-order"' not in listed
    assert 'data-testid="setup-badge"' not in listed
    assert 'data-testid="setup-subscription"' not in tab


def test_the_subscriptions_tab_offers_set_up_only_on_provisioning_subscriptions(full_admin, quiet):
    ItemFactory(customer=quiet, ext_id="Sub-100003", state="provisioning")
    ItemFactory(customer=quiet, ext_id="Sub-100004", state="active")

    tab = html(client_for(full_admin).get("/customers/C7/", {"tab": "subscriptions"}))

    assert tab.count('data-testid="setup-subscription"') == 2
    assert 'href="/subscriptions/Sub-100003/setup/"' in tab
    assert 'href="/subscriptions/Sub-100004/setup/"' not in tab


def _count(client: Client, url: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_keeps_a_constant_number_of_queries_with_set_up_links(full_admin, partner):
    client = client_for(full_admin)

    def add(n: int, prefix: str) -> None:
        for i in range(n):
            c = CustomerFactory(partner=partner, name=f"{prefix} {i:03d}")
            ItemFactory(customer=c, state="provisioning", lines={"calling": 2})
            ItemFactory(customer=c, state="provisioning", lines={"meetings": 2})

    add(3, "First")
    few = _count(client, "/customers/")
    add(27, "Second")
    page = html(client.get("/customers/"))

    assert _count(client, "/customers/") == few
    assert page.count('data-testid="setup-order"') == 30


def test_the_details_keep_a_constant_number_of_queries_with_set_up_links(full_admin, quiet):
    client = client_for(full_admin)
    few = {tab: _count(client, "/customers/C7/", tab=tab) for tab in ("overview", "subscriptions")}

    ItemFactory.create_batch(20, customer=quiet, state="provisioning")

    many = {tab: _count(client, "/customers/C7/", tab=tab) for tab in ("overview", "subscriptions")}
    assert many == few
