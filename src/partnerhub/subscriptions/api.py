"""`POST /orders` and `POST /subscriptions/{id}/setup` (docs/reference/api.md#orders-and-set-up)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from partnerhub.accounts.policy import Action, get_customer, require
from partnerhub.api.errors import InputError
from partnerhub.subscriptions.models import OrderAction
from partnerhub.subscriptions.order_services import (
    OrderDetails,
    OrderResult,
    order_cancel,
    order_change,
    order_new,
    order_renew,
)
from partnerhub.subscriptions.schemas import (
    OrderIn,
    OrderOut,
    SetupIn,
    SubscriptionOut,
    order_body,
    subscription_body,
)
from partnerhub.subscriptions.scoped_selectors import item_in_scope
from partnerhub.subscriptions.services import subscription_setup

router = Router(tags=["orders"])


@router.post("/orders", response={201: OrderOut})
def orders_place(request: HttpRequest, payload: OrderIn) -> tuple[int, dict[str, Any]]:
    """Place an order: `new` creates a provisioning subscription; `change`, `renewal`, `cancel`."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.PLACE_ORDER)
    if payload.action not in OrderAction.values:
        raise InputError(
            [
                {
                    "loc": ["body", "action"],
                    "msg": _("Choose one of: %(actions)s.")
                    % {"actions": ", ".join(OrderAction.values)},
                }
            ]
        )
    if (
        payload.subscription
        and payload.subscription_id
        and payload.subscription != payload.subscription_id
    ):
        raise InputError(
            [
                {
                    "loc": ["body", "subscription_id"],
                    "msg": _("subscription and subscription_id differ."),
                }
            ]
        )
    sub_id = payload.subscription_id or payload.subscription
    # Orders of an external customer are its managing partner's: 403 (the services check too).
    customer = (
        get_customer(user, payload.customer_id, Action.PLACE_ORDER) if payload.customer_id else None
    )
    subscription = None
    if payload.action != OrderAction.NEW and sub_id:
        subscription = item_in_scope(user, sub_id)
        require(user, Action.PLACE_ORDER, subscription.customer)
    details = OrderDetails(
        id=payload.id,
        date=payload.date,
        lines=[line.dict() for line in payload.lines] if payload.lines is not None else None,
        amount=payload.amount,
        currency=payload.currency,
    )
    result: OrderResult
    if payload.action == OrderAction.NEW:
        result = order_new(
            actor=user,
            customer=customer,
            start=payload.start,
            end=payload.end,
            auto_renew=payload.auto_renew,
            subscription_id=sub_id,
            details=details,
        )
    elif payload.action == OrderAction.CHANGE:
        result = order_change(
            actor=user,
            subscription=subscription,
            end=payload.end,
            auto_renew=payload.auto_renew,
            customer=customer,
            details=details,
        )
    elif payload.action == OrderAction.RENEWAL:
        result = order_renew(
            actor=user,
            subscription=subscription,
            end=payload.end,
            auto_renew=payload.auto_renew,
            customer=customer,
            details=details,
        )
    else:
        result = order_cancel(
            actor=user, subscription=subscription, customer=customer, details=details
        )
    return 201, order_body(result.order, result.subscription, result.converted_trial)


@router.post("/subscriptions/{subscription_id}/setup", response=SubscriptionOut)
def subscriptions_setup(
    request: HttpRequest, subscription_id: str, payload: SetupIn | None = None
) -> dict[str, Any]:
    """Complete the set-up of a provisioning subscription: it becomes active."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, Action.SETUP_ORDER)
    item = item_in_scope(user, subscription_id)
    require(user, Action.SETUP_ORDER, item.customer)
    payload = payload or SetupIn()
    item = subscription_setup(
        actor=user,
        subscription=item,
        organization_name=payload.organization_name,
        admin_email=payload.admin_email,
        start=payload.start,
    )
    return subscription_body(item)
