"""REST API of customers (docs/reference/api.md#customers): list, details, partner admins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router

from partnerhub.accounts.policy import Action, can, customer_actions, get_customer, require
from partnerhub.api.errors import InputError
from partnerhub.core import clock
from partnerhub.core.paging import page_check, page_rows
from partnerhub.core.sql import without_jit
from partnerhub.customers.filtersets import (
    MANAGED_BY,
    PRODUCTS,
    SORTS,
    TYPES,
    CustomerFilter,
    too_many_terms_message,
)
from partnerhub.customers.schemas import (
    CustomerDetailOut,
    CustomerPageOut,
    PartnerAdminIn,
    PartnerAdminOut,
    customer_body,
)
from partnerhub.customers.selectors import (
    customer_list,
    customer_partner_admins,
    customer_subscriptions,
    customer_trials,
    customer_with_statuses,
    decorate_customers,
)
from partnerhub.customers.services import customer_admin_add, customer_admin_remove
from partnerhub.customers.statuses import STATUS_ORDER

router = Router(tags=["customers"])
# The keys of GET /customers/{id} that answer empty to an external administrator.
WITHHELD_FROM_EXTERNAL = ("subscriptions[].orders", "subscriptions[].invoices", "partner_admins")


def _bad(field: str, values: list[str], allowed: tuple[str, ...]) -> None:
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise InputError(
            [
                {
                    "loc": ["query", field],
                    "msg": _("unknown value %(value)s: use one of %(allowed)s")
                    % {"value": repr(wrong[0]), "allowed": ", ".join(allowed)},
                }
            ]
        )


@router.get("/customers", response=CustomerPageOut)
def list_customers(
    request: HttpRequest,
    q: str = "",
    status: list[str] = Query([]),  # noqa: B008
    product: list[str] = Query([]),  # noqa: B008
    subscription_type: str | None = None,
    managed_by: str | None = None,
    tag: list[str] = Query([]),  # noqa: B008
    sort: str = "name",
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    """The customers in the caller's scope, filtered like the query box, most urgent first."""
    user: Any = request.user
    if not can(user, Action.VIEW_CUSTOMERS):
        raise PermissionDenied
    day = clock.as_of(request)
    _bad("status", status, STATUS_ORDER)
    _bad("product", product, PRODUCTS)
    _bad("subscription_type", [subscription_type] if subscription_type else [], TYPES)
    _bad("managed_by", [managed_by] if managed_by else [], MANAGED_BY)
    _bad("sort", [sort], SORTS)
    given = {"status": len(status), "product": len(product), "tag": len(tag)}
    if sum(given.values()) + bool(subscription_type) + bool(managed_by) > settings.QUERY_MAX_TERMS:
        most = max(given, key=lambda key: given[key])
        raise InputError([{"loc": ["query", most], "msg": too_many_terms_message()}])
    flt = CustomerFilter(
        text=q.strip(),
        statuses=list(dict.fromkeys(status)),
        products=list(dict.fromkeys(product)),
        tags=[t for t in dict.fromkeys(tag) if t.strip()],
        managed_by=[managed_by] if managed_by else [],
        types=[subscription_type] if subscription_type else [],
    )
    page_check(page, page_size)
    qs = customer_list(user=user, day=day, flt=flt, sort=sort)
    with without_jit():
        rows, count = page_rows(qs, number=page, size=page_size, one_query=True)
        decorate_customers(rows, user=user, day=day)
    return {"count": count, "items": [customer_body(c) for c in rows]}


def _lines(item: Any) -> list[dict[str, Any]]:
    return [
        {
            "product": line.product,
            "licenses": line.licenses,
            "assigned": line.assigned_now,
            "used": line.used_now,
            "available": max(0, line.licenses - line.assigned_now),
        }
        for line in item.lines.all()
    ]


@router.get("/customers/{customer_id}", response=CustomerDetailOut)
def get_customer_detail(request: HttpRequest, customer_id: str) -> dict[str, Any]:
    """One customer with subscriptions (lines, orders, invoices), trials, partner admins, tags."""
    user: Any = request.user
    customer = get_customer(user, customer_id, Action.VIEW_CUSTOMERS)
    # An external administrator sees the customer, not the managing partner's commercial data
    # or staff: those keys answer empty and `withheld` names them.
    commercial = Action.VIEW_COMMERCIAL in customer_actions(user, customer)
    day = clock.as_of(request)
    with without_jit():
        customer = customer_with_statuses(customer=customer, user=user, day=day)
    subscriptions = customer_subscriptions(customer=customer, day=day)
    trials = customer_trials(customer=customer, day=day)
    return {
        **customer_body(customer),
        "country": customer.country,
        "status_reasons": {b.code: b.reasons for b in customer.statuses},  # type: ignore[attr-defined]
        "subscriptions": [
            {
                "id": s.ext_id,
                "state": s.state,
                "start": s.start,
                "end": s.end,
                "auto_renew": s.auto_renew,
                "renewal_date": s.renewal_date,  # type: ignore[attr-defined]
                "lines": _lines(s),
                "orders": [
                    {
                        "id": o.ext_id,
                        "date": o.date,
                        "action": o.action,
                        "lines": o.lines,
                        "amount": o.amount,
                        "currency": o.currency,
                    }
                    for o in (s.orders.all() if commercial else ())
                ],
                "invoices": [
                    {
                        "id": i.ext_id,
                        "date": i.date,
                        "amount": i.amount,
                        "currency": i.currency,
                        "status": i.status,
                    }
                    for i in (s.invoices.all() if commercial else ())
                ],
            }
            for s in subscriptions
        ],
        "trials": [
            {
                "id": t.ext_id,
                "state": t.state,
                "start": t.start,
                "end": t.end,
                "days_left": t.days_left,  # type: ignore[attr-defined]
                "lines": _lines(t),
            }
            for t in trials
        ],
        "partner_admins": [
            {"email": m.user.email, "name": m.user.name, "role": m.user.role}
            for m in (customer_partner_admins(customer=customer) if commercial else ())
        ],
        "withheld": [] if commercial else list(WITHHELD_FROM_EXTERNAL),
    }


@router.post(
    "/customers/{customer_id}/admins", response={200: PartnerAdminOut, 201: PartnerAdminOut}
)
def add_partner_admin(
    request: HttpRequest, customer_id: str, payload: PartnerAdminIn
) -> tuple[int, dict[str, Any]]:
    """Assign a person of the caller's partner to manage the customer (201; 200 if already)."""
    user: Any = request.user
    customer = get_customer(user, customer_id)
    require(user, Action.MANAGE_CUSTOMER_ADMINS, customer)
    person, created = customer_admin_add(actor=user, customer=customer, email=payload.email)
    return (201 if created else 200), {
        "email": person.email,
        "name": person.name,
        "role": person.role,
    }


@router.delete("/customers/{customer_id}/admins/{email}", response={204: None})
def remove_partner_admin(request: HttpRequest, customer_id: str, email: str) -> Any:
    """Remove a partner person from the customer's administrators (404 if not assigned)."""
    user: Any = request.user
    customer = get_customer(user, customer_id)
    require(user, Action.MANAGE_CUSTOMER_ADMINS, customer)
    if not customer_admin_remove(actor=user, customer=customer, email=email):
        raise Http404(_("That person does not manage this customer."))
    return HttpResponse(status=204)
