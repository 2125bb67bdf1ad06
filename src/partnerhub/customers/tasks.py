"""Background work of the customers app: large CSV / XLSX exports of the customer list."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django_tasks import task

from partnerhub.core import clock
from partnerhub.core.exports import xlsx_bytes
from partnerhub.core.language import speaking_to
from partnerhub.customers.export import EXPORT_COLUMNS, cell, export_queryset
from partnerhub.customers.models import CustomerExport, ExportState

log = logging.getLogger(__name__)


def export_dir() -> Path:
    """MEDIA_ROOT/exports: outside the web root, served only through the download view."""
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@task()
def export_customers_task(export_id: int) -> int:
    """Write the export's file (the same rows the list shows for its query); returns the rows."""
    export = CustomerExport.objects.select_related("user").get(pk=export_id)
    try:
        # headers, statuses and products in the language of the person who asked for it
        with speaking_to(export.user):
            export.file, export.rows = _write(export)
        export.state = ExportState.READY
    except Exception:
        log.exception("customer export %s failed", export_id)
        export.state = ExportState.FAILED
    export.finished_at = clock.now()
    export.save(update_fields=["file", "rows", "state", "finished_at"])
    return export.rows


def _write(export: CustomerExport) -> tuple[str, int]:
    """Write the export's file under export_dir(); returns its name and how many rows it holds."""
    rows = export_queryset(export)
    name = f"customers-{export.pk}.{export.fmt}"
    target = export_dir() / name
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    if export.fmt == "xlsx":
        target.write_bytes(xlsx_bytes(EXPORT_COLUMNS, counted(), _("Customers")))
    else:
        with target.open("w", newline="", encoding="utf-8") as fh:
            fh.write("\ufeff")
            writer = csv.writer(fh)
            writer.writerow([str(c.label) for c in EXPORT_COLUMNS])
            for row in counted():
                writer.writerow([cell(row.get(c.key)) for c in EXPORT_COLUMNS])
    return name, count
