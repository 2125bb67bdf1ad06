"""`customer.status_changed` events (docs/reference/events.md#events).

A customer's statuses move for two reasons: a change (a trial started, an order set up, licenses
assigned) or only the date (a subscription enters its last 30 days). Both end here: the services
call `customer_statuses_record` for the customers they changed, inside their transaction, and the
daily evaluation calls it for every customer of a partner. It computes the status masks of the
customers in one query, compares them with the masks last seen (`StatusSeen`) and writes one
event per customer whose statuses moved. A customer seen for the first time (just loaded) is
recorded without an event: there is no "before" to compare with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from partnerhub.core.events import NewEvent, emit_events
from partnerhub.customers.models import Customer, StatusSeen
from partnerhub.customers.statuses import status_mask_expression, statuses_from_mask


def customer_statuses_record(
    *, customers: QuerySet[Customer], day: dt.date, actor: Any = None
) -> int:
    """Write `customer.status_changed` for `customers` whose statuses moved since last seen, and
    remember their statuses as of `day`; answers how many events were written. Three queries,
    whatever the number of customers."""
    now = list(
        customers.order_by()
        .annotate(status_mask=status_mask_expression(day))
        .values_list("pk", "ext_id", "partner_id", "status_mask")
    )
    if not now:
        return 0
    seen = dict(
        StatusSeen.objects.filter(customer_id__in=[pk for pk, *_rest in now]).values_list(
            "customer_id", "mask"
        )
    )
    events: list[NewEvent] = []
    rows: list[StatusSeen] = []
    for pk, ext_id, partner_id, mask in now:
        before = seen.get(pk)
        if before == mask:
            continue
        rows.append(StatusSeen(customer_id=pk, mask=mask, day=day))
        if before is None:
            continue
        events.append(
            NewEvent(
                "customer.status_changed",
                partner_id,
                {
                    "customer_id": ext_id,
                    "as_of": day.isoformat(),
                    "before": statuses_from_mask(before),
                    "after": statuses_from_mask(mask),
                },
                customer=Customer(pk=pk, ext_id=ext_id, partner_id=partner_id),
                actor=actor,
            )
        )
    if rows:
        StatusSeen.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["customer"],
            update_fields=["mask", "day"],
        )
    return emit_events(events)
