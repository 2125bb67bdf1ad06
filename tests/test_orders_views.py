"""The set-up wizard (organization name → administrator e-mail → start date → review → finish)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerhub.core.models import AuditEvent
from tests.factories import CustomerFactory, CustomerManagerFactory, ItemFactory

URL = reverse("subscriptions:setup", args=["Sub-100002"])


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
def provisioning(customer):
    return ItemFactory(
        customer=customer,
        ext_id="Sub-100002",
        state="provisioning",
        start=dt.date(2026, 12, 1),
        end=dt.date(2027, 11, 30),
        lines={"meetings": 40},
    )


def _step(client, step, go="next", **values):
    data = {
        "organization_name": "Contoso",
        "admin_email": "it@contoso.example",
        "start": "2026-12-01",
    }
    data.update(values)
    return client.post(URL, {"step": step, "go": go, **data})


def test_the_wizard_walks_through_every_step_and_activates_the_subscription(
    client, full_admin, provisioning
):
    client.force_login(full_admin)

    first = client.get(URL)
    assert first.context["step"] == "organization"
    assert 'value="Contoso"' in first.content.decode()
    assert _step(client, "organization", organization_name="Contoso AG").context["step"] == "admin"
    assert _step(client, "admin", organization_name="Contoso AG").context["step"] == "start"
    review = _step(client, "start", organization_name="Contoso AG", start="2026-11-30")
    assert review.context["step"] == "review"
    assert "Contoso AG" in review.content.decode()
    provisioning.refresh_from_db()
    assert provisioning.state == "provisioning"  # nothing written before Finish

    done = _step(client, "review", organization_name="Contoso AG", start="2026-11-30")

    assert done.status_code == 302
    provisioning.refresh_from_db()
    provisioning.customer.refresh_from_db()
    assert provisioning.state == "active"
    assert provisioning.start == dt.date(2026, 11, 30)
    assert provisioning.customer.name == "Contoso AG"
    assert AuditEvent.objects.get(action="subscription.setup").before["state"] == "provisioning"


def test_back_returns_to_the_previous_step_keeping_the_values(client, full_admin, provisioning):
    client.force_login(full_admin)

    response = _step(client, "start", go="back", admin_email="boss@contoso.example")

    assert response.context["step"] == "admin"
    assert 'value="boss@contoso.example"' in response.content.decode()


@pytest.mark.parametrize(
    ("step", "values", "field"),
    [
        ("organization", {"organization_name": ""}, "organization_name"),
        ("admin", {"admin_email": "nope"}, "admin_email"),
        ("start", {"start": "1.12.2026"}, "start"),
    ],
)
def test_a_bad_value_keeps_the_step_and_names_the_field(
    client, full_admin, provisioning, step, values, field
):
    client.force_login(full_admin)

    response = _step(client, step, **values)

    assert response.context["step"] == step
    assert f'data-field="{field}"' in response.content.decode()


def test_finishing_with_a_start_after_the_term_is_refused_on_review(
    client, full_admin, provisioning
):
    client.force_login(full_admin)

    response = _step(client, "review", start="2028-01-01")

    assert response.context["step"] == "review"
    assert "start" in response.context["form"].errors
    provisioning.refresh_from_db()
    assert provisioning.state == "provisioning"


def test_a_tampered_review_goes_back_to_the_step_with_the_error(client, full_admin, provisioning):
    client.force_login(full_admin)

    response = _step(client, "review", admin_email="")

    assert response.context["step"] == "admin"
    provisioning.refresh_from_db()
    assert provisioning.state == "provisioning"


def test_an_active_subscription_has_nothing_to_set_up(client, full_admin, customer):
    ItemFactory(customer=customer, ext_id="Sub-100002", state="active")
    client.force_login(full_admin)

    page = client.get(URL).content.decode()
    finish = _step(client, "review")

    assert 'data-testid="not-ready"' in page
    assert finish.status_code == 200
    assert not AuditEvent.objects.exists()


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
def test_who_may_set_up_an_order(client, people, stranger, provisioning, role, status):
    client.force_login(_caller(people, stranger, role))

    opened = client.get(URL)
    finished = _step(client, "review")

    assert opened.status_code == (200 if status == 302 else status)
    assert finished.status_code == status
    provisioning.refresh_from_db()
    assert provisioning.state == ("active" if status == 302 else "provisioning")


def test_a_trial_has_no_set_up(client, full_admin, customer):
    ItemFactory(customer=customer, ext_id="Trial-3", is_trial=True)
    client.force_login(full_admin)

    assert client.get(reverse("subscriptions:setup", args=["Trial-3"])).status_code == 404


def test_the_wizard_keeps_a_constant_number_of_queries(client, full_admin, provisioning):
    client.force_login(full_admin)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for product in ["calling", "messaging", "contact_center", "real_time_translation"]:
        provisioning.lines.create(product=product, licenses=10)
    ItemFactory.create_batch(5, customer=provisioning.customer)

    assert count() == few
