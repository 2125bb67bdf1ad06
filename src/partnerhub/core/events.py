"""The event outbox: one event per change, written in the change's transaction
(docs/reference/events.md#events).

Services call `emit_event` (or `emit_events` for many at once) inside the transaction that makes
the change, so a rolled-back change leaves no event and no event exists without its change. Core
knows nothing of who reads the outbox: when a transaction that wrote events commits, the signal
`events_committed` tells the listeners (the webhooks app wakes its delivery) with the partners
concerned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from partnerhub.core import clock
from partnerhub.core.models import Event

# Sent after the commit of a transaction that wrote events; `partner_ids`: the partners' pks.
events_committed = Signal()

# Every event type, with what a person reads for it (the Events page's filter, the webhook form).
EVENT_TYPES: dict[str, Any] = {
    "customer.created": _("Customer created"),
    "customer.status_changed": _("Customer's statuses changed"),
    "trial.started": _("Trial started"),
    "trial.extended": _("Trial extended"),
    "trial.ended": _("Trial ended"),
    "trial.converted": _("Trial converted"),
    "order.placed": _("Order placed"),
    "subscription.set_up": _("Subscription set up"),
    "license.assigned": _("Licenses assigned"),
    "license.unassigned": _("Licenses unassigned"),
    "tag.changed": _("Tags changed"),
    "partner_admin.assigned": _("Partner administrator assigned"),
    "partner_admin.removed": _("Partner administrator removed"),
    "role.changed": _("Role changed"),
    "helpdesk.case_opened": _("Helpdesk case opened"),
    "helpdesk.case_updated": _("Helpdesk case updated"),
    "ingest.completed": _("Data load completed"),
    "alert.opened": _("Alert opened"),
    "alert.resolved": _("Alert resolved"),
    "webhook.test": _("Test event"),
}


@dataclass(frozen=True)
class NewEvent:
    """An event to write with `emit_events` (the same arguments as `emit_event`)."""

    type: str
    partner_id: int
    data: dict[str, Any]
    customer: Any = None
    actor: Any = None


def _actor_email(actor: Any) -> str:
    return str(getattr(actor, "email", "") or "") if getattr(actor, "pk", None) else ""


def _announce(partner_ids: set[int]) -> None:
    transaction.on_commit(
        lambda: events_committed.send(sender=Event, partner_ids=frozenset(partner_ids))
    )


def _row(new: NewEvent, at: dt.datetime) -> Event:
    if new.type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {new.type!r}")
    customer = new.customer
    return Event(
        type=new.type,
        created=at,
        partner_id=new.partner_id,
        customer=customer,
        customer_ext_id=getattr(customer, "ext_id", "") or "",
        actor_email=_actor_email(new.actor),
        data=new.data,
    )


def emit_event(
    event_type: str,
    *,
    partner_id: int,
    data: dict[str, Any],
    customer: Any = None,
    actor: Any = None,
) -> Event:
    """Write one event; call inside the transaction of the change (`data`: the object as the REST
    API answers it)."""
    event = _row(NewEvent(event_type, partner_id, data, customer, actor), clock.now())
    event.save()
    _announce({partner_id})
    return event


def emit_events(events: Iterable[NewEvent], *, batch_size: int = 2000) -> int:
    """Write many events in one statement per batch (the daily evaluation, bulk changes)."""
    at = clock.now()
    rows = [_row(new, at) for new in events]
    if rows:
        Event.objects.bulk_create(rows, batch_size=batch_size)
        _announce({row.partner_id for row in rows})
    return len(rows)


def events_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the events older than `EVENT_RETENTION_DAYS` (default 90); answers how many."""
    days = int(getattr(settings, "EVENT_RETENTION_DAYS", 90))
    cutoff = (now or clock.now()) - dt.timedelta(days=days)
    deleted, _per_model = Event.objects.filter(created__lt=cutoff).delete()
    return deleted


# Sent when figures that alerts read have changed wholesale: after a dataset load or ingest and
# after a calling refresh (`partner_ids`: the partners concerned, or None for every partner;
# `as_of`: the as-of date). The alerts app listens and evaluates; senders never import it.
figures_changed = Signal()
