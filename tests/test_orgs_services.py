"""Organizations: the own first-time set-up and people; a customer's users and license
assignment done on its behalf (docs/reference/rules.md#role-table; guide: Launch organization)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from partnerhub.accounts.models import User
from partnerhub.core.models import AuditEvent
from partnerhub.customers.models import CustomerUser
from partnerhub.orgs.selectors import customer_services, own_org_usage
from partnerhub.orgs.services import (
    LicenseOverage,
    customer_user_add,
    licenses_assign,
    licenses_unassign,
    own_org_setup,
    person_set_active,
)
from partnerhub.subscriptions.models import Assignment
from tests.factories import (
    AssignmentFactory,
    CustomerFactory,
    CustomerUserFactory,
    D,
    ItemFactory,
    UsageDayFactory,
)

# --- own organization ------------------------------------------------------------------------


def test_first_time_set_up_records_who_accepted_the_terms_and_when(full_admin, partner):
    own_org_setup(actor=full_admin, accept_terms=True)

    partner.refresh_from_db()
    assert partner.terms_accepted_by == full_admin
    assert partner.terms_accepted_at is not None
    assert partner.org_setup_at == partner.terms_accepted_at
    event = AuditEvent.objects.get(action="org.setup")
    assert event.partner == partner
    assert event.before == {
        "terms_accepted_at": None,
        "terms_accepted_by": None,
        "org_setup_at": None,
    }
    assert event.after["terms_accepted_by"] == full_admin.email


def test_set_up_without_accepting_the_terms_is_refused(full_admin, partner):
    with pytest.raises(ValidationError) as exc:
        own_org_setup(actor=full_admin, accept_terms=False)

    assert "accept_terms" in exc.value.message_dict
    partner.refresh_from_db()
    assert partner.org_setup_at is None and not AuditEvent.objects.exists()


def test_the_organization_is_set_up_only_once(full_admin, partner):
    own_org_setup(actor=full_admin, accept_terms=True)

    with pytest.raises(ValidationError):
        own_org_setup(actor=full_admin, accept_terms=True)

    assert AuditEvent.objects.filter(action="org.setup").count() == 1


def test_deactivating_a_person_is_audited_and_reversible(full_admin, people):
    person = people["sales_admin"]

    person_set_active(actor=full_admin, person=person, active=False)
    person.refresh_from_db()
    assert person.is_active is False
    person_set_active(actor=full_admin, person=person, active=True)

    person.refresh_from_db()
    assert person.is_active is True
    off, on = AuditEvent.objects.order_by("id")
    assert (off.action, off.before["active"], off.after["active"]) == (
        "person.deactivate",
        True,
        False,
    )
    assert (on.action, on.before["active"], on.after["active"]) == ("person.activate", False, True)


def test_nobody_can_deactivate_themselves(full_admin):
    with pytest.raises(ValidationError):
        person_set_active(actor=full_admin, person=full_admin, active=False)

    full_admin.refresh_from_db()
    assert full_admin.is_active


def test_a_person_of_another_partner_cannot_be_deactivated(full_admin, stranger):
    with pytest.raises(ValidationError):
        person_set_active(actor=full_admin, person=stranger, active=False)

    assert User.objects.get(pk=stranger.pk).is_active


def test_own_usage_sums_the_in_force_items_of_the_own_customer_record(partner):
    own = CustomerFactory(partner=partner, ext_id=partner.ext_id)
    sub = ItemFactory(customer=own, lines={"calling": 10, "meetings": 4})
    ItemFactory(customer=own, state="cancelled", lines={"calling": 99})
    users = CustomerUserFactory.create_batch(3, customer=own)
    for u in users:
        AssignmentFactory(user=u, item=sub, product="calling")
    UsageDayFactory(user=users[0], product="calling", day=D - dt.timedelta(days=6))
    UsageDayFactory(
        user=users[1], product="calling", day=D - dt.timedelta(days=7)
    )  # outside 7 days

    rows = own_org_usage(own, D)

    assert [
        (r["product"], r["licenses"], r["assigned"], r["available"], r["used7"]) for r in rows
    ] == [
        ("meetings", 4, 0, 4, 0),
        ("calling", 10, 3, 7, 1),
    ]
    assert rows[1]["assigned_pct"] == 30 and rows[1]["used_pct"] == 10


# --- a customer's users ----------------------------------------------------------------------


@pytest.fixture
def customer(partner):
    return CustomerFactory(partner=partner, name="Contoso")


def test_adding_a_customer_user_is_audited_on_the_customers_behalf(full_admin, customer):
    user = customer_user_add(
        actor=full_admin, customer=customer, email="Ola@Contoso.example", name="Ola"
    )

    assert user.email == "ola@contoso.example" and user.customer == customer
    event = AuditEvent.objects.get(action="customer_user.add")
    assert event.on_behalf is True and event.customer == customer
    assert event.before is None and event.after["email"] == "ola@contoso.example"


@pytest.mark.parametrize(
    ("email", "message"), [("", "Give"), ("nope", "valid"), ("dup@contoso.example", "already")]
)
def test_bad_customer_user_e_mails_are_refused(full_admin, customer, email, message):
    CustomerUserFactory(customer=customer, email="dup@contoso.example")

    with pytest.raises(ValidationError) as exc:
        customer_user_add(actor=full_admin, customer=customer, email=email.upper())

    assert message in exc.value.message_dict["email"][0]
    assert CustomerUser.objects.count() == 1


# --- license assignment -----------------------------------------------------------------------


@pytest.fixture
def sub(customer):
    return ItemFactory(customer=customer, ext_id="Sub-1", lines={"calling": 3, "meetings": 1})


@pytest.fixture
def users(customer):
    return [CustomerUserFactory(customer=customer, email=f"u{i}@contoso.example") for i in range(5)]


def _active(item, product="calling"):
    return set(
        Assignment.objects.filter(item=item, product=product, from_date__lte=D)
        .exclude(to_date__lte=D)
        .values_list("user__email", flat=True)
    )


def test_assigning_in_bulk_up_to_the_purchased_number_needs_no_confirmation(
    full_admin, customer, sub, users
):
    result = licenses_assign(
        actor=full_admin, customer=customer, item=sub, product="calling", users=users[:3]
    )

    assert _active(sub) == {"u0@contoso.example", "u1@contoso.example", "u2@contoso.example"}
    assert (result.licenses, result.assigned, result.overage) == (3, 3, 0)
    event = AuditEvent.objects.get(action="license.assign")
    assert event.on_behalf is True
    assert event.before["assigned"] == 0 and event.after["assigned"] == 3
    assert sorted(event.after["users"]) == [
        "u0@contoso.example",
        "u1@contoso.example",
        "u2@contoso.example",
    ]


def test_exceeding_the_purchased_number_warns_and_writes_nothing(full_admin, customer, sub, users):
    licenses_assign(
        actor=full_admin, customer=customer, item=sub, product="calling", users=users[:2]
    )

    with pytest.raises(LicenseOverage) as warning:
        licenses_assign(
            actor=full_admin, customer=customer, item=sub, product="calling", users=users[2:4]
        )

    assert (
        warning.value.licenses,
        warning.value.assigned,
        warning.value.adding,
        warning.value.over,
    ) == (3, 2, 2, 1)
    assert "confirm_overage" in warning.value.message_dict
    assert len(_active(sub)) == 2
    assert AuditEvent.objects.filter(action="license.assign").count() == 1


def test_confirming_exceeds_the_limit_and_makes_an_overage(full_admin, customer, sub, users):
    result = licenses_assign(
        actor=full_admin,
        customer=customer,
        item=sub,
        product="calling",
        users=users[:4],
        confirm_overage=True,
    )

    assert (result.assigned, result.overage) == (4, 1)
    rows = customer_services(customer, D)
    calling = next(line for line in rows[0].lines if line["product"] == "calling")
    assert (calling["assigned"], calling["available"], calling["overage"]) == (4, 0, 1)
    assert AuditEvent.objects.get(action="license.assign").after["overage"] == 1


def test_users_who_hold_the_license_already_are_skipped(full_admin, customer, sub, users):
    licenses_assign(
        actor=full_admin, customer=customer, item=sub, product="calling", users=users[:1]
    )

    result = licenses_assign(
        actor=full_admin, customer=customer, item=sub, product="calling", users=users[:2]
    )

    assert result.changed == ["u1@contoso.example"]
    assert result.skipped == ["u0@contoso.example"]
    with pytest.raises(ValidationError):
        licenses_assign(
            actor=full_admin, customer=customer, item=sub, product="calling", users=users[:2]
        )


def test_unassigning_keeps_the_history_and_a_user_can_be_assigned_again_the_same_day(
    full_admin, customer, sub, users
):
    licenses_assign(
        actor=full_admin, customer=customer, item=sub, product="calling", users=users[:2]
    )

    result = licenses_unassign(
        actor=full_admin, customer=customer, item=sub, product="calling", users=users[:1]
    )
    assert result.assigned == 1
    assert _active(sub) == {"u1@contoso.example"}
    licenses_assign(
        actor=full_admin, customer=customer, item=sub, product="calling", users=users[:1]
    )

    assert _active(sub) == {"u0@contoso.example", "u1@contoso.example"}
    event = AuditEvent.objects.get(action="license.unassign")
    assert event.on_behalf is True
    assert (event.before["assigned"], event.after["assigned"]) == (2, 1)
    assert event.before["users"] == ["u0@contoso.example"]


def test_an_older_assignment_ends_today_when_unassigned(full_admin, customer, sub, users):
    old = AssignmentFactory(
        user=users[0], item=sub, product="calling", from_date=dt.date(2026, 3, 1)
    )

    licenses_unassign(
        actor=full_admin, customer=customer, item=sub, product="calling", users=users[:1]
    )

    old.refresh_from_db()
    assert old.to_date == D


def test_unassigning_users_without_the_license_is_refused(full_admin, customer, sub, users):
    with pytest.raises(ValidationError) as exc:
        licenses_unassign(
            actor=full_admin, customer=customer, item=sub, product="calling", users=users[:1]
        )

    assert "user_ids" in exc.value.message_dict
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("product", "field"),
    [("messaging", "product"), ("fax", "product")],
)
def test_a_product_the_item_does_not_carry_is_refused(
    full_admin, customer, sub, users, product, field
):
    with pytest.raises(ValidationError) as exc:
        licenses_assign(
            actor=full_admin, customer=customer, item=sub, product=product, users=users[:1]
        )

    assert field in exc.value.message_dict
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("state", ["cancelled", "ended"])
def test_licenses_of_an_item_not_in_force_cannot_be_assigned(full_admin, customer, users, state):
    item = ItemFactory(
        customer=customer, is_trial=state == "ended", state=state, lines={"calling": 3}
    )

    with pytest.raises(ValidationError) as exc:
        licenses_assign(
            actor=full_admin, customer=customer, item=item, product="calling", users=users[:1]
        )

    assert "item_id" in exc.value.message_dict


def test_licenses_of_a_subscription_waiting_for_set_up_can_be_assigned(full_admin, customer, users):
    item = ItemFactory(
        customer=customer,
        state="provisioning",
        start=D + dt.timedelta(days=5),
        lines={"calling": 3},
    )

    result = licenses_assign(
        actor=full_admin, customer=customer, item=item, product="calling", users=users[:1]
    )

    assert result.assigned == 1


def test_users_of_another_customer_or_inactive_ones_are_refused(full_admin, customer, sub, users):
    outsider = CustomerUserFactory()
    inactive = CustomerUserFactory(customer=customer, is_active=False)

    with pytest.raises(ValidationError):
        licenses_assign(
            actor=full_admin, customer=customer, item=sub, product="calling", users=[outsider]
        )
    with pytest.raises(ValidationError):
        licenses_assign(
            actor=full_admin, customer=customer, item=sub, product="calling", users=[inactive]
        )

    assert not Assignment.objects.exists()


def test_an_item_of_another_customer_is_refused(full_admin, customer, users):
    other = ItemFactory(lines={"calling": 3})

    with pytest.raises(ValidationError) as exc:
        licenses_assign(
            actor=full_admin, customer=customer, item=other, product="calling", users=users[:1]
        )

    assert "item_id" in exc.value.message_dict
