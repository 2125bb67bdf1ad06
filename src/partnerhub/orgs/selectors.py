"""Reads of an organization's administration: a customer's users, services and licenses, and the
partner's own organization (its people, services and license usage).

Every read is scoped by the caller (the customer came through the policy) and set-based: lists
are one query per table plus a prefetch, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Lower
from django.http import Http404
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Partner, User
from partnerhub.core.choices import Product, Role
from partnerhub.core.collation import name_order
from partnerhub.customers.models import Customer, CustomerUser
from partnerhub.subscriptions.models import Assignment, Item, ItemLine, ItemState
from partnerhub.subscriptions.selectors import (
    active_assignment_q,
    assigned_subquery,
    in_force_q,
    used_subquery,
)

PRODUCT_ORDER = {p: i for i, p in enumerate(Product.values)}


def open_items_q(day: dt.date, prefix: str = "") -> Q:
    """Items licenses can be assigned on: in force on `day`, or a subscription waiting for its
    set-up (`provisioning`) whose term has not ended."""
    p = prefix
    return in_force_q(day, prefix) | Q(
        **{f"{p}is_trial": False, f"{p}state": ItemState.PROVISIONING, f"{p}end__gte": day}
    )


# --- a customer's services and licenses ---------------------------------------------------


@dataclass
class ServiceRow:
    """One subscription or trial of an organization with its per-product license figures."""

    item: Item
    in_force: bool
    open: bool
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def licenses(self) -> int:
        return sum(line["licenses"] for line in self.lines)

    @property
    def assigned(self) -> int:
        return sum(line["assigned"] for line in self.lines)


def customer_services(
    customer: Customer, day: dt.date, *, open_only: bool = False
) -> list[ServiceRow]:
    """The customer's subscriptions and trials, newest first, each with its lines: licenses,
    assigned, available, overage and used in the last 7 days on `day` (one query)."""
    lines = (
        ItemLine.objects.filter(item__customer=customer)
        .select_related("item")
        .annotate(
            assigned=assigned_subquery(day),
            used7=used_subquery(day, 7),
            in_force=Exists(Item.objects.filter(pk=OuterRef("item_id")).filter(in_force_q(day))),
            is_open=Exists(Item.objects.filter(pk=OuterRef("item_id")).filter(open_items_q(day))),
        )
        .order_by("-item__start", "item__ext_id")
    )
    if open_only:
        lines = lines.filter(open_items_q(day, "item__"))
    rows: dict[int, ServiceRow] = {}
    for line in lines:
        row = rows.get(line.item_id)
        if row is None:
            row = rows[line.item_id] = ServiceRow(
                item=line.item, in_force=line.in_force, open=line.is_open
            )
        row.lines.append(
            {
                "product": line.product,
                "label": Product(line.product).label,
                "licenses": line.licenses,
                "assigned": line.assigned,
                "used7": line.used7,
                "available": max(0, line.licenses - line.assigned),
                "overage": max(0, line.assigned - line.licenses),
            }
        )
    for row in rows.values():
        row.lines.sort(key=lambda r: PRODUCT_ORDER[r["product"]])
    return list(rows.values())


def customer_item(customer: Customer, ext_id: str) -> Item:
    """One of the customer's subscriptions or trials, else 404."""
    item = Item.objects.filter(customer=customer, ext_id=ext_id).first()
    if item is None:
        raise Http404(_("No such subscription or trial."))
    item.customer = customer
    return item


def item_product_figures(item: Item, product: str, day: dt.date) -> dict[str, Any]:
    """Licenses, assigned and available of one product on one item (one query); else 404."""
    line = (
        ItemLine.objects.filter(item=item, product=product)
        .annotate(assigned=assigned_subquery(day))
        .values("licenses", "assigned")
        .first()
    )
    if line is None:
        raise Http404(_("This subscription has no such product."))
    return {
        "product": product,
        "label": Product(product).label,
        "licenses": line["licenses"],
        "assigned": line["assigned"],
        "available": max(0, line["licenses"] - line["assigned"]),
        "overage": max(0, line["assigned"] - line["licenses"]),
    }


# --- a customer's users -------------------------------------------------------------------

USER_SORTS = {"name": name_order("name"), "email": Lower("email")}


def _search(users: QuerySet[CustomerUser], q: str) -> QuerySet[CustomerUser]:
    q = q.strip()
    if q:
        users = users.filter(Q(name__icontains=q) | Q(email__icontains=q))
    return users


def _sorted(users: QuerySet[Any], sort: str) -> QuerySet[Any]:
    key = sort.lstrip("-")
    expr = USER_SORTS.get(key, USER_SORTS["name"])
    ordering = expr.desc() if sort.startswith("-") else expr.asc()
    return users.order_by(ordering, "pk")


def customer_users(
    customer: Customer, day: dt.date, *, q: str = "", sort: str = "name"
) -> QuerySet[CustomerUser]:
    """The customer's users matching `q` (name or e-mail), each with `active_assignments` (the
    licenses assigned on `day`, prefetched in one query)."""
    active = (
        Assignment.objects.filter(active_assignment_q(day))
        .select_related("item")
        .order_by("item__ext_id", "product")
    )
    users = CustomerUser.objects.filter(customer=customer)
    return _sorted(_search(users, q), sort).prefetch_related(
        Prefetch("assignments", queryset=active, to_attr="active_assignments")
    )


def assignment_candidates(
    customer: Customer,
    item: Item,
    product: str,
    day: dt.date,
    *,
    q: str = "",
    show: str = "all",
    sort: str = "name",
) -> QuerySet[CustomerUser]:
    """The customer's users, each with `assigned`: whether they hold `product` on `item` today."""
    holds = Assignment.objects.filter(active_assignment_q(day)).filter(
        user_id=OuterRef("pk"), item=item, product=product
    )
    users = CustomerUser.objects.filter(customer=customer).annotate(
        assigned=Exists(holds, output_field=BooleanField())
    )
    if show == "assigned":
        users = users.filter(assigned=True)
    elif show == "unassigned":
        users = users.filter(assigned=False, is_active=True)
    return _sorted(_search(users, q), sort)


def customer_user_counts(customer: Customer, day: dt.date) -> dict[str, int]:
    """How many users the customer has, active ones, and users holding at least one license."""
    licensed = Assignment.objects.filter(active_assignment_q(day)).filter(user_id=OuterRef("pk"))
    return CustomerUser.objects.filter(customer=customer).aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(is_active=True)),
        licensed=Count("pk", filter=Q(Exists(licensed))),
    )


# --- the partner's own organization ----------------------------------------------------------


def own_org_customer(partner: Partner) -> Customer | None:
    """The customer record that carries the partner's own subscriptions: a feed describes the
    partner's own organization as a customer of that partner with the partner's own id."""
    return Customer.objects.filter(partner=partner, ext_id=partner.ext_id).first()


def own_org_people(
    partner: Partner, *, q: str = "", sort: str = "name", status: str = ""
) -> QuerySet[User]:
    """The partner's people matching `q` (name or e-mail), active ones or all."""
    people = User.objects.filter(partner=partner)
    if q.strip():
        people = people.filter(Q(name__icontains=q.strip()) | Q(email__icontains=q.strip()))
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "inactive":
        people = people.filter(is_active=False)
    return _sorted(people, sort)


def own_org_figures(partner: Partner, day: dt.date) -> dict[str, Any]:
    """The own organization at a glance: people per role and state, customers, and licenses of
    the partner's customers' items in force on `day` (three queries)."""
    people = User.objects.filter(partner=partner).aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(is_active=True)),
        admins=Count("pk", filter=Q(is_active=True) & ~Q(role=Role.USER)),
    )
    by_role = dict(
        User.objects.filter(partner=partner, is_active=True)
        .values_list("role")
        .annotate(n=Count("pk"))
        .order_by()
    )
    customers = Customer.objects.filter(partner=partner).count()
    licenses = dict(
        ItemLine.objects.filter(item__customer__partner=partner)
        .filter(in_force_q(day, "item__"))
        .values_list("product")
        .annotate(n=Sum("licenses"))
        .order_by()
    )
    return {
        "people": people,
        "roles": [(label, by_role.get(value, 0)) for value, label in Role.choices],
        "customers": customers,
        "licenses_sold": [
            (Product(p).label, licenses[p]) for p in Product.values if licenses.get(p)
        ],
    }


def own_org_usage(customer: Customer, day: dt.date) -> list[dict[str, Any]]:
    """Per product, over the own organization's items in force on `day`: licenses, assigned and
    used in the last 7 days, summed by the database (one query)."""
    per_line = (
        ItemLine.objects.filter(item__customer=customer)
        .filter(in_force_q(day, "item__"))
        .annotate(a=assigned_subquery(day), u=used_subquery(day, 7))
    )
    totals = (
        per_line.values("product")
        .annotate(licenses=Sum("licenses"), assigned=Sum("a"), used7=Sum("u"))
        .order_by()
    )
    rows: list[dict[str, Any]] = sorted(
        (dict(r) for r in totals), key=lambda r: PRODUCT_ORDER[r["product"]]
    )
    for r in rows:
        r["label"] = Product(r["product"]).label
        r["available"] = max(0, r["licenses"] - r["assigned"])
        r["assigned_pct"] = round(100 * r["assigned"] / r["licenses"]) if r["licenses"] else None
        r["used_pct"] = round(100 * r["used7"] / r["licenses"]) if r["licenses"] else None
    return rows
