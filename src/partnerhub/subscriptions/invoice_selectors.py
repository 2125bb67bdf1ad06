"""Reads about a customer's invoices (the invoice page and its printable copy)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from partnerhub.core.choices import Product
from partnerhub.subscriptions.models import Invoice, ItemLine


def customer_invoice(*, customer: Any, pk: int) -> Invoice:
    """One invoice of the customer's subscriptions, with its subscription; 404 for any other
    (the customer's scope and the right to its commercial data are the caller's policy check)."""
    invoice = (
        Invoice.objects.filter(pk=pk, item__customer=customer)
        .select_related("item", "item__customer", "item__customer__partner")
        .first()
    )
    if invoice is None:
        raise Http404(_("No such invoice."))
    return invoice


def invoice_subscription_lines(invoice: Invoice) -> list[dict[str, Any]]:
    """The license lines of the invoice's subscription (invoices carry no lines of their own in
    the dataset), in the product list's order, with the products' labels."""
    order = {p: i for i, p in enumerate(Product.values)}
    rows = ItemLine.objects.filter(item_id=invoice.item_id).values("product", "licenses")
    return [
        {**row, "label": Product(row["product"]).label}
        for row in sorted(rows, key=lambda r: order.get(r["product"], len(order)))
    ]
