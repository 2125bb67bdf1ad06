"""The customer-list export: its columns, and the rows of a stored export request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from partnerhub.core.exports import safe_cell
from partnerhub.core.tables import Column
from partnerhub.customers.filtersets import CustomerFilter
from partnerhub.customers.models import CustomerExport
from partnerhub.customers.selectors import customer_list, customer_rows

# Above this many rows an export runs in the background and the person is told when it is ready.
EXPORT_INLINE_MAX = 5000

EXPORT_COLUMNS: list[Column] = [
    Column("name", _("Name")),
    Column("ext_id", _("Customer id")),
    Column("statuses", _("Statuses"), sortable=False),
    Column("products", _("Products"), sortable=False),
    Column("tags", _("Tags"), sortable=False),
    Column("managed_by", _("Managed by"), sortable=False),
    Column("created", _("Date added")),
]


def cell(value: Any) -> Any:
    """A value as one spreadsheet cell of the background CSV (`core.exports.safe_cell`: lists
    joined by commas, text that would be a formula neutralised)."""
    return safe_cell(value)


def export_queryset(export: CustomerExport) -> Iterator[dict[str, Any]]:
    """The rows of a stored export, computed as its requester, as of its date."""
    flt = CustomerFilter.parse(export.query)
    qs = customer_list(user=export.user, day=export.as_of, flt=flt, sort=export.sort or "name")
    return customer_rows(qs.iterator(chunk_size=2000), user=export.user, day=export.as_of)
