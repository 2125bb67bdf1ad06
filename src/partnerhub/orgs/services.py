"""Writes inside an organization: the partner's own first-time set-up and people, and a
customer's users and license assignments (done by a partner admin on the customer's behalf).

Every write is atomic, validated with messages naming the field, and audited with before/after.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Partner, User
from partnerhub.accounts.people_services import user_sessions_end
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.choices import Product
from partnerhub.core.events import emit_event
from partnerhub.core.validation import NAME_MAX, check_email
from partnerhub.customers.models import Customer, CustomerUser
from partnerhub.customers.status_changes import customer_statuses_record
from partnerhub.orgs.selectors import open_items_q
from partnerhub.subscriptions.changes import items_changed
from partnerhub.subscriptions.models import Assignment, Item, ItemLine
from partnerhub.subscriptions.selectors import active_assignment_q

# --- the partner's own organization ---------------------------------------------------------


def own_org_setup(*, actor: User, accept_terms: bool) -> Partner:
    """The first-time set-up of the partner's own organization: the terms are accepted (who and
    when) and the organization is set up. Audited."""
    if not accept_terms:
        raise ValidationError({"accept_terms": _("Accept the terms to get started.")})
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=_partner_id(actor))
        if partner.org_setup_at is not None:
            raise ValidationError(
                {
                    "accept_terms": _("Your organization was already set up on %(when)s.")
                    % {"when": partner.org_setup_at.date().isoformat()}
                }
            )
        before = _partner_snapshot(partner)
        now = clock.now()
        partner.terms_accepted_at = now
        partner.terms_accepted_by = actor
        partner.org_setup_at = now
        partner.save(update_fields=["terms_accepted_at", "terms_accepted_by", "org_setup_at"])
        audit_record(
            actor=actor,
            action="org.setup",
            obj_type="partner",
            obj_id=partner.ext_id,
            partner=partner,
            before=before,
            after=_partner_snapshot(partner),
        )
    return partner


def _partner_id(actor: User) -> int:
    if actor.partner_id is None:
        raise ValidationError({"partner": _("Only a person of a partner has an own organization.")})
    return actor.partner_id


def _partner_snapshot(partner: Partner) -> dict[str, Any]:
    by = partner.terms_accepted_by
    return {
        "terms_accepted_at": partner.terms_accepted_at.isoformat()
        if partner.terms_accepted_at
        else None,
        "terms_accepted_by": by.email if by else None,
        "org_setup_at": partner.org_setup_at.isoformat() if partner.org_setup_at else None,
    }


def _person_snapshot(person: User) -> dict[str, Any]:
    return {
        "email": person.email,
        "name": person.name,
        "role": person.role,
        "active": person.is_active,
    }


def person_set_active(*, actor: User, person: User, active: bool) -> User:
    """Deactivate (or reactivate) a person of the partner's own organization. Audited."""
    if person.partner_id != actor.partner_id:
        raise ValidationError({"email": _("This person is not in your organization.")})
    if person.pk == actor.pk and not active:
        raise ValidationError({"email": _("You cannot deactivate yourself.")})
    if person.is_active == active:
        state = _("active") if active else _("inactive")
        raise ValidationError(
            {
                "email": _("%(email)s is already %(state)s.")
                % {"email": person.email, "state": state}
            }
        )
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        before = _person_snapshot(person)
        person.is_active = active
        person.save(update_fields=["is_active"])
        if not active:
            user_sessions_end(user=person)
        audit_record(
            actor=actor,
            action="person.activate" if active else "person.deactivate",
            obj_type="user",
            obj_id=person.email,
            partner=actor.partner,
            before=before,
            after=_person_snapshot(person),
        )
    return person


# --- a customer's organization ---------------------------------------------------------------


def customer_user_add(
    *, actor: User, customer: Customer, email: str, name: str = ""
) -> CustomerUser:
    """Add a user to a customer's organization, on the customer's behalf. Audited."""
    email = (email or "").strip().lower()
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    check_email(errors, "email", email, missing=_("Give the user's e-mail."))
    if len(name) > NAME_MAX:
        errors["name"] = [_("The name can be at most 200 characters.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if CustomerUser.objects.filter(customer=customer, email__iexact=email).exists():
            raise ValidationError(
                {
                    "email": _("%(email)s is already a user of %(customer)s.")
                    % {"email": email, "customer": customer.name}
                }
            )
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    user = CustomerUser.objects.create(
                        ext_id="U-" + uuid.uuid4().hex[:12].upper(),
                        customer=customer,
                        email=email,
                        name=name,
                    )
                break
            except IntegrityError:
                continue
        else:
            raise IntegrityError("no free user id after 5 attempts")
        audit_record(
            actor=actor,
            action="customer_user.add",
            obj_type="customer_user",
            obj_id=user.ext_id,
            customer=customer,
            on_behalf=True,
            before=None,
            after={"id": user.ext_id, "email": email, "name": name, "active": True},
        )
    return user


class LicenseOverage(ValidationError):
    """Assigning would exceed the purchased licenses; the person may confirm to exceed."""

    def __init__(self, *, label: str, licenses: int, assigned: int, adding: int) -> None:
        self.licenses = licenses
        self.assigned = assigned
        self.adding = adding
        self.over = assigned + adding - licenses
        super().__init__(
            {
                "confirm_overage": _(
                    "%(label)s: assigning %(adding)s more makes %(total)s of %(licenses)s "
                    "purchased, %(over)s over the limit (a license overage). Confirm to exceed."
                )
                % {
                    "label": label,
                    "adding": intcomma(adding),
                    "total": intcomma(assigned + adding),
                    "licenses": intcomma(licenses),
                    "over": intcomma(self.over),
                }
            }
        )


@dataclass(frozen=True)
class AssignmentResult:
    """What an assignment change did: who changed, and the product's figures afterwards."""

    changed: list[str]
    skipped: list[str]
    licenses: int
    assigned: int

    @property
    def overage(self) -> int:
        return max(0, self.assigned - self.licenses)


def _check_item(customer: Customer, item: Item, product: str, today: dt.date) -> ItemLine:
    if item.customer_id != customer.pk:
        raise ValidationError(
            {"item_id": _("%(id)s is not a subscription of this customer.") % {"id": item.ext_id}}
        )
    if product not in Product.values:
        raise ValidationError(
            {"product": _("Choose one of: %(products)s.") % {"products": ", ".join(Product.values)}}
        )
    line = ItemLine.objects.filter(item=item, product=product).first()
    if line is None:
        raise ValidationError(
            {
                "product": _("%(id)s has no %(label)s licenses.")
                % {"id": item.ext_id, "label": Product(product).label}
            }
        )
    if not Item.objects.filter(pk=item.pk).filter(open_items_q(today)).exists():
        raise ValidationError(
            {
                "item_id": _(
                    "%(id)s is not in force (it is %(state)s, ending %(end)s); "
                    "licenses cannot change."
                )
                % {"id": item.ext_id, "state": item.state, "end": item.end}
            }
        )
    return line


def _check_users(customer: Customer, users: Sequence[CustomerUser]) -> None:
    if not users:
        raise ValidationError({"user_ids": _("Choose at least one user.")})
    if any(u.customer_id != customer.pk for u in users):
        raise ValidationError({"user_ids": _("Every user must belong to this customer.")})


def assignment_body(item_id: str, product: str, result: AssignmentResult) -> dict[str, Any]:
    """An assignment change as `POST …/org/assignments` answers it (AssignmentOut)."""
    return {
        "item_id": item_id,
        "product": product,
        "changed": result.changed,
        "skipped": result.skipped,
        "licenses": result.licenses,
        "assigned": result.assigned,
        "overage": result.overage,
    }


def _license_event(
    event_type: str,
    actor: User,
    customer: Customer,
    item: Item,
    product: str,
    result: AssignmentResult,
    user_ids: list[str],
) -> None:
    """One event for a bulk change (docs/reference/events.md#events): the API's answer, the
    count and the user ids; then the customer's statuses (overage) as they moved."""
    emit_event(
        event_type,
        partner_id=customer.partner_id,
        customer=customer,
        actor=actor,
        data={
            **assignment_body(item.ext_id, product, result),
            "count": len(user_ids),
            "user_ids": user_ids,
        },
    )
    customer_statuses_record(
        customers=Customer.objects.filter(pk=customer.pk), day=clock.today(), actor=actor
    )


def licenses_assign(
    *,
    actor: User,
    customer: Customer,
    item: Item,
    product: str,
    users: Sequence[CustomerUser],
    confirm_overage: bool = False,
) -> AssignmentResult:
    """Assign `product` on `item` to `users` from today (users who hold it already are skipped).

    Going beyond the purchased number raises LicenseOverage unless `confirm_overage`. Audited as
    done on the customer's behalf.
    """
    today = clock.today()
    _check_users(customer, users)
    inactive = [u.email for u in users if not u.is_active]
    if inactive:
        raise ValidationError(
            {
                "user_ids": _("Inactive users cannot get licenses: %(emails)s.")
                % {"emails": ", ".join(inactive)}
            }
        )
    with transaction.atomic():
        # The item's row lock serialises assignment changes, so two admins cannot both take the
        # last free license without either seeing the overage warning.
        item = Item.objects.select_for_update().get(pk=item.pk)
        line = _check_item(customer, item, product, today)
        active = Assignment.objects.filter(item=item, product=product).filter(
            active_assignment_q(today)
        )
        assigned_before = active.count()
        holders = set(active.filter(user__in=users).values_list("user_id", flat=True))
        adding = [u for u in users if u.pk not in holders]
        skipped = [u.email for u in users if u.pk in holders]
        if not adding:
            raise ValidationError({"user_ids": _("Every chosen user already holds this license.")})
        if assigned_before + len(adding) > line.licenses and not confirm_overage:
            raise LicenseOverage(
                label=str(Product(product).label),
                licenses=line.licenses,
                assigned=assigned_before,
                adding=len(adding),
            )
        # A same-day assignment that was removed today is reopened: (user, item, product, from)
        # is unique, and its history is a zero-length interval anyway.
        same_day = dict(
            Assignment.objects.filter(
                item=item, product=product, from_date=today, user__in=adding
            ).values_list("user_id", "pk")
        )
        if same_day:
            Assignment.objects.filter(pk__in=same_day.values()).update(to_date=None)
        Assignment.objects.bulk_create(
            Assignment(user=u, item=item, product=product, from_date=today)
            for u in adding
            if u.pk not in same_day
        )
        items_changed(item_ids=[item.pk])
        assigned_after = assigned_before + len(adding)
        emails = [u.email for u in adding]
        audit_record(
            actor=actor,
            action="license.assign",
            obj_type="license",
            obj_id=f"{item.ext_id}/{product}",
            customer=customer,
            on_behalf=True,
            before={
                "item": item.ext_id,
                "product": product,
                "licenses": line.licenses,
                "assigned": assigned_before,
                "users": [],
            },
            after={
                "item": item.ext_id,
                "product": product,
                "licenses": line.licenses,
                "assigned": assigned_after,
                "users": emails,
                "overage": max(0, assigned_after - line.licenses),
            },
        )
        result = AssignmentResult(
            changed=emails, skipped=skipped, licenses=line.licenses, assigned=assigned_after
        )
        _license_event(
            "license.assigned", actor, customer, item, product, result, [u.ext_id for u in adding]
        )
    return result


def licenses_unassign(
    *, actor: User, customer: Customer, item: Item, product: str, users: Sequence[CustomerUser]
) -> AssignmentResult:
    """Unassign `product` on `item` from `users` as of today (the history is kept). Audited as done
    on the customer's behalf."""
    today = clock.today()
    _check_users(customer, users)
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if item.customer_id != customer.pk:
            raise ValidationError(
                {
                    "item_id": _("%(id)s is not a subscription of this customer.")
                    % {"id": item.ext_id}
                }
            )
        line = ItemLine.objects.filter(item=item, product=product).first()
        licenses = line.licenses if line else 0
        active = Assignment.objects.filter(item=item, product=product).filter(
            active_assignment_q(today)
        )
        assigned_before = active.count()
        ending = list(active.filter(user__in=users).select_related("user"))
        if not ending:
            raise ValidationError({"user_ids": _("None of the chosen users holds this license.")})
        Assignment.objects.filter(pk__in=[a.pk for a in ending]).update(to_date=today)
        items_changed(item_ids=[item.pk])
        emails = sorted(a.user.email for a in ending)
        held = {a.user_id for a in ending}
        skipped = [u.email for u in users if u.pk not in held]
        assigned_after = assigned_before - len(ending)
        audit_record(
            actor=actor,
            action="license.unassign",
            obj_type="license",
            obj_id=f"{item.ext_id}/{product}",
            customer=customer,
            on_behalf=True,
            before={
                "item": item.ext_id,
                "product": product,
                "licenses": licenses,
                "assigned": assigned_before,
                "users": emails,
            },
            after={
                "item": item.ext_id,
                "product": product,
                "licenses": licenses,
                "assigned": assigned_after,
                "users": [],
            },
        )
        result = AssignmentResult(
            changed=emails, skipped=skipped, licenses=licenses, assigned=assigned_after
        )
        _license_event(
            "license.unassigned",
            actor,
            customer,
            item,
            product,
            result,
            sorted(a.user.ext_id for a in ending),
        )
    return result
