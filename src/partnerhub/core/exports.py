"""CSV and XLSX exports of exactly the rows a table shows (same columns, same filters).

Every cell of every export goes through `safe_cell`, so that a value someone typed (a customer
named `=HYPERLINK("http://evil.example/","Click")`, a tag, a queue name) is never evaluated as a
formula by the spreadsheet that opens the file (OWASP "CSV injection"); XLSX cells holding text
are moreover written with the string data type.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.functional import Promise
from django.utils.translation import pgettext

from partnerhub.core.tables import Column

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    def write(self, value: str) -> str:
        return value


# A spreadsheet reads a cell starting with one of these as a formula (=, +, -, @), or may drop a
# leading tab / carriage return and then read what follows as one. The full-width forms are
# included as a precaution (input methods of East Asian locales type them; cheap to cover).
_FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# A text that is exactly a decimal number ("-12.5") is a number, not a formula: left as it is.
_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def safe_cell(value: Any) -> Any:
    """A value as one exported spreadsheet cell: lists joined by commas, None empty, and text that
    a spreadsheet would read as a formula prefixed with an apostrophe (shown, not evaluated).

    Text is checked at its first character and at its first character after leading whitespace
    (spreadsheets trim spaces on import, so " =1+1" is a formula too). Numbers, dates and booleans
    stay what they are: a negative number is a number, not a formula.
    """
    if value is None:
        return ""
    if isinstance(value, Promise):  # a lazily translated label: its text in the active language
        value = str(value)
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    if not isinstance(value, str) or not value:
        return value
    stripped = value.lstrip()
    starts_formula = value[0] in _FORMULA_START or (stripped and stripped[0] in _FORMULA_START)
    if starts_formula and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def export_csv(
    filename: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]
) -> StreamingHttpResponse:
    """Stream rows as CSV (memory stays flat however many rows)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterable[str]:
        yield "\ufeff" + writer.writerow([safe_cell(str(c.label)) for c in columns])
        for row in rows:
            yield writer.writerow([safe_cell(row.get(c.key)) for c in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_bytes(
    columns: Sequence[Column], rows: Iterable[dict[str, Any]], title: str | None = None
) -> bytes:
    """An XLSX workbook of the rows (write-only mode keeps memory low); text cells are strings.

    `title` names the sheet (a spreadsheet allows 31 characters); by default "Export".
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(
        title=(title or pgettext("the name of a spreadsheet's sheet", "Export"))[:31]
    )
    ws.append(xlsx_row(ws, [str(c.label) for c in columns]))
    for row in rows:
        ws.append(xlsx_row(ws, [row.get(c.key) for c in columns]))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """One worksheet row: every value through `safe_cell`, text as a cell of the string data type
    (openpyxl would otherwise store "=…" as a formula and "#N/A" as an error), without the control
    characters XLSX cannot hold (openpyxl refuses them: one such name would fail the export)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    out: list[Any] = []
    for value in values:
        value = safe_cell(value)
        if isinstance(value, str):
            cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(value)
    return out


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
