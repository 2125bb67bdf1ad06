"""Writes about tags (docs/reference/rules.md#tags): atomic, validated naming the field, audited.

Limits: a name is 1–25 characters without NUL or bidirectional control characters
(core.validation), unique per partner ignoring case; a customer carries at most 5
of a partner's tags; a tag exists while a customer carries it. The per-customer limit holds under
concurrent edits because every change to a customer's tags first locks the customer's row
(`SELECT … FOR UPDATE`; SQLite serialises writers with BEGIN IMMEDIATE).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerhub.core.audit import audit_record
from partnerhub.core.events import emit_event
from partnerhub.core.validation import validate_name_characters
from partnerhub.customers.models import Customer
from partnerhub.tags.models import MAX_TAG_LENGTH, MAX_TAGS_PER_CUSTOMER, CustomerTag, Tag


def tag_clean_name(name: Any, *, field: str = "name") -> str:
    """A valid tag name (surrounding spaces dropped), or a ValidationError naming `field`."""
    if not isinstance(name, str):
        raise ValidationError({field: [_("A tag name must be text.")]})
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError({field: [_("A tag name cannot be empty.")]})
    validate_name_characters(clean, field=field, label=_("A tag name"))
    if len(clean) > MAX_TAG_LENGTH:
        raise ValidationError(
            {
                field: [
                    ngettext(
                        "“%(name)s” is %(n)d character long; a tag name has at most %(max)d.",
                        "“%(name)s” is %(n)d characters long; a tag name has at most %(max)d.",
                        len(clean),
                    )
                    % {"name": clean, "n": len(clean), "max": MAX_TAG_LENGTH}
                ]
            }
        )
    return clean


def _lock_customer(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer.pk)


def _carried(customer: Customer, partner_id: int) -> list[Tag]:
    return list(
        Tag.objects.filter(partner_id=partner_id, customertag__customer=customer).order_by("name")
    )


def _tag_for(partner_id: int, name: str) -> Tag:
    """The partner's tag of that name (any case), created if missing, locked until commit."""
    tag = Tag.objects.select_for_update().filter(partner_id=partner_id, name__iexact=name).first()
    if tag is not None:
        return tag
    try:
        with transaction.atomic():
            return Tag.objects.create(partner_id=partner_id, name=name)
    except IntegrityError:
        # Someone created it a moment ago: use theirs.
        return Tag.objects.select_for_update().get(partner_id=partner_id, name__iexact=name)


def _drop_if_orphan(tag: Tag) -> bool:
    """Delete a tag no customer carries any more; True when deleted."""
    locked = Tag.objects.select_for_update().filter(pk=tag.pk).first()
    if locked is not None and not CustomerTag.objects.filter(tag=locked).exists():
        locked.delete()
        return True
    return False


def _too_many(customer: Customer) -> ValidationError:
    return ValidationError(
        {
            "tags": [
                ngettext(
                    "%(customer)s already carries %(max)d tag, the most a customer can carry. "
                    "Remove it first.",
                    "%(customer)s already carries %(max)d tags, the most a customer can carry. "
                    "Remove one first.",
                    MAX_TAGS_PER_CUSTOMER,
                )
                % {"customer": customer.name, "max": MAX_TAGS_PER_CUSTOMER}
            ]
        }
    )


def tag_assign(*, actor: Any, customer: Customer, name: str) -> Tag:
    """Put a tag (existing or new) on a customer; nothing changes if it already carries it."""
    clean = tag_clean_name(name)
    with transaction.atomic():
        customer = _lock_customer(customer)
        carried = _carried(customer, actor.partner_id)
        for tag in carried:
            if tag.name.lower() == clean.lower():
                return tag
        if len(carried) >= MAX_TAGS_PER_CUSTOMER:
            raise _too_many(customer)
        tag = _tag_for(actor.partner_id, clean)
        CustomerTag.objects.create(customer=customer, tag=tag)
        audit_record(
            actor=actor,
            action="tag.assign",
            obj_type="customer",
            obj_id=customer.ext_id,
            customer=customer,
            partner=actor.partner,
            before={"tags": [t.name for t in carried]},
            after={"tags": sorted([*(t.name for t in carried), tag.name])},
        )
        _tags_event(
            actor,
            customer,
            [t.name for t in carried],
            sorted([*(t.name for t in carried), tag.name]),
        )
        return tag


def _tags_event(actor: Any, customer: Customer, before: list[str], after: list[str]) -> None:
    """`tag.changed` for one customer: its tags of the actor's partner before and after (the
    event is the actor's partner's, as the tags are)."""
    emit_event(
        "tag.changed",
        partner_id=actor.partner_id,
        customer=customer,
        actor=actor,
        data={"customer_id": customer.ext_id, "before": before, "after": after},
    )


def tag_remove(*, actor: Any, customer: Customer, tag: Tag) -> None:
    """Take a tag off a customer; a tag no customer carries any more is deleted."""
    with transaction.atomic():
        customer = _lock_customer(customer)
        carried = _carried(customer, actor.partner_id)
        if tag.partner_id != actor.partner_id or tag.pk not in {t.pk for t in carried}:
            raise ValidationError({"tag": [_("This customer does not carry that tag.")]})
        CustomerTag.objects.filter(customer=customer, tag=tag).delete()
        deleted = _drop_if_orphan(tag)
        audit_record(
            actor=actor,
            action="tag.remove",
            obj_type="customer",
            obj_id=customer.ext_id,
            customer=customer,
            partner=actor.partner,
            before={"tags": [t.name for t in carried]},
            after={"tags": [t.name for t in carried if t.pk != tag.pk], "tag_deleted": deleted},
        )
        _tags_event(
            actor, customer, [t.name for t in carried], [t.name for t in carried if t.pk != tag.pk]
        )


def customer_set_tags(*, actor: Any, customer: Customer, names: list[str]) -> list[str]:
    """Replace the customer's tags (of the actor's partner) with `names`; returns the new names."""
    if not isinstance(names, list):
        raise ValidationError({"tags": [_("Give a list of tag names.")]})
    wanted: list[str] = []
    for name in names:
        clean = tag_clean_name(name, field="tags")
        if clean.lower() not in {w.lower() for w in wanted}:
            wanted.append(clean)
    if len(wanted) > MAX_TAGS_PER_CUSTOMER:
        raise ValidationError(
            {
                "tags": [
                    ngettext(
                        "A customer carries at most %(max)d tag; %(n)d were given.",
                        "A customer carries at most %(max)d tags; %(n)d were given.",
                        MAX_TAGS_PER_CUSTOMER,
                    )
                    % {"max": MAX_TAGS_PER_CUSTOMER, "n": len(wanted)}
                ]
            }
        )
    with transaction.atomic():
        customer = _lock_customer(customer)
        carried = _carried(customer, actor.partner_id)
        before = [t.name for t in carried]
        keep = {w.lower() for w in wanted}
        removed = [t for t in carried if t.name.lower() not in keep]
        have = {t.name.lower() for t in carried}
        for name in wanted:
            if name.lower() not in have:
                CustomerTag.objects.create(customer=customer, tag=_tag_for(actor.partner_id, name))
        if removed:
            CustomerTag.objects.filter(customer=customer, tag__in=removed).delete()
            for tag in removed:
                _drop_if_orphan(tag)
        after = [t.name for t in _carried(customer, actor.partner_id)]
        if after != before:
            audit_record(
                actor=actor,
                action="tag.set",
                obj_type="customer",
                obj_id=customer.ext_id,
                customer=customer,
                partner=actor.partner,
                before={"tags": before},
                after={"tags": after},
            )
            _tags_event(actor, customer, before, after)
        return after


def tag_rename(*, actor: Any, tag: Tag, name: str) -> Tag:
    """Rename a tag of the actor's partner (on every customer carrying it)."""
    clean = tag_clean_name(name)
    with transaction.atomic():
        tag = Tag.objects.select_for_update().get(pk=tag.pk, partner_id=actor.partner_id)
        clash = (
            Tag.objects.filter(partner_id=actor.partner_id, name__iexact=clean)
            .exclude(pk=tag.pk)
            .exists()
        )
        if clash:
            raise ValidationError(
                {"name": [_("A tag named “%(name)s” already exists.") % {"name": clean}]}
            )
        before = tag.name
        if before == clean:
            return tag
        tag.name = clean
        tag.save(update_fields=["name"])
        audit_record(
            actor=actor,
            action="tag.rename",
            obj_type="tag",
            obj_id=str(tag.pk),
            partner=actor.partner,
            before={"name": before},
            after={"name": clean},
        )
        emit_event(
            "tag.changed",
            partner_id=actor.partner_id,
            actor=actor,
            data={"tag_id": tag.pk, "before": {"name": before}, "after": {"name": clean}},
        )
        return tag


def tag_delete(*, actor: Any, tag: Tag) -> int:
    """Delete a tag of the actor's partner from every customer; returns how many carried it."""
    with transaction.atomic():
        tag = Tag.objects.select_for_update().get(pk=tag.pk, partner_id=actor.partner_id)
        carriers = list(
            CustomerTag.objects.filter(tag=tag)
            .order_by("customer__ext_id")
            .values_list("customer__ext_id", flat=True)
        )
        audit_record(
            actor=actor,
            action="tag.delete",
            obj_type="tag",
            obj_id=str(tag.pk),
            partner=actor.partner,
            before={"name": tag.name, "customers": carriers},
            after=None,
        )
        emit_event(
            "tag.changed",
            partner_id=actor.partner_id,
            actor=actor,
            data={
                "tag_id": tag.pk,
                "before": {"name": tag.name, "customers": carriers},
                "after": None,
            },
        )
        tag.delete()
        return len(carriers)
