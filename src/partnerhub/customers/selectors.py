"""Reads about customers, already scoped to the person and computed by the database.

The list is one query for the page (statuses as an integer mask of correlated EXISTS, see
`statuses.py`) plus a fixed handful of queries for the page's products, tags and status reasons,
whatever the number of customers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Case, CharField, Count, Max, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerhub.accounts.policy import customer_scope
from partnerhub.core.choices import Product
from partnerhub.core.collation import name_order
from partnerhub.customers.filtersets import SORTS, CustomerFilter
from partnerhub.customers.models import Customer, CustomerAdminLogin, CustomerManager
from partnerhub.customers.statuses import (
    STATUS_COLOURS,
    Status,
    activity_window,
    expiring_soon_days,
    status_mask_expression,
    statuses_from_mask,
)
from partnerhub.subscriptions.models import Invoice, Item, ItemLine, Order
from partnerhub.subscriptions.selectors import (
    assigned_subquery,
    in_force_q,
    scheduled_q,
    used_subquery,
)
from partnerhub.tags.models import CustomerTag

PRODUCT_ORDER: tuple[str, ...] = tuple(p.value for p in Product)
# Lazy labels, turned into text where they are shown: in the language of the person viewing them.
PRODUCT_LABELS: dict[str, Any] = {p.value: p.label for p in Product}
# Names sort as people read them (any case); ties fall back to the id so paging is stable.
_NAME = name_order("name")
_ORDERINGS: dict[str, tuple[Any, ...]] = {
    "name": (_NAME.asc(), "pk"),
    "-name": (_NAME.desc(), "-pk"),
    "created": ("created", _NAME.asc(), "pk"),
    "-created": ("-created", _NAME.asc(), "pk"),
    "status": ("-status_mask", _NAME.asc(), "pk"),
    "-status": ("status_mask", _NAME.asc(), "pk"),
}
LIST_FIELDS = ("id", "ext_id", "name", "created", "partner_id")


@dataclass
class StatusBadge:
    """A status a customer holds, with the reasons shown in its tooltip."""

    code: str
    label: str
    colour: str
    reasons: list[str] = field(default_factory=list)

    @property
    def tooltip(self) -> str:
        return "; ".join(self.reasons)


def customer_list(
    *, user: Any, day: dt.date, flt: CustomerFilter, sort: str = "name"
) -> QuerySet[Customer]:
    """The person's customers narrowed by `flt`, with `status_mask` and `managed_by`, sorted."""
    if sort not in SORTS:
        sort = "name"
    qs = flt.apply(customer_scope(user), user=user, day=day)
    if sort in {"status", "-status"}:
        # Sorting by status needs every filtered customer's mask; otherwise only the page's
        # rows get one, in decorate_customers (so the database computes 50, not 20,000).
        qs = qs.annotate(status_mask=status_mask_expression(day))
    qs = qs.annotate(
        managed_by=Case(
            When(partner_id=user.partner_id, then=Value("partner")),
            default=Value("external"),
            output_field=CharField(),
        ),
    )
    return qs.only(*LIST_FIELDS).order_by(*_ORDERINGS[sort])


def _days_phrase(days: int) -> str:
    if days == 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    return ngettext("in %(n)d day", "in %(n)d days", days) % {"n": days}


def _item_label(row: dict[str, Any]) -> str:
    if row["is_trial"]:
        return _("Trial %(id)s") % {"id": row["ext_id"]}
    return str(row["ext_id"])


def decorate_customers(customers: Sequence[Customer], *, user: Any, day: dt.date) -> None:
    """Attach statuses (with reasons), products and tags to a page of customers: 4 queries, and
    a fifth for the status masks when the page query did not compute them."""
    ids = [c.pk for c in customers]
    if not ids:
        return
    if any(not hasattr(c, "status_mask") for c in customers):
        masks = dict(
            Customer.objects.filter(pk__in=ids)
            .annotate(status_mask=status_mask_expression(day))
            .values_list("pk", "status_mask")
        )
        for customer in customers:
            customer.status_mask = masks.get(customer.pk, 0)  # type: ignore[attr-defined]
    items: dict[int, list[dict[str, Any]]] = defaultdict(list)
    relevant = Item.objects.filter(customer_id__in=ids).filter(
        in_force_q(day)
        | Q(is_trial=False, state="provisioning")
        | Q(is_trial=False, state="suspended", end__gte=day)
        | scheduled_q(day)
    )
    for item_row in relevant.order_by("end", "ext_id").values(
        "customer_id", "ext_id", "is_trial", "state", "start", "end", "auto_renew"
    ):
        entry: dict[str, Any] = dict(item_row)
        entry["in_force"] = _in_force(entry, day)
        items[entry["customer_id"]].append(entry)
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line_row in (
        ItemLine.objects.filter(item__customer_id__in=ids)
        .filter(in_force_q(day, "item__"))
        .annotate(assigned_now=assigned_subquery(day))
        .order_by("item__ext_id", "product")
        .values(
            "item__customer_id",
            "item__ext_id",
            "item__is_trial",
            "product",
            "licenses",
            "assigned_now",
        )
    ):
        lines[line_row["item__customer_id"]].append(dict(line_row))
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    last_login = dict(
        CustomerAdminLogin.objects.filter(customer_id__in=ids, at__lt=end_of_day)
        .values("customer_id")
        .annotate(last=Max("at"))
        .values_list("customer_id", "last")
    )
    tags: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for tag_row in (
        CustomerTag.objects.filter(customer_id__in=ids, tag__partner_id=user.partner_id)
        .order_by("tag__name")
        .values("customer_id", "tag_id", "tag__name")
    ):
        tags[tag_row["customer_id"]].append({"id": tag_row["tag_id"], "name": tag_row["tag__name"]})
    for customer in customers:
        c_lines = lines.get(customer.pk, [])
        products = {row["product"] for row in c_lines}
        customer.products = [p for p in PRODUCT_ORDER if p in products]  # type: ignore[attr-defined]
        customer.product_labels = [str(PRODUCT_LABELS[p]) for p in customer.products]  # type: ignore[attr-defined]
        customer.tag_list = tags.get(customer.pk, [])  # type: ignore[attr-defined]
        customer.tag_names = [t["name"] for t in customer.tag_list]  # type: ignore[attr-defined]
        if not hasattr(customer, "managed_by"):
            own = customer.partner_id == user.partner_id
            setattr(customer, "managed_by", "partner" if own else "external")  # noqa: B010
        codes = statuses_from_mask(getattr(customer, "status_mask", 0))
        customer.status_codes = codes  # type: ignore[attr-defined]
        # A scheduled item (docs/reference/rules.md), nothing else in force: the pages say when
        # it starts, since no trial or subscription status does.
        starts = [
            r["start"]
            for r in items.get(customer.pk, [])
            if r["state"] == "active" and r["start"] > day
        ]
        in_force = {Status.TRIAL, Status.SUBSCRIPTION} & set(codes)
        customer.starts_on = min(starts) if starts and not in_force else None  # type: ignore[attr-defined]
        customer.statuses = [  # type: ignore[attr-defined]
            StatusBadge(
                code=code,
                label=str(Status(code).label),
                colour=STATUS_COLOURS[code],
                reasons=_reasons(
                    code,
                    items=items.get(customer.pk, []),
                    lines=c_lines,
                    last_login=last_login.get(customer.pk),
                    day=day,
                ),
            )
            for code in codes
        ]


def _in_force(row: dict[str, Any], day: dt.date) -> bool:
    if not row["start"] <= day <= row["end"]:
        return False
    if row["is_trial"]:
        return bool(row["state"] == "active")
    return row["state"] in {"active", "suspended"}


def _limit(reasons: list[str], n: int = 3) -> list[str]:
    if len(reasons) <= n:
        return reasons
    more = len(reasons) - n
    return [
        *reasons[:n],
        ngettext("and %(n)s more", "and %(n)s more", more) % {"n": intcomma(more)},
    ]


def _reasons(
    code: str,
    *,
    items: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    last_login: dt.datetime | None,
    day: dt.date,
) -> list[str]:
    """Why a customer holds a status, in words ("Sub-100231 ends in 12 days")."""
    window = expiring_soon_days()
    out: list[str] = []
    if code == Status.SUSPENDED:
        out = [
            _("%(item)s is suspended (unpaid), ends %(end)s")
            % {"item": r["ext_id"], "end": r["end"]}
            for r in items
            if not r["is_trial"] and r["state"] == "suspended" and r["end"] >= day
        ]
    elif code == Status.LICENSE_OVERAGE:
        out = [
            ngettext(
                "%(item)s %(product)s: %(assigned)s assigned of %(licenses)s license",
                "%(item)s %(product)s: %(assigned)s assigned of %(licenses)s licenses",
                r["licenses"],
            )
            % {
                "item": r["item__ext_id"],
                "product": str(PRODUCT_LABELS.get(r["product"], r["product"])),
                "assigned": intcomma(r["assigned_now"]),
                "licenses": intcomma(r["licenses"]),
            }
            for r in lines
            if r["assigned_now"] > r["licenses"]
        ]
    elif code == Status.EXPIRING_SOON:
        out = [
            _("%(item)s ends %(when)s")
            % {"item": _item_label(r), "when": _days_phrase((r["end"] - day).days)}
            for r in items
            if r["in_force"]
            and (r["is_trial"] or not r["auto_renew"])
            and 0 <= (r["end"] - day).days <= window
        ]
    elif code == Status.READY_TO_SET_UP:
        out = [
            _("%(item)s is waiting for set-up") % {"item": r["ext_id"]}
            for r in items
            if not r["is_trial"] and r["state"] == "provisioning"
        ]
    elif code == Status.NO_RECENT_ACTIVITY:
        if last_login is None:
            out = [_("Its administrators have never signed in")]
        else:
            last = last_login.astimezone(dt.UTC).date()
            ago = (day - last).days
            out = [
                ngettext(
                    "Last administrator sign-in %(date)s (%(n)s day ago)",
                    "Last administrator sign-in %(date)s (%(n)s days ago)",
                    ago,
                )
                % {"date": last.isoformat(), "n": intcomma(ago)}
            ]
    elif code == Status.TRIAL:
        out = [
            _("%(item)s in force until %(end)s") % {"item": _item_label(r), "end": r["end"]}
            for r in items
            if r["in_force"] and r["is_trial"]
        ]
    elif code == Status.SUBSCRIPTION:
        out = [
            _("%(item)s in force until %(end)s") % {"item": r["ext_id"], "end": r["end"]}
            for r in items
            if r["in_force"] and not r["is_trial"]
        ]
    elif code == Status.EXPIRED:
        out = [_("No subscription or trial in force, and no order waiting for set-up")]
    return _limit(out)


def customer_rows(
    customers: Iterable[Customer], *, user: Any, day: dt.date, chunk: int = 2000
) -> Iterator[dict[str, Any]]:
    """Export rows of a (filtered, sorted) customer queryset, decorated chunk by chunk."""
    batch: list[Customer] = []

    def flush() -> Iterator[dict[str, Any]]:
        decorate_customers(batch, user=user, day=day)
        for c in batch:
            yield {
                "ext_id": c.ext_id,
                "name": c.name,
                "statuses": [b.label for b in c.statuses],  # type: ignore[attr-defined]
                "products": c.product_labels,  # type: ignore[attr-defined]
                "tags": c.tag_names,  # type: ignore[attr-defined]
                "managed_by": _("Partner") if c.managed_by == "partner" else _("External"),  # type: ignore[attr-defined]
                "created": c.created,
            }

    for customer in customers:
        batch.append(customer)
        if len(batch) >= chunk:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


# --- One customer ---------------------------------------------------------------------------


def customer_with_statuses(*, customer: Customer, user: Any, day: dt.date) -> Customer:
    """The customer decorated like a list row (statuses with reasons, products, tags)."""
    mask = (
        Customer.objects.filter(pk=customer.pk)
        .annotate(status_mask=status_mask_expression(day))
        .values_list("status_mask", flat=True)
        .first()
    )
    customer.status_mask = mask or 0  # type: ignore[attr-defined]
    decorate_customers([customer], user=user, day=day)
    return customer


def _lines_with_figures(day: dt.date) -> QuerySet[ItemLine]:
    return ItemLine.objects.annotate(
        assigned_now=assigned_subquery(day), used_now=used_subquery(day, 7)
    ).order_by("product")


def customer_subscriptions(*, customer: Customer, day: dt.date) -> list[Item]:
    """The customer's subscriptions with lines (assigned, used7), invoices and orders: 4 queries."""
    items = list(
        Item.objects.filter(customer=customer, is_trial=False)
        .order_by("-end", "ext_id")
        .prefetch_related(
            Prefetch("lines", queryset=_lines_with_figures(day)),
            Prefetch("invoices", queryset=Invoice.objects.order_by("-date", "ext_id")),
            Prefetch("orders", queryset=Order.objects.order_by("-date", "ext_id")),
        )
    )
    for item in items:
        item.in_force = item.start <= day <= item.end and item.state in {"active", "suspended"}  # type: ignore[attr-defined]
        item.renewal_date = item.end if item.auto_renew else None  # type: ignore[attr-defined]
        item.days_left = (item.end - day).days  # type: ignore[attr-defined]
        for line in item.lines.all():
            _bar(line)
    return items


def _bar(line: Any) -> None:
    """Widths of the used/assigned/available bar, in percent of max(licenses, assigned)."""
    licenses = line.licenses
    assigned = line.assigned_now
    used = min(line.used_now, assigned)
    line.available = max(0, licenses - assigned)
    line.overage = max(0, assigned - licenses)
    scale = max(licenses, assigned) or 1
    line.used_pct = round(100 * used / scale, 1)
    line.assigned_pct = (
        round(100 * (min(assigned, licenses) - used) / scale, 1) if assigned > used else 0
    )
    line.over_pct = round(100 * line.overage / scale, 1)


def customer_trials(*, customer: Customer, day: dt.date) -> list[Item]:
    """The customer's trials, newest first, with lines: 2 queries."""
    trials = list(
        Item.objects.filter(customer=customer, is_trial=True)
        .order_by("-start", "ext_id")
        .prefetch_related(Prefetch("lines", queryset=_lines_with_figures(day)))
    )
    for trial in trials:
        trial.in_force = trial.state == "active" and trial.start <= day <= trial.end  # type: ignore[attr-defined]
        trial.days_left = max(0, (trial.end - day).days) if trial.in_force else None  # type: ignore[attr-defined]
    return trials


def customer_license_totals(*, customer: Customer, day: dt.date) -> list[dict[str, Any]]:
    """Licenses total / assigned / used (7 days) per product over the in-force items: 1 query."""
    rows: list[dict[str, Any]] = [
        dict(r)
        for r in ItemLine.objects.filter(item__customer=customer)
        .filter(in_force_q(day, "item__"))
        .annotate(assigned_now=assigned_subquery(day), used_now=used_subquery(day, 7))
        .values("product")
        .annotate(total=Sum("licenses"), assigned=Sum("assigned_now"), used=Sum("used_now"))
        .order_by("product")
    ]
    for row in rows:
        row["label"] = str(PRODUCT_LABELS.get(row["product"], row["product"]))
        row["available"] = max(0, row["total"] - row["assigned"])
    return rows


def customer_admin_sign_ins(*, customer: Customer, day: dt.date) -> dict[str, Any]:
    """The last sign-in of the customer's own administrators up to D, and the count in 30 days."""
    start, end = activity_window(day)
    figures = CustomerAdminLogin.objects.filter(customer=customer, at__lt=end).aggregate(
        last=Max("at"), recent=Count("id", filter=Q(at__gte=start))
    )
    return {"email": customer.admin_email, **figures}


def customer_partner_admins(*, customer: Customer) -> QuerySet[CustomerManager]:
    """The partner people assigned to manage the customer, with their roles."""
    return (
        CustomerManager.objects.filter(customer=customer)
        .select_related("user")
        .order_by("user__name", "user__email")
    )
