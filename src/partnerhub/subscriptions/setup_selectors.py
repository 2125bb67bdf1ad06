"""Which subscriptions waiting for set-up a person may open the set-up wizard of (the links on
the customer list, the customer's details and its Subscriptions tab)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from partnerhub.accounts.policy import Action, can, customer_scope_for
from partnerhub.customers.models import Customer
from partnerhub.subscriptions.models import Item, ItemState


def _first_provisioning(customer_ids: Any) -> dict[int, str]:
    """customer pk -> id of its earliest subscription in state provisioning (one query)."""
    first: dict[int, str] = {}
    rows = (
        Item.objects.filter(
            customer_id__in=customer_ids, is_trial=False, state=ItemState.PROVISIONING
        )
        .order_by("customer_id", "start", "ext_id")
        .values_list("customer_id", "ext_id")
    )
    for customer_id, ext_id in rows:
        first.setdefault(customer_id, ext_id)
    return first


def setup_subscription_ids(*, user: Any, customers: Sequence[Customer]) -> dict[int, str]:
    """For each of a page of customers whose order the person may set up, the id of its first
    subscription waiting for set-up: one query for the whole page, whatever its length.

    Per customer this is `can(user, SETUP_ORDER, customer)`; asked row by row it would cost a
    query per row, so the page asks the policy's set-based twin, `customer_scope_for`.
    """
    ids = [c.pk for c in customers]
    if not ids or not can(user, Action.SETUP_ORDER):
        return {}
    allowed = customer_scope_for(user, Action.SETUP_ORDER).filter(pk__in=ids).values("pk")
    return _first_provisioning(allowed)


def setup_subscription_id(*, user: Any, customer: Customer) -> str:
    """The id of the customer's first subscription waiting for set-up, when the person may set
    up its order (`can(user, SETUP_ORDER, customer)`); else ""."""
    if not can(user, Action.SETUP_ORDER, customer):
        return ""
    return _first_provisioning([customer.pk]).get(customer.pk, "")
