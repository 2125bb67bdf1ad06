"""Organization pages: Launch my organization (wizard, people, services and usage) and Launch
organization for a customer (services and licenses, users, assignment) — roles, read-only,
form errors, and constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerhub.accounts.models import User
from partnerhub.core.models import AuditEvent
from partnerhub.customers.models import CustomerUser
from partnerhub.subscriptions.models import Assignment
from tests.factories import (
    AssignmentFactory,
    CustomerFactory,
    CustomerManagerFactory,
    CustomerUserFactory,
    D,
    ItemFactory,
    UserFactory,
)


def _caller(people, stranger, role):
    return stranger if role == "stranger" else people[role]


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def set_up(partner, full_admin):
    partner.org_setup_at = partner.terms_accepted_at = timezone.now()
    partner.terms_accepted_by = full_admin
    partner.save()
    return partner


# --- first-time wizard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner_full_admin", 200),
        ("sales_full_admin", 200),
        ("sales_admin", 200),
        ("partner_readonly_admin", 200),
        ("user", 403),
    ],
)
def test_who_may_launch_the_own_organization(client, people, role, status):
    client.force_login(people[role])

    response = client.get(reverse("orgs:my_org"))

    assert response.status_code == status
    if status == 200:
        assert 'data-testid="org-wizard"' in response.content.decode()


def test_the_wizard_shows_the_plan_then_the_terms(client, full_admin, partner):
    CustomerFactory.create_batch(2, partner=partner)
    client.force_login(full_admin)

    plan = client.get(reverse("orgs:my_org")).content.decode()
    terms = client.get(reverse("orgs:my_org") + "?step=terms").content.decode()

    assert 'data-testid="wizard-plan"' in plan
    assert 'data-testid="wizard-terms"' in terms and "Get started" in terms


def test_accepting_the_terms_sets_up_the_organization(client, full_admin, partner):
    client.force_login(full_admin)

    response = client.post(reverse("orgs:my_org_setup"), {"accept_terms": "on"}, follow=True)

    partner.refresh_from_db()
    assert partner.terms_accepted_by == full_admin and partner.org_setup_at is not None
    assert 'data-testid="get-started"' in response.content.decode()
    assert AuditEvent.objects.filter(action="org.setup").count() == 1


def test_get_started_without_accepting_names_the_checkbox(client, full_admin, partner):
    client.force_login(full_admin)

    response = client.post(reverse("orgs:my_org_setup"), {})

    assert 'data-field="accept_terms"' in response.content.decode()
    partner.refresh_from_db()
    assert partner.org_setup_at is None


@pytest.mark.parametrize(
    "role", ["sales_full_admin", "sales_admin", "partner_readonly_admin", "user"]
)
def test_only_a_full_admin_may_accept_the_terms(client, people, partner, role):
    client.force_login(people[role])

    response = client.post(reverse("orgs:my_org_setup"), {"accept_terms": "on"})

    assert response.status_code == 403
    partner.refresh_from_db()
    assert partner.org_setup_at is None


def test_others_are_told_to_ask_a_full_admin(client, people):
    client.force_login(people["sales_full_admin"])

    html = client.get(reverse("orgs:my_org") + "?step=terms").content.decode()

    assert 'data-testid="ask-full-admin"' in html and "Get started</button>" not in html


def test_the_own_pages_wait_for_the_set_up(client, full_admin):
    client.force_login(full_admin)

    assert client.get(reverse("orgs:my_org_people"))["Location"] == reverse("orgs:my_org")


def test_once_set_up_the_overview_shows_who_accepted_the_terms(client, full_admin, set_up):
    client.force_login(full_admin)

    html = client.get(reverse("orgs:my_org")).content.decode()

    assert 'data-testid="terms-accepted"' in html and full_admin.display_name in html


# --- own people --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "controls"),
    [
        ("partner_full_admin", True),
        ("sales_full_admin", False),
        ("sales_admin", False),
        ("partner_readonly_admin", False),
    ],
)
def test_every_admin_sees_the_people_but_only_full_admins_change_them(
    client, people, set_up, role, controls
):
    client.force_login(people[role])

    html = client.get(reverse("orgs:my_org_people")).content.decode()

    assert "user@northwind.example" in html
    assert ('data-testid="person-form"' in html) == controls
    assert ("Deactivate</button>" in html) == controls


def test_people_search_answers_the_table_fragment_to_htmx(client, full_admin, set_up, people):
    client.force_login(full_admin)

    response = client.get(reverse("orgs:my_org_people") + "?q=sales_admin", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.startswith('<div id="people-table">')
    assert "sales_admin@northwind.example" in html and "partner_full_admin@" not in html


def test_people_sort_by_e_mail_descending(client, full_admin, set_up, people):
    client.force_login(full_admin)

    page = client.get(reverse("orgs:my_org_people") + "?sort=-email").context["page"]

    emails = [p.email for p in page]
    assert emails == sorted(emails, reverse=True)


def test_adding_a_person(client, full_admin, set_up):
    client.force_login(full_admin)

    response = client.post(
        reverse("orgs:my_org_person_add"),
        {"email": "new@northwind.example", "name": "Nowy", "role": "user"},
    )

    assert response.status_code == 302
    assert User.objects.get(email="new@northwind.example").partner == set_up


def test_adding_a_person_with_a_taken_e_mail_names_the_field(client, full_admin, set_up, stranger):
    client.force_login(full_admin)

    response = client.post(
        reverse("orgs:my_org_person_add"), {"email": stranger.email, "role": "user"}
    )

    assert response.status_code == 200
    assert 'data-field="email"' in response.content.decode()
    assert User.objects.filter(email=stranger.email).count() == 1


@pytest.mark.parametrize(
    "role", ["sales_full_admin", "sales_admin", "partner_readonly_admin", "user"]
)
def test_others_may_not_add_or_deactivate_people(client, people, set_up, role):
    client.force_login(people[role])
    target = people["user"] if role != "user" else people["sales_admin"]

    added = client.post(
        reverse("orgs:my_org_person_add"), {"email": "x@northwind.example", "role": "user"}
    )
    deactivated = client.post(reverse("orgs:my_org_person_active", args=[target.pk, 0]))

    assert (added.status_code, deactivated.status_code) == (403, 403)
    target.refresh_from_db()
    assert target.is_active and not User.objects.filter(email="x@northwind.example").exists()


def test_deactivating_a_person(client, full_admin, set_up, people):
    client.force_login(full_admin)

    client.post(reverse("orgs:my_org_person_active", args=[people["user"].pk, 0]))

    people["user"].refresh_from_db()
    assert not people["user"].is_active


def test_a_person_of_another_partner_answers_404(client, full_admin, set_up, stranger):
    client.force_login(full_admin)

    assert (
        client.post(reverse("orgs:my_org_person_active", args=[stranger.pk, 0])).status_code == 404
    )
    stranger.refresh_from_db()
    assert stranger.is_active


def test_own_pages_keep_a_constant_number_of_queries(client, full_admin, set_up):
    client.force_login(full_admin)
    own = CustomerFactory(partner=set_up, ext_id=set_up.ext_id)
    ItemFactory(customer=own, lines={"calling": 5})
    urls = [reverse("orgs:my_org"), reverse("orgs:my_org_people"), reverse("orgs:my_org_services")]
    few = [_count(client, u) for u in urls]

    UserFactory.create_batch(20, partner=set_up)
    CustomerFactory.create_batch(10, partner=set_up)
    sub = ItemFactory(customer=own, lines={"meetings": 9, "calling": 3})
    for u in CustomerUserFactory.create_batch(10, customer=own):
        AssignmentFactory(user=u, item=sub, product="meetings")

    assert [_count(client, u) for u in urls] == few


def test_own_services_show_the_own_usage(client, full_admin, set_up):
    own = CustomerFactory(partner=set_up, ext_id=set_up.ext_id)
    sub = ItemFactory(customer=own, lines={"calling": 5})
    AssignmentFactory(user=CustomerUserFactory(customer=own), item=sub, product="calling")
    client.force_login(full_admin)

    response = client.get(reverse("orgs:my_org_services"))

    assert [(r["licenses"], r["assigned"]) for r in response.context["usage"]] == [(5, 1)]


def test_without_an_own_customer_record_the_services_are_an_empty_state(client, full_admin, set_up):
    client.force_login(full_admin)

    assert (
        'data-testid="no-own-services"'
        in client.get(reverse("orgs:my_org_services")).content.decode()
    )


# --- a customer's organization -----------------------------------------------------------------


@pytest.fixture
def customer(partner, people):
    customer = CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    CustomerManagerFactory(customer=customer, user=people["sales_admin"])
    return customer


@pytest.fixture
def sub(customer):
    return ItemFactory(customer=customer, ext_id="Sub-1", lines={"calling": 2})


@pytest.fixture
def users(customer):
    return [
        CustomerUserFactory(customer=customer, ext_id=f"U{i}", email=f"u{i}@contoso.example")
        for i in range(3)
    ]


ORG_PAGES = ["services", "users", "assign"]


def _org_url(page):
    return {
        "services": reverse("orgs:customer_org", args=["C1"]),
        "users": reverse("orgs:customer_org_users", args=["C1"]),
        "assign": reverse("orgs:customer_org_assign", args=["C1", "Sub-1", "calling"]),
    }[page]


@pytest.mark.parametrize("page", ORG_PAGES)
@pytest.mark.parametrize(
    ("role", "status", "read_only"),
    [
        ("partner_full_admin", 200, False),
        ("sales_full_admin", 200, False),
        ("sales_admin", 200, False),
        ("partner_readonly_admin", 200, True),
        ("user", 403, None),
        ("stranger", 404, None),
    ],
)
def test_who_may_launch_a_customers_organization(
    client, people, stranger, sub, users, page, role, status, read_only
):
    client.force_login(_caller(people, stranger, role))

    response = client.get(_org_url(page))

    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert ('data-testid="read-only"' in html) == read_only
        assert ('data-testid="user-form"' in html) == (page == "users" and not read_only)
        assert ('data-testid="bulk-assign"' in html) == (page == "assign" and not read_only)


def test_a_sales_admin_cannot_launch_a_customer_outside_their_scope(client, people, partner):
    CustomerFactory(partner=partner, ext_id="C2")
    client.force_login(people["sales_admin"])

    assert client.get(reverse("orgs:customer_org", args=["C2"])).status_code == 404


def test_an_unknown_product_or_item_answers_404(client, full_admin, sub):
    client.force_login(full_admin)

    assert (
        client.get(reverse("orgs:customer_org_assign", args=["C1", "Sub-1", "fax"])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("orgs:customer_org_assign", args=["C1", "Sub-1", "meetings"])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("orgs:customer_org_assign", args=["C1", "Sub-9", "calling"])).status_code
        == 404
    )


def test_users_search_and_add(client, full_admin, users):
    client.force_login(full_admin)

    found = client.get(reverse("orgs:customer_org_users", args=["C1"]) + "?q=u1@").context["page"]
    added = client.post(
        reverse("orgs:customer_org_user_add", args=["C1"]),
        {"email": "new@contoso.example", "name": "New"},
    )
    bad = client.post(
        reverse("orgs:customer_org_user_add", args=["C1"]), {"email": "u0@contoso.example"}
    )

    assert [u.email for u in found] == ["u1@contoso.example"]
    assert (
        added.status_code == 302
        and CustomerUser.objects.filter(email="new@contoso.example").exists()
    )
    assert 'data-field="email"' in bad.content.decode()
    assert AuditEvent.objects.filter(action="customer_user.add", on_behalf=True).count() == 1


@pytest.mark.parametrize("role", ["partner_readonly_admin", "user"])
def test_read_only_roles_cannot_change_a_customers_organization(client, people, sub, users, role):
    client.force_login(people[role])
    change = reverse("orgs:customer_org_assign_change", args=["C1", "Sub-1", "calling"])

    assigned = client.post(change, {"operation": "assign", "user": ["U0"]})
    added = client.post(
        reverse("orgs:customer_org_user_add", args=["C1"]), {"email": "x@contoso.example"}
    )

    assert (assigned.status_code, added.status_code) == (403, 403)
    assert not Assignment.objects.exists() and CustomerUser.objects.count() == 3
    assert not AuditEvent.objects.exists()


def test_a_stranger_cannot_change_a_customers_organization(client, stranger, sub, users):
    client.force_login(stranger)

    response = client.post(
        reverse("orgs:customer_org_assign_change", args=["C1", "Sub-1", "calling"]),
        {"operation": "assign", "user": ["U0"]},
    )

    assert response.status_code == 404
    assert not Assignment.objects.exists()


def test_bulk_assign_within_the_limit(client, full_admin, sub, users):
    client.force_login(full_admin)

    response = client.post(
        reverse("orgs:customer_org_assign_change", args=["C1", "Sub-1", "calling"]),
        {"operation": "assign", "user": ["U0", "U1"], "back_query": "show=all"},
    )

    assert (
        response["Location"]
        == reverse("orgs:customer_org_assign", args=["C1", "Sub-1", "calling"]) + "?show=all"
    )
    assert Assignment.objects.filter(item=sub, to_date=None).count() == 2


def test_exceeding_the_limit_warns_first_and_confirming_makes_an_overage(
    client, full_admin, sub, users
):
    client.force_login(full_admin)
    change = reverse("orgs:customer_org_assign_change", args=["C1", "Sub-1", "calling"])

    warned = client.post(change, {"operation": "assign", "user": ["U0", "U1", "U2"]})
    assert 'data-testid="overage-warning"' in warned.content.decode()
    assert "3 of 2 purchased" in warned.content.decode()
    assert not Assignment.objects.exists()

    client.post(change, {"operation": "assign", "user": ["U0", "U1", "U2"], "confirm_overage": "1"})
    page = client.get(reverse("orgs:customer_org_assign", args=["C1", "Sub-1", "calling"]))
    assert page.context["figures"]["overage"] == 1
    assert AuditEvent.objects.get(action="license.assign").after["overage"] == 1


def test_unassign_one_user(client, full_admin, sub, users):
    AssignmentFactory(user=users[0], item=sub, product="calling", from_date=dt.date(2026, 5, 1))
    client.force_login(full_admin)

    client.post(
        reverse("orgs:customer_org_assign_change", args=["C1", "Sub-1", "calling"]),
        {"operation": "unassign", "user": ["U0"]},
    )

    assert Assignment.objects.get().to_date == D


def test_show_filters_who_holds_the_license(client, full_admin, sub, users):
    AssignmentFactory(user=users[0], item=sub, product="calling")
    client.force_login(full_admin)
    url = reverse("orgs:customer_org_assign", args=["C1", "Sub-1", "calling"])

    holders = [u.ext_id for u in client.get(url + "?show=assigned").context["page"]]
    others = [u.ext_id for u in client.get(url + "?show=unassigned").context["page"]]

    assert holders == ["U0"] and others == ["U1", "U2"]


@pytest.mark.parametrize("page", ORG_PAGES)
def test_customer_org_pages_keep_a_constant_number_of_queries(
    client, full_admin, customer, sub, users, page
):
    client.force_login(full_admin)
    few = _count(client, _org_url(page))

    trial = ItemFactory(customer=customer, is_trial=True, lines={"calling": 5, "meetings": 5})
    for u in CustomerUserFactory.create_batch(25, customer=customer):
        AssignmentFactory(user=u, item=sub, product="calling")
        AssignmentFactory(user=u, item=trial, product="meetings")

    assert _count(client, _org_url(page)) == few


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("partner_full_admin", True),
        ("sales_full_admin", True),
        ("sales_admin", True),
        ("partner_readonly_admin", False),
    ],
)
def test_an_order_waiting_for_set_up_links_to_the_wizard_for_those_who_may(
    client, people, customer, role, shown
):
    ItemFactory(customer=customer, ext_id="Sub-2", state="provisioning", lines={"calling": 3})
    client.force_login(people[role])

    html = client.get(reverse("orgs:customer_org", args=["C1"])).content.decode()

    assert ('href="/subscriptions/Sub-2/setup/"' in html) == shown


def test_a_customers_organization_does_not_light_up_launch_my_organization(
    client, full_admin, customer
):
    client.force_login(full_admin)

    nav = client.get(reverse("orgs:customer_org", args=["C1"])).context["nav"]

    assert not next(item for item in nav if item["label"] == "Launch my organization")["active"]


def test_figures_follow_as_of(client, full_admin, sub, users):
    AssignmentFactory(
        user=users[0], item=sub, product="calling", from_date=dt.date(2026, 11, 1), to_date=D
    )
    client.force_login(full_admin)
    url = reverse("orgs:customer_org_assign", args=["C1", "Sub-1", "calling"])

    today = client.get(url).context["figures"]["assigned"]
    yesterday = client.get(url + "?as_of=2026-11-25").context["figures"]["assigned"]
    bad = client.get(url + "?as_of=yesterday")

    assert (today, yesterday) == (0, 1)
    assert bad.status_code == 200 and "as_of" in bad.content.decode()


@pytest.mark.parametrize("name", ["orgs:my_org", "orgs:my_org_people", "orgs:my_org_services"])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner_full_admin", 200),
        ("sales_full_admin", 200),
        ("sales_admin", 200),
        ("partner_readonly_admin", 200),
        ("user", 403),
    ],
)
def test_who_may_open_the_own_organizations_pages(client, people, set_up, name, role, status):
    client.force_login(people[role])

    assert client.get(reverse(name)).status_code == status


def test_a_stranger_sees_only_their_own_organization(client, stranger, set_up):
    client.force_login(stranger)

    html = client.get(reverse("orgs:my_org")).content.decode()

    assert "Fabrikam Partners" in html and "northwind" not in html.lower()
