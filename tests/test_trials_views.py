"""Trial pages: Start trial, a trial's page, Extend / End now with confirmation — roles, form
errors that name the field, and constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerhub.core.models import AuditEvent
from partnerhub.customers.models import Customer
from partnerhub.subscriptions.models import Item
from tests.factories import (
    AssignmentFactory,
    CustomerFactory,
    CustomerManagerFactory,
    CustomerUserFactory,
    D,
    ItemFactory,
)

ROLES = [
    "partner_full_admin",
    "sales_full_admin",
    "sales_admin",
    "partner_readonly_admin",
    "user",
    "stranger",
]


def _caller(people, stranger, role):
    return stranger if role == "stranger" else people[role]


@pytest.fixture
def customer(partner, people):
    customer = CustomerFactory(
        partner=partner, ext_id="C1", name="Contoso", admin_email="it@contoso.example"
    )
    CustomerManagerFactory(customer=customer, user=people["sales_admin"])
    return customer


@pytest.fixture
def trial(customer):
    return ItemFactory(
        customer=customer,
        is_trial=True,
        ext_id="Trial-100001",
        start=D - dt.timedelta(days=70),
        end=D + dt.timedelta(days=20),
        lines={"calling": 10},
    )


def _form(**fields):
    data = {
        "customer_mode": "new",
        "name": "Fabrikam",
        "admin_email": "it@fabrikam.example",
        "country": "pl",
        "days": "90",
    }
    data.update(fields)
    return data


# --- start ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner_full_admin", 200),
        ("sales_full_admin", 200),
        ("sales_admin", 200),
        ("partner_readonly_admin", 403),
        ("user", 403),
    ],
)
def test_who_may_open_start_trial(client, people, role, status):
    client.force_login(people[role])

    assert client.get(reverse("trials:start")).status_code == status


def test_start_trial_for_a_new_customer(client, people):
    client.force_login(people["sales_admin"])

    response = client.post(
        reverse("trials:start"), _form(licenses_calling="25", licenses_meetings="5")
    )

    trial = Item.objects.get(is_trial=True)
    assert response.status_code == 302
    assert response["Location"] == reverse("trials:detail", args=[trial.ext_id])
    assert trial.customer.name == "Fabrikam" and trial.customer.country == "PL"
    assert dict(trial.lines.values_list("product", "licenses")) == {"calling": 25, "meetings": 5}
    assert trial.end == D + dt.timedelta(days=89)


def test_start_trial_for_an_existing_customer_by_name(client, full_admin, customer):
    client.force_login(full_admin)

    client.post(
        reverse("trials:start"),
        _form(customer_mode="existing", customer="contoso", licenses_calling="1", days="30"),
    )

    assert Item.objects.get().customer == customer


def test_the_customer_link_preselects_the_customer(client, full_admin, customer):
    client.force_login(full_admin)

    response = client.get(reverse("trials:start") + "?customer=C1")

    assert response.status_code == 200
    assert 'value="C1"' in response.content.decode()
    assert response.context["form"].initial["customer_mode"] == "existing"


def test_a_preselected_customer_out_of_scope_answers_404(client, people, partner):
    CustomerFactory(partner=partner, ext_id="C2")
    client.force_login(people["sales_admin"])

    assert client.get(reverse("trials:start") + "?customer=C2").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"licenses_calling": "0"}, "licenses_calling"),
        ({"licenses_calling": "1001"}, "licenses_calling"),
        ({"licenses_calling": "5", "days": "45"}, "days"),
        ({"licenses_calling": "5", "name": ""}, "name"),
        ({"licenses_calling": "5", "admin_email": "nope"}, "admin_email"),
        ({"licenses_calling": "5", "country": "Poland"}, "country"),
        ({"licenses_calling": "5", "customer_mode": "existing", "customer": "Nobody"}, "customer"),
    ],
)
def test_bad_input_shows_an_error_on_the_field_and_writes_nothing(
    client, full_admin, customer, fields, field
):
    client.force_login(full_admin)

    response = client.post(reverse("trials:start"), _form(**fields))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'data-field="{field}"' in response.content.decode()
    assert not Item.objects.exists()
    assert Customer.objects.count() == 1


def test_no_product_is_a_form_error(client, full_admin):
    client.force_login(full_admin)

    response = client.post(reverse("trials:start"), _form())

    assert "Choose at least one product" in response.content.decode()
    assert not Customer.objects.exists()


def test_a_second_trial_in_force_is_refused_on_the_customer_field(client, full_admin, trial):
    client.force_login(full_admin)

    response = client.post(
        reverse("trials:start"),
        _form(customer_mode="existing", customer="C1", licenses_calling="5"),
    )

    assert "Trial-100001" in str(response.context["form"].errors["customer"])
    assert Item.objects.count() == 1


def test_a_sales_admin_cannot_pick_a_customer_outside_their_scope(client, people, partner):
    CustomerFactory(partner=partner, ext_id="C2", name="Hidden")
    client.force_login(people["sales_admin"])

    response = client.post(
        reverse("trials:start"),
        _form(customer_mode="existing", customer="C2", licenses_calling="5"),
    )

    assert "customer" in response.context["form"].errors
    assert not Item.objects.exists()


def test_customer_suggestions_are_scoped(client, people, partner, customer):
    CustomerFactory(partner=partner, ext_id="C2", name="Contoso Hidden")
    client.force_login(people["sales_admin"])

    html = client.get(reverse("trials:customer_options") + "?customer=cont").content.decode()

    assert 'value="C1"' in html and "C2" not in html


# --- detail, extend, end -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "controls"),
    [
        ("partner_full_admin", 200, True),
        ("sales_full_admin", 200, True),
        ("sales_admin", 200, True),
        ("partner_readonly_admin", 200, False),
        ("user", 403, False),
        ("stranger", 404, False),
    ],
)
def test_who_sees_a_trial_and_its_controls(client, people, stranger, trial, role, status, controls):
    client.force_login(_caller(people, stranger, role))

    response = client.get(reverse("trials:detail", args=[trial.ext_id]))

    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "Trial-100001" in html
        assert ('data-testid="extend"' in html) == controls
        assert ('data-testid="end"' in html) == controls


@pytest.mark.parametrize("verb", ["extend", "end"])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner_full_admin", 302),
        ("sales_full_admin", 302),
        ("sales_admin", 302),
        ("partner_readonly_admin", 403),
        ("user", 403),
        ("stranger", 404),
    ],
)
def test_who_may_extend_or_end_a_trial(client, people, stranger, trial, verb, role, status):
    client.force_login(_caller(people, stranger, role))

    response = client.post(reverse(f"trials:{verb}", args=[trial.ext_id]))

    assert response.status_code == status
    trial.refresh_from_db()
    changed = AuditEvent.objects.filter(action=f"trial.{verb}").exists()
    assert changed == (status == 302)
    if status != 302:
        assert (trial.state, trial.end) == ("active", D + dt.timedelta(days=20))


def test_extend_confirms_first_then_extends(client, full_admin, trial):
    client.force_login(full_admin)

    page = client.get(reverse("trials:extend", args=[trial.ext_id])).content.decode()
    trial.refresh_from_db()
    assert trial.end == D + dt.timedelta(days=20)  # a GET changes nothing
    assert "2026-12-26" in page

    response = client.post(
        reverse("trials:extend", args=[trial.ext_id]), {"next": "/trials/Trial-100001/"}
    )
    trial.refresh_from_db()
    assert response["Location"] == "/trials/Trial-100001/"
    assert trial.end == dt.date(2026, 12, 26)


def test_extending_a_trial_with_more_than_30_days_left_warns_it_moves_the_end_earlier(
    client, full_admin, customer
):
    trial = ItemFactory(
        customer=customer, is_trial=True, ext_id="Trial-5", start=D, end=D + dt.timedelta(days=89)
    )
    client.force_login(full_admin)

    page = client.get(reverse("trials:extend", args=[trial.ext_id])).content.decode()

    assert 'data-testid="shortens"' in page


def test_an_offsite_next_is_ignored(client, full_admin, trial):
    client.force_login(full_admin)

    response = client.post(
        reverse("trials:end", args=[trial.ext_id]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("trials:detail", args=[trial.ext_id])


def test_an_ended_trial_shows_an_error_and_stays_ended(client, full_admin, customer):
    ended = ItemFactory(
        customer=customer,
        is_trial=True,
        ext_id="Trial-9",
        state="ended",
        end=D - dt.timedelta(days=2),
    )
    client.force_login(full_admin)

    response = client.post(reverse("trials:extend", args=[ended.ext_id]))

    assert response.status_code == 200
    assert 'data-testid="confirm-error"' in response.content.decode()
    ended.refresh_from_db()
    assert ended.end == D - dt.timedelta(days=2)
    assert not AuditEvent.objects.exists()


# --- query counts ----------------------------------------------------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_trial_page_keeps_a_constant_number_of_queries(client, full_admin, trial, customer):
    client.force_login(full_admin)
    url = reverse("trials:detail", args=[trial.ext_id])
    few = _count(client, url)

    for product in ["meetings", "messaging", "contact_center"]:
        trial.lines.create(product=product, licenses=50)
    for _ in range(30):
        AssignmentFactory(
            user=CustomerUserFactory(customer=customer), item=trial, product="calling"
        )

    assert _count(client, url) == few


def test_start_trial_keeps_a_constant_number_of_queries(client, full_admin, partner):
    client.force_login(full_admin)
    few = _count(client, reverse("trials:start"))
    CustomerFactory.create_batch(30, partner=partner)

    assert _count(client, reverse("trials:start")) == few
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("trials:customer_options") + "?customer=Cust")
    # The session, the person (with their partner), the matching customers: whatever their number.
    assert len(ctx.captured_queries) == 3


def test_the_person_is_told_where_the_invitation_went(client, full_admin, partner):
    CustomerFactory(partner=partner, ext_id="C9", name="Quiet", admin_email="")
    client.force_login(full_admin)

    new = client.post(reverse("trials:start"), _form(licenses_calling="5"), follow=True)
    quiet = client.post(
        reverse("trials:start"),
        _form(customer_mode="existing", customer="C9", licenses_calling="5"),
        follow=True,
    )

    assert "e-mailed to it@fabrikam.example" in new.content.decode()
    assert "No invitation was sent" in quiet.content.decode()


@pytest.mark.parametrize(("role", "status"), [("partner_readonly_admin", 403), ("user", 403)])
def test_customer_suggestions_need_the_right_to_start_trials(
    client, people, customer, role, status
):
    client.force_login(people[role])

    assert client.get(reverse("trials:customer_options") + "?customer=c").status_code == status


def test_the_confirmation_pages_keep_a_constant_number_of_queries(
    client, full_admin, trial, customer
):
    client.force_login(full_admin)
    urls = [
        reverse("trials:extend", args=[trial.ext_id]),
        reverse("trials:end", args=[trial.ext_id]),
    ]
    few = [_count(client, u) for u in urls]

    for product in ["meetings", "messaging"]:
        trial.lines.create(product=product, licenses=5)
    ItemFactory.create_batch(5, customer=customer)

    assert [_count(client, u) for u in urls] == few


def test_a_post_from_the_customers_trials_tab_returns_there(client, full_admin, trial):
    client.force_login(full_admin)

    response = client.post(
        reverse("trials:extend", args=[trial.ext_id]),
        HTTP_REFERER="http://testserver/customers/C1/?tab=trials",
    )

    assert response["Location"] == "http://testserver/customers/C1/?tab=trials"
    trial.refresh_from_db()
    assert trial.end == dt.date(2026, 12, 26)
