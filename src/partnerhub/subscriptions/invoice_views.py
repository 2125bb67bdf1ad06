"""A customer's invoice: its page and a printable copy ("Print or save as PDF").

Only for people the policy lets see the managing partner's commercial data on that customer
(`Action.VIEW_COMMERCIAL`): an external administrator gets 403, anyone out of scope 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from partnerhub.accounts.policy import Action, get_customer
from partnerhub.core import clock
from partnerhub.core.views import partner_view
from partnerhub.subscriptions.invoice_selectors import customer_invoice, invoice_subscription_lines


def _context(request: HttpRequest, ext_id: str, pk: int) -> dict[str, Any]:
    customer = get_customer(request.user, ext_id, Action.VIEW_COMMERCIAL)
    invoice = customer_invoice(customer=customer, pk=pk)
    return {
        "customer": customer,
        "invoice": invoice,
        "subscription": invoice.item,
        "lines": invoice_subscription_lines(invoice),
        "printed_at": clock.now(),
    }


@require_safe
@partner_view(Action.VIEW_COMMERCIAL)
def invoice_detail(request: HttpRequest, ext_id: str, pk: int) -> HttpResponse:
    """The invoice: number, date, amount, status, its subscription and customer."""
    return render(request, "subscriptions/invoice.html", _context(request, ext_id, pk))


@require_safe
@partner_view(Action.VIEW_COMMERCIAL)
def invoice_print(request: HttpRequest, ext_id: str, pk: int) -> HttpResponse:
    """The same invoice on a plain page made for printing or saving as PDF (the browser's)."""
    return render(request, "subscriptions/invoice_print.html", _context(request, ext_id, pk))
