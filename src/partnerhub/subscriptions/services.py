"""Writes about subscriptions: the helpers orders and trials share (license lines, numbered ids,
audited snapshots, e-mails after commit), a trial's conversion, and the set-up wizard.

The orders themselves, one service per action, are in `subscriptions.order_services`: an order
for a customer with a trial in force converts the trial (`trial_convert`) and moves its license
assignments to the ordered subscription, in the order's transaction (docs/reference/rules.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from partnerhub.accounts.policy import Action, require
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.choices import Product
from partnerhub.core.events import emit_event
from partnerhub.core.validation import check_email, check_name
from partnerhub.customers.models import Customer
from partnerhub.customers.status_changes import customer_statuses_record
from partnerhub.subscriptions.changes import items_changed
from partnerhub.subscriptions.models import (
    Assignment,
    Item,
    ItemState,
)
from partnerhub.subscriptions.schemas import subscription_body, trial_body
from partnerhub.subscriptions.selectors import active_assignment_q

# The first number handed out for generated ids ("Sub-100001", "Trial-100001", "Ord-100001").
FIRST_NUMBER = 100001


# --- shared helpers -------------------------------------------------------------------------


def lines_clean(
    lines: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None,
    *,
    minimum: int,
    maximum: int | None = None,
    field: str = "lines",
    required: bool = True,
) -> dict[str, int]:
    """Validate license lines (`[{"product", "licenses"}]` or `{product: licenses}`).

    Products come from the product list, each at most once, with `minimum`..`maximum` licenses.
    Raises ValidationError naming `field`; answers `{product: licenses}` in product-list order.
    """
    if lines is None:
        pairs: list[tuple[Any, Any]] = []
    elif isinstance(lines, Mapping):
        pairs = list(lines.items())
    else:
        pairs = [(line.get("product"), line.get("licenses")) for line in lines]
    errors: list[str] = []
    clean: dict[str, int] = {}
    for product, licenses in pairs:
        if product not in Product.values:
            errors.append(
                _("%(product)r is not a product; choose from %(products)s.")
                % {"product": product, "products": ", ".join(Product.values)}
            )
            continue
        label = Product(product).label
        if product in clean:
            errors.append(_("%(product)s is listed more than once.") % {"product": label})
            continue
        if isinstance(licenses, bool) or not isinstance(licenses, int):
            errors.append(_("%(product)s: licenses must be a whole number.") % {"product": label})
            continue
        if licenses < minimum or (maximum is not None and licenses > maximum):
            if maximum is None:
                msg = _("%(product)s: licenses must be %(min)d or more (got %(n)s).")
            else:
                msg = _("%(product)s: licenses must be %(min)d to %(max)s (got %(n)s).")
            errors.append(
                msg
                % {
                    "product": label,
                    "min": minimum,
                    "max": f"{maximum:,}" if maximum is not None else "",
                    "n": f"{licenses:,}",
                }
            )
            continue
        clean[product] = licenses
    if not errors and required and not clean:
        errors.append(_("Choose at least one product with its number of licenses."))
    if errors:
        raise ValidationError({field: errors})
    return {p: clean[p] for p in Product.values if p in clean}


def item_snapshot(item: Item, lines: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The audited values of a subscription or trial (JSON-safe)."""
    if lines is None:
        lines = dict(item.lines.values_list("product", "licenses"))
    return {
        "id": item.ext_id,
        "customer_id": item.customer.ext_id,
        "is_trial": item.is_trial,
        "state": item.state,
        "start": item.start.isoformat(),
        "end": item.end.isoformat(),
        "auto_renew": item.auto_renew,
        "lines": dict(lines),
    }


def _highest_number(model: Any, prefix: str) -> int:
    """The highest N among `model` ext ids shaped prefix + digits (FIRST_NUMBER - 1 if none)."""
    last = (
        model.objects.filter(ext_id__regex=rf"^{prefix}[0-9]+$")
        .annotate(n=Length("ext_id"))
        .order_by("-n", "-ext_id")
        .values_list("ext_id", flat=True)
        .first()
    )
    return max(int(last[len(prefix) :]), FIRST_NUMBER - 1) if last else FIRST_NUMBER - 1


def create_numbered(model: Any, prefix: str, **fields: Any) -> Any:
    """Create a `model` row whose ext id is prefix + the next free number.

    Two transactions may pick the same number at once; the unique index refuses the second,
    which then tries the next number (inside a savepoint, so the outer transaction survives).
    """
    number = _highest_number(model, prefix) + 1
    for _attempt in range(20):
        try:
            with transaction.atomic():
                return model.objects.create(ext_id=f"{prefix}{number}", **fields)
        except IntegrityError:
            number = _highest_number(model, prefix) + 1 + _attempt
    raise IntegrityError(f"no free {prefix} number after 20 attempts")


def email_after_commit(
    subject_template: str,
    body_template: str,
    context: dict[str, Any],
    to: str,
    *,
    language: str | None = None,
) -> None:
    """Send a plain-text e-mail once the surrounding transaction has committed, in `language`.

    These go to a customer's administrator, who has no Partner Hub profile to choose a language
    on: by default they are written in the language of the partner's person whose action sends
    them, taken now, not whatever language is active when the transaction commits."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE

    def send() -> None:
        with translation.override(language):
            subject = " ".join(render_to_string(subject_template, context).split())
            body = render_to_string(body_template, context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)

    transaction.on_commit(send)


# --- moving assignments (trial conversion) ------------------------------------------------


def assignments_move(*, source: Item, target: Item, day: dt.date) -> int:
    """Move the assignments active on `day` from `source` to `target`: each one ends on `source`
    that day and a new one starts on `target` (the history stays append-only). Answers how many."""
    active = list(
        Assignment.objects.filter(item=source).filter(active_assignment_q(day)).order_by("id")
    )
    if not active:
        return 0
    Assignment.objects.filter(pk__in=[a.pk for a in active]).update(to_date=day)
    # An earlier same-day assignment of the user on the target (assigned and removed today) is
    # reopened rather than duplicated: (user, item, product, from) is unique.
    reopened = Assignment.objects.filter(
        item=target,
        from_date=day,
        user_id__in=[a.user_id for a in active],
        product__in={a.product for a in active},
    )
    existing = {(a.user_id, a.product): a.pk for a in reopened}
    if existing:
        Assignment.objects.filter(pk__in=existing.values()).update(to_date=None)
    Assignment.objects.bulk_create(
        Assignment(user_id=a.user_id, item=target, product=a.product, from_date=day)
        for a in active
        if (a.user_id, a.product) not in existing
    )
    return len(active)


def trial_convert(*, actor: Any, trial: Item, subscription: Item, day: dt.date) -> int:
    """Convert an in-force trial into `subscription` and move its assignments; audited."""
    before = item_snapshot(trial)
    trial.state = ItemState.CONVERTED
    trial.converted_to = subscription
    trial.save(update_fields=["state", "converted_to"])
    moved = assignments_move(source=trial, target=subscription, day=day)
    audit_record(
        actor=actor,
        action="trial.convert",
        obj_type="trial",
        obj_id=trial.ext_id,
        customer=trial.customer,
        before=before,
        after={
            **item_snapshot(trial, before["lines"]),
            "converted_to": subscription.ext_id,
            "assignments_moved": moved,
        },
    )
    emit_event(
        "trial.converted",
        partner_id=trial.customer.partner_id,
        customer=trial.customer,
        actor=actor,
        data={**trial_body(trial), "converted_to": subscription.ext_id},
    )
    return moved


# --- set-up -----------------------------------------------------------------------------------


def subscription_setup(
    *,
    actor: Any,
    subscription: Item,
    organization_name: str | None = None,
    admin_email: str | None = None,
    start: dt.date | None = None,
) -> Item:
    """Complete the set-up wizard: confirm the organization name, the customer's administrator
    e-mail and the start date; the `provisioning` subscription becomes `active`. Audited."""
    require(actor, Action.SETUP_ORDER, subscription.customer)
    customer = subscription.customer
    name = (organization_name if organization_name is not None else customer.name).strip()
    email = (admin_email if admin_email is not None else customer.admin_email).strip().lower()
    start = start or subscription.start
    errors: dict[str, list[str]] = {}
    if subscription.is_trial:
        errors["subscription_id"] = [
            _("%(id)s is a trial; trials need no set-up.") % {"id": subscription.ext_id}
        ]
    elif subscription.state != ItemState.PROVISIONING:
        errors["state"] = [
            _(
                "Only a subscription that is ready to set up (provisioning) can be set up; "
                "%(id)s is %(state)s."
            )
            % {"id": subscription.ext_id, "state": subscription.state}
        ]
    check_name(
        errors,
        "organization_name",
        name,
        missing=_("Give the organization's name."),
        too_long=_("The name can be at most 200 characters."),
    )
    check_email(
        errors,
        "admin_email",
        email,
        missing=_("Give the e-mail of the customer's administrator."),
    )
    if start > subscription.end:
        errors["start"] = [
            _("The start cannot come after the end of the term (%(end)s).")
            % {"end": subscription.end}
        ]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        item = Item.objects.select_for_update().select_related("customer").get(pk=subscription.pk)
        if item.state != ItemState.PROVISIONING:
            raise ValidationError(
                {
                    "state": _("%(id)s was set up meanwhile; it is %(state)s.")
                    % {"id": item.ext_id, "state": item.state}
                }
            )
        customer = item.customer
        before = {
            **item_snapshot(item),
            "organization_name": customer.name,
            "admin_email": customer.admin_email,
        }
        customer.name = name
        customer.admin_email = email
        customer.save(update_fields=["name", "admin_email"])
        item.start = start
        item.state = ItemState.ACTIVE
        item.save(update_fields=["start", "state"])
        items_changed(item_ids=[item.pk])
        emit_event(
            "subscription.set_up",
            partner_id=customer.partner_id,
            customer=customer,
            actor=actor,
            data=subscription_body(item),
        )
        customer_statuses_record(
            customers=Customer.objects.filter(pk=customer.pk), day=clock.today(), actor=actor
        )
        audit_record(
            actor=actor,
            action="subscription.setup",
            obj_type="subscription",
            obj_id=item.ext_id,
            customer=customer,
            before=before,
            after={
                **item_snapshot(item, before["lines"]),
                "organization_name": name,
                "admin_email": email,
            },
        )
        email_after_commit(
            "subscriptions/email/ready_subject.txt",
            "subscriptions/email/ready_body.txt",
            {"customer": customer, "subscription": item, "partner": customer.partner},
            email,
        )
    return item
