"""Writes about subscriptions: orders (new, change, renewal, cancel) and the set-up wizard.

An order for a customer with a trial in force converts the trial and moves its license
assignments to the ordered subscription, in the order's transaction (docs/reference/rules.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from partnerhub.accounts.policy import Action, require
from partnerhub.analytics.services import snapshot_refresh_items
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.choices import Product
from partnerhub.core.validation import check_email, check_name
from partnerhub.customers.models import Customer
from partnerhub.subscriptions.models import (
    Assignment,
    Item,
    ItemLine,
    ItemState,
    Order,
    OrderAction,
)
from partnerhub.subscriptions.selectors import active_assignment_q, in_force_q

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


def _add_year(day: dt.date) -> dt.date:
    """The same calendar day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def email_after_commit(
    subject_template: str, body_template: str, context: dict[str, Any], to: str
) -> None:
    """Send a plain-text e-mail once the surrounding transaction has committed."""

    def send() -> None:
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
    return moved


# --- orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderResult:
    """What an order did: the order row, its subscription, and the trial it converted if any."""

    order: Order
    subscription: Item
    converted_trial: Item | None


MAX_AMOUNT = 10**12  # Order.amount is a DecimalField(max_digits=14, decimal_places=2)


def _clean_amount(
    amount: Any, currency: str | None, errors: dict[str, list[str]]
) -> tuple[Decimal | None, str]:
    value: Decimal | None = None
    if amount is not None:
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            errors.setdefault("amount", []).append(_("Enter a number."))
        else:
            if not value.is_finite() or value < 0:
                errors.setdefault("amount", []).append(_("The amount cannot be negative."))
            elif value >= MAX_AMOUNT or round(value, 2) >= MAX_AMOUNT:
                errors.setdefault("amount", []).append(
                    _("The amount must be below %(max)s.") % {"max": f"{MAX_AMOUNT:,}"}
                )
    code = (currency or "").strip().upper()
    if code and (len(code) != 3 or not code.isalpha()):
        errors.setdefault("currency", []).append(_("Give a three-letter currency code, e.g. EUR."))
    if value is not None and not code:
        errors.setdefault("currency", []).append(_("Give the currency of the amount."))
    return value, code


def order_place(
    *,
    actor: Any,
    action: str,
    customer: Customer | None = None,
    subscription: Item | None = None,
    subscription_id: str | None = None,
    order_id: str | None = None,
    date: dt.date | None = None,
    lines: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None = None,
    amount: Any = None,
    currency: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    auto_renew: bool | None = None,
) -> OrderResult:
    """Place an order: `new` creates a `provisioning` subscription of `customer`; `change` updates
    the lines (and end / auto-renew when given); `renewal` moves the end (to `end`, else a year
    on); `cancel` cancels. Any order but a cancellation converts the customer's trial in force.

    The caller has resolved `customer` (for `new`) and `subscription` (otherwise) within scope.
    """
    # The policy answers here too, so no entry point skips it: 404 out of scope, 403 on an
    # external customer (its orders are the managing partner's).
    require(actor, Action.PLACE_ORDER, customer)
    if subscription is not None and subscription.customer_id != getattr(customer, "pk", None):
        require(actor, Action.PLACE_ORDER, subscription.customer)
    today = clock.today()
    errors: dict[str, list[str]] = {}
    if action not in OrderAction.values:
        raise ValidationError(
            {
                "action": _("Choose one of: %(actions)s.")
                % {"actions": ", ".join(OrderAction.values)}
            }
        )
    date = date or today
    order_id = (order_id or "").strip() or None
    if order_id and Order.objects.filter(ext_id=order_id).exists():
        # Named only when it is the actor's partner's: another partner's id confirms nothing.
        own = Order.objects.filter(
            ext_id=order_id, item__customer__partner_id=actor.partner_id
        ).exists()
        errors["id"] = [
            _("Order %(id)s was already placed.") % {"id": order_id}
            if own
            else _("This id cannot be used.")
        ]
    value, code = _clean_amount(amount, currency, errors)
    clean_lines: dict[str, int] = {}
    try:
        clean_lines = lines_clean(lines, minimum=0, required=action == OrderAction.NEW)
    except ValidationError as exc:
        errors.update(exc.message_dict)

    if action == OrderAction.NEW:
        if customer is None:
            errors["customer_id"] = [_("A new subscription needs the customer it is for.")]
        if subscription_id and Item.objects.filter(ext_id=subscription_id).exists():
            own = Item.objects.filter(
                ext_id=subscription_id, customer__partner_id=actor.partner_id
            ).exists()
            errors["subscription_id"] = [
                _("%(id)s already exists; order a change or a renewal instead.")
                % {"id": subscription_id}
                if own
                else _("This id cannot be used.")
            ]
        start = start or date
        if end is None:
            errors["end"] = [_("A new subscription needs the last day of its term.")]
        elif end < start:
            errors["end"] = [
                _("The end cannot come before the start (%(start)s).") % {"start": start}
            ]
    else:
        if subscription is None:
            errors["subscription_id"] = [
                _("A change, renewal or cancellation needs the subscription.")
            ]
        elif subscription.is_trial:
            errors["subscription_id"] = [
                _("%(id)s is a trial, not a subscription.") % {"id": subscription.ext_id}
            ]
        elif customer is not None and subscription.customer_id != customer.pk:
            errors["customer_id"] = [
                _("%(id)s belongs to another customer.") % {"id": subscription.ext_id}
            ]
        elif subscription.state == ItemState.CANCELLED:
            errors["state"] = [_("%(id)s is cancelled.") % {"id": subscription.ext_id}]
        elif action == OrderAction.RENEWAL and end is not None and end <= subscription.end:
            errors["end"] = [
                _("A renewal must end after the current end (%(end)s).") % {"end": subscription.end}
            ]
        elif action == OrderAction.CHANGE and end is not None and end < subscription.start:
            errors["end"] = [
                _("The end cannot come before the start (%(start)s).")
                % {"start": subscription.start}
            ]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        if action == OrderAction.NEW:
            assert customer is not None and end is not None and start is not None
            # The customer's row lock orders this against a trial being started for it, so the
            # conversion below sees that trial or the trial start sees this order's outcome.
            customer = Customer.objects.select_for_update().get(pk=customer.pk)
            fields = {
                "customer": customer,
                "is_trial": False,
                "start": start,
                "end": end,
                "auto_renew": bool(auto_renew),
                "state": ItemState.PROVISIONING,
                "created_by": actor if getattr(actor, "pk", None) else None,
            }
            if subscription_id:
                item = Item.objects.create(ext_id=subscription_id, **fields)
            else:
                item = create_numbered(Item, "Sub-", **fields)
            item.customer = customer
            ItemLine.objects.bulk_create(
                ItemLine(item=item, product=p, licenses=n) for p, n in clean_lines.items()
            )
            before = None
            after_lines = clean_lines
        else:
            assert subscription is not None
            item = (
                Item.objects.select_for_update().select_related("customer").get(pk=subscription.pk)
            )
            before_lines = dict(item.lines.values_list("product", "licenses"))
            before = item_snapshot(item, before_lines)
            after_lines = dict(before_lines)
            if action == OrderAction.CHANGE:
                for product, licenses in clean_lines.items():
                    ItemLine.objects.update_or_create(
                        item=item, product=product, defaults={"licenses": licenses}
                    )
                after_lines.update(clean_lines)
                after_lines = {p: after_lines[p] for p in Product.values if p in after_lines}
                if end is not None:
                    item.end = end
            elif action == OrderAction.RENEWAL:
                item.end = end or _add_year(item.end)
            elif action == OrderAction.CANCEL:
                item.state = ItemState.CANCELLED
            if auto_renew is not None and action != OrderAction.CANCEL:
                item.auto_renew = auto_renew
            item.save(update_fields=["end", "state", "auto_renew"])
        order_fields = {
            "item": item,
            "date": date,
            "action": action,
            "lines": [{"product": p, "licenses": n} for p, n in clean_lines.items()],
            "amount": value,
            "currency": code,
        }
        if order_id:
            order = Order.objects.create(ext_id=order_id, **order_fields)
        else:
            order = create_numbered(Order, "Ord-", **order_fields)
        audit_record(
            actor=actor,
            action=f"order.{action}",
            obj_type="subscription",
            obj_id=item.ext_id,
            customer=item.customer,
            before=before,
            after={**item_snapshot(item, after_lines), "order_id": order.ext_id},
        )
        converted = None
        if action != OrderAction.CANCEL:
            trial = (
                Item.objects.select_for_update()
                .select_related("customer")
                .filter(customer=item.customer, is_trial=True)
                .filter(in_force_q(today))
                .first()
            )
            if trial is not None:
                trial_convert(actor=actor, trial=trial, subscription=item, day=today)
                converted = trial
        snapshot_refresh_items(item_ids=[item.pk, *([converted.pk] if converted else [])])
    return OrderResult(order=order, subscription=item, converted_trial=converted)


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
        snapshot_refresh_items(item_ids=[item.pk])
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
