"""Reads of one subscription or trial through the person's scope: out of scope is 404.

They sit above the policy (`accounts.policy.customer_scope`); `selectors` holds the unscoped
rules (in force, assigned, used) that the policy-free layers below compose.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from partnerhub.accounts.policy import customer_scope
from partnerhub.subscriptions.models import Item


def item_in_scope(user: Any, ext_id: str, *, is_trial: bool | None = None) -> Item:
    """The subscription or trial with that id among the person's customers, else 404."""
    items = Item.objects.filter(ext_id=ext_id, customer__in=customer_scope(user))
    if is_trial is not None:
        items = items.filter(is_trial=is_trial)
    item = items.select_related("customer", "customer__partner", "converted_to").first()
    if item is None:
        raise Http404(_("No such subscription or trial."))
    return item
