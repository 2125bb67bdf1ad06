"""Reads about tags: a partner's tags with how many customers carry them."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from partnerhub.accounts.policy import Action, can, customer_scope, sees_all_customers
from partnerhub.tags.models import CustomerTag, Tag


def tag_list(*, user: Any, q: str = "") -> QuerySet[Tag]:
    """The tags of the person's partner (seen by every admin, docs/reference/rules.md) by name, with
    `customer_count`: how many customers of the person's scope carry each (a sales
    administrator does not learn how many customers outside their scope carry a tag)."""
    tags = Tag.objects.filter(partner_id=user.partner_id)
    if q:
        tags = tags.filter(name__icontains=q)
    in_scope = Q(customertag__customer__in=customer_scope(user).values("pk"))
    return tags.annotate(customer_count=Count("customertag", filter=in_scope)).order_by(
        "name", "pk"
    )


def tag_names(*, user: Any, limit: int = 200) -> list[str]:
    """The names of the person's partner's tags, by name (for pickers)."""
    tags = Tag.objects.filter(partner_id=user.partner_id).order_by("name")
    return list(tags.values_list("name", flat=True)[:limit])


def tag_names_starting(*, user: Any, prefix: str, limit: int = 8) -> list[str]:
    """Tag names of the person's partner containing `prefix` (suggestions), those starting with it
    first."""
    tags = Tag.objects.filter(partner_id=user.partner_id, name__icontains=prefix)
    names = list(tags.order_by("name").values_list("name", flat=True)[: limit * 3])
    names.sort(key=lambda n: (not n.lower().startswith(prefix.lower()), n.lower()))
    return names[:limit]


def can_edit_tag(user: Any, tag: Tag) -> bool:
    """Whether the person may rename or delete `tag`: it changes every customer carrying it, so a
    sales administrator may only when all of them are in their own scope."""
    if not can(user, Action.TAG) or tag.partner_id != user.partner_id:
        return False
    if sees_all_customers(user):
        return True
    outside = CustomerTag.objects.filter(tag=tag).exclude(customer__in=customer_scope(user))
    return not outside.exists()
