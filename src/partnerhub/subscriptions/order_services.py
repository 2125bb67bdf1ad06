"""Orders, one service per action: `order_new`, `order_change`, `order_renew`, `order_cancel`
(docs/reference/rules.md#orders-and-set-up).

Each checks the policy itself (404 out of scope, 403 on an external customer, whose orders are
the managing partner's), validates everything before writing (a ValidationError names each bad
field and nothing is written), then in one transaction writes the subscription, the `Order` row
and its audit record; any order but a cancellation converts the customer's trial in force and
moves its license assignments to the ordered subscription.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from partnerhub.accounts.policy import Action, require
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.choices import Product
from partnerhub.core.events import emit_event
from partnerhub.customers.models import Customer
from partnerhub.customers.status_changes import customer_statuses_record
from partnerhub.subscriptions.changes import items_changed
from partnerhub.subscriptions.models import Item, ItemLine, ItemState, Order, OrderAction
from partnerhub.subscriptions.schemas import order_body
from partnerhub.subscriptions.selectors import in_force_q
from partnerhub.subscriptions.services import (
    create_numbered,
    item_snapshot,
    lines_clean,
    trial_convert,
)

MAX_AMOUNT = 10**12  # Order.amount is a DecimalField(max_digits=14, decimal_places=2)

Lines = Iterable[Mapping[str, Any]] | Mapping[str, Any] | None


@dataclass(frozen=True)
class OrderDetails:
    """What every order records whatever its action: its id (`Ord-N` when none), its date
    (today when none), the lines it names (`[{"product", "licenses"}]` or `{product: n}`), and
    its amount with the currency."""

    id: str | None = None
    date: dt.date | None = None
    lines: Lines = None
    amount: Any = None
    currency: str | None = None


@dataclass(frozen=True)
class OrderResult:
    """What an order did: the order row, its subscription, and the trial it converted if any."""

    order: Order
    subscription: Item
    converted_trial: Item | None


@dataclass
class _Checked:
    """An order's details once validated, and the errors found so far (field → messages)."""

    errors: dict[str, list[str]]
    id: str | None
    date: dt.date
    lines: dict[str, int]
    amount: Decimal | None
    currency: str

    def raise_errors(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


# --- checks every action shares ---------------------------------------------------------------


def _require(actor: Any, customer: Customer | None, subscription: Item | None) -> None:
    """The policy answers here too, so no entry point skips it."""
    require(actor, Action.PLACE_ORDER, customer)
    if subscription is not None and subscription.customer_id != getattr(customer, "pk", None):
        require(actor, Action.PLACE_ORDER, subscription.customer)


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


def _details_checked(actor: Any, details: OrderDetails | None, *, lines_required: bool) -> _Checked:
    """Validate what every order records: a free order id, the amount and currency, the lines."""
    details = details or OrderDetails()
    errors: dict[str, list[str]] = {}
    order_id = (details.id or "").strip() or None
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
    amount, currency = _clean_amount(details.amount, details.currency, errors)
    lines: dict[str, int] = {}
    try:
        lines = lines_clean(details.lines, minimum=0, required=lines_required)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    return _Checked(errors, order_id, details.date or clock.today(), lines, amount, currency)


def _subscription_errors(subscription: Item | None, customer: Customer | None) -> dict[str, Any]:
    """Why an existing subscription cannot take this order (the first reason), if it cannot."""
    if subscription is None:
        return {"subscription_id": [_("A change, renewal or cancellation needs the subscription.")]}
    if subscription.is_trial:
        return {
            "subscription_id": [
                _("%(id)s is a trial, not a subscription.") % {"id": subscription.ext_id}
            ]
        }
    if customer is not None and subscription.customer_id != customer.pk:
        return {
            "customer_id": [_("%(id)s belongs to another customer.") % {"id": subscription.ext_id}]
        }
    if subscription.state == ItemState.CANCELLED:
        return {"state": [_("%(id)s is cancelled.") % {"id": subscription.ext_id}]}
    return {}


def _checked_for_subscription(
    actor: Any, subscription: Item | None, customer: Customer | None, details: OrderDetails | None
) -> tuple[_Checked, Item | None]:
    """The policy and the shared checks of an order on an existing subscription: the checked
    details, and the subscription if it can take the order (None: the errors say why not)."""
    _require(actor, customer, subscription)
    checked = _details_checked(actor, details, lines_required=False)
    refused = _subscription_errors(subscription, customer)
    checked.errors.update(refused)
    return checked, None if refused else subscription


def _locked(subscription: Item | None) -> tuple[Item, dict[str, Any]]:
    """The subscription locked for this transaction, and its audited values before the order."""
    assert subscription is not None  # refused by _subscription_errors
    item = Item.objects.select_for_update().select_related("customer").get(pk=subscription.pk)
    return item, item_snapshot(item)


# --- the write every action ends with ---------------------------------------------------------


def _order_record(
    *,
    actor: Any,
    action: OrderAction,
    item: Item,
    before: dict[str, Any] | None,
    after_lines: Mapping[str, int],
    checked: _Checked,
) -> OrderResult:
    """Inside the order's transaction: the `Order` row, its audit record, and (but for a
    cancellation) the conversion of the customer's trial in force."""
    fields = {
        "item": item,
        "date": checked.date,
        "action": action.value,
        "lines": [{"product": p, "licenses": n} for p, n in checked.lines.items()],
        "amount": checked.amount,
        "currency": checked.currency,
    }
    if checked.id:
        order = Order.objects.create(ext_id=checked.id, **fields)
    else:
        order = create_numbered(Order, "Ord-", **fields)
    audit_record(
        actor=actor,
        action=f"order.{action.value}",
        obj_type="subscription",
        obj_id=item.ext_id,
        customer=item.customer,
        before=before,
        after={**item_snapshot(item, after_lines), "order_id": order.ext_id},
    )
    converted = None
    if action != OrderAction.CANCEL:
        today = clock.today()
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
    items_changed(item_ids=[item.pk, *([converted.pk] if converted else [])])
    emit_event(
        "order.placed",
        partner_id=item.customer.partner_id,
        customer=item.customer,
        actor=actor,
        data=order_body(order, item, converted),
    )
    customer_statuses_record(
        customers=Customer.objects.filter(pk=item.customer_id), day=clock.today(), actor=actor
    )
    return OrderResult(order=order, subscription=item, converted_trial=converted)


# --- the four actions -------------------------------------------------------------------------


def order_new(
    *,
    actor: Any,
    customer: Customer | None,
    end: dt.date | None,
    start: dt.date | None = None,
    auto_renew: bool | None = None,
    subscription_id: str | None = None,
    details: OrderDetails | None = None,
) -> OrderResult:
    """A new `provisioning` subscription of `customer` with the order's lines (at least one),
    from `start` (the order's date by default) to `end`; `subscription_id`, else `Sub-N`.

    The caller has resolved `customer` within scope.
    """
    _require(actor, customer, None)
    checked = _details_checked(actor, details, lines_required=True)
    errors = checked.errors
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
    start = start or checked.date
    if end is None:
        errors["end"] = [_("A new subscription needs the last day of its term.")]
    elif end < start:
        errors["end"] = [_("The end cannot come before the start (%(start)s).") % {"start": start}]
    checked.raise_errors()
    assert customer is not None and end is not None
    with transaction.atomic():
        # The customer's row lock orders this against a trial being started for it, so the
        # conversion sees that trial or the trial start sees this order's outcome.
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
            ItemLine(item=item, product=p, licenses=n) for p, n in checked.lines.items()
        )
        return _order_record(
            actor=actor,
            action=OrderAction.NEW,
            item=item,
            before=None,
            after_lines=checked.lines,
            checked=checked,
        )


def order_change(
    *,
    actor: Any,
    subscription: Item | None,
    end: dt.date | None = None,
    auto_renew: bool | None = None,
    customer: Customer | None = None,
    details: OrderDetails | None = None,
) -> OrderResult:
    """Set the licenses of the products the order's lines name (0 or more), keep the others;
    optionally a new `end` (not before the start) and `auto_renew`.

    The caller has resolved `subscription` (and `customer`, if given) within scope.
    """
    checked, usable = _checked_for_subscription(actor, subscription, customer, details)
    if usable is not None and end is not None and end < usable.start:
        checked.errors["end"] = [
            _("The end cannot come before the start (%(start)s).") % {"start": usable.start}
        ]
    checked.raise_errors()
    with transaction.atomic():
        item, before = _locked(subscription)
        for product, licenses in checked.lines.items():
            ItemLine.objects.update_or_create(
                item=item, product=product, defaults={"licenses": licenses}
            )
        after = {**before["lines"], **checked.lines}
        if end is not None:
            item.end = end
        if auto_renew is not None:
            item.auto_renew = auto_renew
        item.save(update_fields=["end", "state", "auto_renew"])
        return _order_record(
            actor=actor,
            action=OrderAction.CHANGE,
            item=item,
            before=before,
            after_lines={p: after[p] for p in Product.values if p in after},
            checked=checked,
        )


def _add_year(day: dt.date) -> dt.date:
    """The same calendar day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def order_renew(
    *,
    actor: Any,
    subscription: Item | None,
    end: dt.date | None = None,
    auto_renew: bool | None = None,
    customer: Customer | None = None,
    details: OrderDetails | None = None,
) -> OrderResult:
    """Move the end to `end` (after the current end), else one year on; optionally `auto_renew`.

    The caller has resolved `subscription` (and `customer`, if given) within scope.
    """
    checked, usable = _checked_for_subscription(actor, subscription, customer, details)
    if usable is not None and end is not None and end <= usable.end:
        checked.errors["end"] = [
            _("A renewal must end after the current end (%(end)s).") % {"end": usable.end}
        ]
    checked.raise_errors()
    with transaction.atomic():
        item, before = _locked(subscription)
        item.end = end or _add_year(item.end)
        if auto_renew is not None:
            item.auto_renew = auto_renew
        item.save(update_fields=["end", "state", "auto_renew"])
        return _order_record(
            actor=actor,
            action=OrderAction.RENEWAL,
            item=item,
            before=before,
            after_lines=before["lines"],
            checked=checked,
        )


def order_cancel(
    *,
    actor: Any,
    subscription: Item | None,
    customer: Customer | None = None,
    details: OrderDetails | None = None,
) -> OrderResult:
    """Cancel the subscription: it takes no more orders. Converts no trial.

    The caller has resolved `subscription` (and `customer`, if given) within scope.
    """
    checked, _usable = _checked_for_subscription(actor, subscription, customer, details)
    checked.raise_errors()
    with transaction.atomic():
        item, before = _locked(subscription)
        item.state = ItemState.CANCELLED
        item.save(update_fields=["end", "state", "auto_renew"])
        return _order_record(
            actor=actor,
            action=OrderAction.CANCEL,
            item=item,
            before=before,
            after_lines=before["lines"],
            checked=checked,
        )
