"""CSV and XLSX exports of exactly the rows a table shows (same columns, same filters)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

from partnerhub.core.views import Column

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else value


def export_csv(
    filename: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]
) -> StreamingHttpResponse:
    """Stream rows as CSV (memory stays flat however many rows)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterable[str]:
        yield "\ufeff" + writer.writerow([str(c.label) for c in columns])
        for row in rows:
            yield writer.writerow([_cell(row.get(c.key)) for c in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_bytes(
    columns: Sequence[Column], rows: Iterable[dict[str, Any]], title: str = "Export"
) -> bytes:
    """An XLSX workbook of the rows (write-only mode keeps memory low)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.append([str(c.label) for c in columns])
    for row in rows:
        ws.append([_cell(row.get(c.key)) for c in columns])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def export_xlsx(
    filename: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]
) -> HttpResponse:
    """Answer an XLSX download of the rows."""
    response = HttpResponse(xlsx_bytes(columns, rows, filename), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(
    fmt: str, filename: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]
) -> HttpResponse | StreamingHttpResponse:
    """`fmt` is 'csv' or 'xlsx'."""
    if fmt == "xlsx":
        return export_xlsx(filename, columns, rows)
    return export_csv(filename, columns, rows)
