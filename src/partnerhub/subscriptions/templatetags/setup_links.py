"""Links to the set-up wizard, only for people the policy lets set up that customer's order.

`{% attach_setup_urls rows %}` sets `setup_url` on each customer of a list page ("" when there
is nothing the person may set up); `{% setup_url customer as url %}` answers it for one customer;
`{% may_set_up customer as ok %}` whether the person may set up its orders at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import template
from django.urls import reverse

from partnerhub.accounts.policy import Action, can
from partnerhub.customers.models import Customer
from partnerhub.customers.statuses import Status
from partnerhub.subscriptions.setup_selectors import setup_subscription_id, setup_subscription_ids

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


def _wizard_url(subscription_id: str) -> str:
    return reverse("subscriptions:setup", args=[subscription_id]) if subscription_id else ""


def _waits_for_set_up(customer: Any) -> bool:
    # Decorated customers carry their status codes; "ready to set up" is exactly a provisioning
    # subscription (docs/reference/rules.md#orders-and-set-up), so the others need no query.
    codes = getattr(customer, "status_codes", None)
    return codes is None or Status.READY_TO_SET_UP in codes


@register.simple_tag(takes_context=True)
def attach_setup_urls(context: template.Context, customers: Sequence[Customer]) -> str:
    """Set `setup_url` on each customer of a page: at most one query for the page."""
    waiting = [c for c in customers if _waits_for_set_up(c)]
    ids = setup_subscription_ids(user=_user(context), customers=waiting) if waiting else {}
    for customer in customers:
        customer.setup_url = _wizard_url(ids.get(customer.pk, ""))  # type: ignore[attr-defined]
    return ""


@register.simple_tag(takes_context=True)
def setup_url(context: template.Context, customer: Customer) -> str:
    """The wizard of the customer's first subscription waiting for set-up, if the person may."""
    if not _waits_for_set_up(customer):
        return ""
    return _wizard_url(setup_subscription_id(user=_user(context), customer=customer))


@register.simple_tag(takes_context=True)
def may_set_up(context: template.Context, customer: Customer) -> bool:
    """Whether the person may set up the customer's orders (asked once per page and customer)."""
    if "may_set_up" not in context.render_context:
        context.render_context["may_set_up"] = {}
    cache = cast(dict[int, bool], context.render_context["may_set_up"])
    if customer.pk not in cache:
        cache[customer.pk] = can(_user(context), Action.SETUP_ORDER, customer)
    return bool(cache[customer.pk])
