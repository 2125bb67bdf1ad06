"""Reads of webhooks and events, already scoped: a partner's full administrators see their
partner's endpoints, deliveries and events; anything else answers 404 (or 403 by role)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from partnerhub.accounts.policy import Action, require
from partnerhub.core.models import Event
from partnerhub.webhooks.models import Attempt, Delivery, DeliveryState, Endpoint


def endpoint_scope(user: Any) -> QuerySet[Endpoint]:
    """The endpoints of the person's partner (403 unless they may manage webhooks)."""
    require(user, Action.MANAGE_WEBHOOKS)
    return Endpoint.objects.filter(partner_id=user.partner_id)


def endpoint_list(user: Any) -> QuerySet[Endpoint]:
    """The partner's endpoints, newest first, with their delivery counts (one query)."""
    return endpoint_scope(user).annotate(
        failed_count=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
        pending_count=Count(
            "deliveries",
            filter=Q(deliveries__state__in=[DeliveryState.PENDING, DeliveryState.DELIVERING]),
        ),
    )


def endpoint_get(user: Any, public_id: str) -> Endpoint:
    """One endpoint of the person's partner by its id, else 404."""
    endpoint = endpoint_scope(user).filter(public_id=public_id).select_related("partner").first()
    if endpoint is None:
        raise Http404(_("No such webhook."))
    return endpoint


def delivery_log(endpoint: Endpoint) -> QuerySet[Delivery]:
    """An endpoint's deliveries, newest first, each with its event and attempts (prefetched)."""
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(
            Prefetch("attempt_log", queryset=Attempt.objects.order_by("number", "pk"))
        )
        .order_by("-created", "-pk")
    )


def delivery_get(endpoint: Endpoint, delivery_id: int | str) -> Delivery:
    """One delivery of that endpoint, else 404."""
    text = str(delivery_id)
    delivery = (
        Delivery.objects.filter(endpoint=endpoint, pk=int(text)).select_related("event").first()
        if text.isdigit()
        else None
    )
    if delivery is None:
        raise Http404(_("No such delivery."))
    return delivery


def event_list(
    user: Any,
    *,
    types: list[str] | None = None,
    customer: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Event]:
    """The partner's events, newest first, with the filters (403 unless allowed the Events page).
    `since` / `until` are UTC dates, both included."""
    require(user, Action.VIEW_EVENTS)
    qs = Event.objects.filter(partner_id=user.partner_id)
    if types:
        qs = qs.filter(type__in=types)
    if customer:
        qs = qs.filter(customer_ext_id=customer)
    if since:
        qs = qs.filter(created__gte=dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
        qs = qs.filter(created__lt=end)
    return qs.order_by("-created", "-pk")
