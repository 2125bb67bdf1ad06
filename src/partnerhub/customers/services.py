"""Writes about customers: partner administrators, saved filters and background exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerhub.accounts.models import User
from partnerhub.accounts.policy import is_partner_admin
from partnerhub.core.audit import audit_record
from partnerhub.core.events import emit_event
from partnerhub.core.validation import validate_name_characters
from partnerhub.customers.filtersets import SORTS, CustomerFilter
from partnerhub.customers.models import Customer, CustomerExport, CustomerManager, SavedFilter
from partnerhub.customers.tasks import export_customers_task

SAVED_FILTER_NAME_MAX = 60
QUERY_MAX = 500


def _admins_of(customer: Customer) -> list[str]:
    return list(
        CustomerManager.objects.filter(customer=customer)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def customer_admin_add(*, actor: Any, customer: Customer, email: str) -> tuple[User, bool]:
    """Assign a partner person to manage a customer; returns (person, created)."""
    if customer.partner_id != actor.partner_id:
        raise PermissionDenied(_("Only your own partner's customers have partner administrators."))
    email = (email or "").strip().lower()
    person = User.objects.filter(partner_id=actor.partner_id, email__iexact=email).first()
    if person is None or not email:
        raise ValidationError(
            {
                "email": [
                    _("No person of your organization has the e-mail “%(email)s”.")
                    % {"email": email}
                ]
            }
        )
    if not is_partner_admin(person):
        raise ValidationError(
            {
                "email": [
                    _(
                        "%(email)s holds no partner administrator role; "
                        "give them one under Users first."
                    )
                    % {"email": person.email}
                ]
            }
        )
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        before = _admins_of(customer)
        _row, created = CustomerManager.objects.get_or_create(customer=customer, user=person)
        if created:
            audit_record(
                actor=actor,
                action="customer.admin.add",
                obj_type="customer",
                obj_id=customer.ext_id,
                customer=customer,
                before={"partner_admins": before},
                after={"partner_admins": _admins_of(customer)},
            )
            emit_event(
                "partner_admin.assigned",
                partner_id=customer.partner_id,
                customer=customer,
                actor=actor,
                data={
                    "customer_id": customer.ext_id,
                    "email": person.email,
                    "name": person.name,
                    "role": person.role,
                },
            )
    return person, created


def customer_admin_remove(*, actor: Any, customer: Customer, email: str) -> bool:
    """Remove a partner person from a customer's administrators; False when not assigned."""
    if customer.partner_id != actor.partner_id:
        raise PermissionDenied(_("Only your own partner's customers have partner administrators."))
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        before = _admins_of(customer)
        deleted, _detail = CustomerManager.objects.filter(
            customer=customer, user__email__iexact=(email or "").strip()
        ).delete()
        if not deleted:
            return False
        removed = next(e for e in before if e.lower() == (email or "").strip().lower())
        emit_event(
            "partner_admin.removed",
            partner_id=customer.partner_id,
            customer=customer,
            actor=actor,
            data={"customer_id": customer.ext_id, "email": removed},
        )
        audit_record(
            actor=actor,
            action="customer.admin.remove",
            obj_type="customer",
            obj_id=customer.ext_id,
            customer=customer,
            before={"partner_admins": before},
            after={"partner_admins": _admins_of(customer)},
        )
    return True


def saved_filter_create(*, actor: Any, name: str, query: str) -> SavedFilter:
    """Save (or overwrite) a named query of the person's own."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Give the filter a name.")]})
    if len(name) > SAVED_FILTER_NAME_MAX:
        raise ValidationError(
            {
                "name": [
                    ngettext(
                        "A filter name has at most %(max)d character.",
                        "A filter name has at most %(max)d characters.",
                        SAVED_FILTER_NAME_MAX,
                    )
                    % {"max": SAVED_FILTER_NAME_MAX}
                ]
            }
        )
    validate_name_characters(name, field="name", label=_("A filter name"))
    if "\x00" in (query or ""):
        raise ValidationError({"q": [_("The query must not contain NUL (\\u0000) characters.")]})
    flt = CustomerFilter.parse(query or "")
    if flt.errors:
        raise ValidationError({"q": flt.errors})
    canonical = flt.to_query()
    if not canonical:
        raise ValidationError({"q": [_("Type a query to save first.")]})
    if len(canonical) > QUERY_MAX:
        raise ValidationError({"q": [_("The query is too long to save.")]})
    with transaction.atomic():
        existing = SavedFilter.objects.filter(user=actor, name=name).first()
        before = {"query": existing.query} if existing else None
        saved, _created = SavedFilter.objects.update_or_create(
            user=actor, name=name, defaults={"query": canonical}
        )
        audit_record(
            actor=actor,
            action="saved_filter.save",
            obj_type="saved_filter",
            obj_id=str(saved.pk),
            before=before,
            after={"name": name, "query": canonical},
        )
    return saved


def saved_filter_delete(*, actor: Any, saved: SavedFilter) -> None:
    """Delete one of the person's saved filters."""
    if saved.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="saved_filter.delete",
            obj_type="saved_filter",
            obj_id=str(saved.pk),
            before={"name": saved.name, "query": saved.query},
        )
        saved.delete()


def customer_export_request(
    *, actor: Any, query: str, sort: str, as_of: dt.date, fmt: str
) -> CustomerExport:
    """Record a large export and hand it to the background worker (django-tasks)."""
    if fmt not in {"csv", "xlsx"}:
        raise ValidationError({"export": [_("Choose csv or xlsx.")]})
    export = CustomerExport.objects.create(
        user=actor,
        query=(query or "")[:QUERY_MAX],
        sort=sort if sort in SORTS else "name",
        as_of=as_of,
        fmt=fmt,
    )
    transaction.on_commit(lambda: export_customers_task.enqueue(export.pk))
    return export
