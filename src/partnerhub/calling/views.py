"""The Calling engagement analytics page: charts and three sortable, exportable tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from partnerhub.accounts.policy import Action, can
from partnerhub.calling import charts
from partnerhub.calling.refresh_queue import RefreshTooSoon, calling_refresh_request
from partnerhub.calling.selectors import calling_analytics, week_choices
from partnerhub.core import clock
from partnerhub.core.exports import export_response
from partnerhub.core.paging import page_at
from partnerhub.core.tables import Column
from partnerhub.core.views import is_htmx, partner_view, sort_key_from, sort_rows

PER_PAGE = 50
# Who may ask for a refresh now: the refresh feeds the analytics from newly fed data, so it goes
# with the ingest right (partner full administrators only, docs/reference/rules.md#role-table).
REFRESH_ACTION = Action.INGEST


@dataclass(frozen=True)
class Table:
    """One of the page's tables: its rows in the analytics answer, and its columns."""

    name: str
    title: Any
    key: str
    columns: list[Column]


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "usage",
            gettext_lazy("Customers and usage"),
            "customers_usage",
            [
                Column("customer", gettext_lazy("Customer")),
                Column("calling_licenses", gettext_lazy("Calling licenses"), numeric=True),
                Column("active_users", gettext_lazy("Active users"), numeric=True),
                Column("calls", gettext_lazy("Calls"), numeric=True),
                Column("minutes", gettext_lazy("Minutes"), numeric=True),
                Column(
                    "calls_per_active_user", gettext_lazy("Calls per active user"), numeric=True
                ),
                Column("calls_change_pct", gettext_lazy("Calls change %"), numeric=True),
            ],
        ),
        Table(
            "quality",
            gettext_lazy("Customers and call quality"),
            "customers_quality",
            [
                Column("customer", gettext_lazy("Customer")),
                Column("calls", gettext_lazy("Calls"), numeric=True),
                Column("poor_calls", gettext_lazy("Poor calls"), numeric=True),
                Column("poor_pct", gettext_lazy("Poor %"), numeric=True),
                Column("worst_endpoint", gettext_lazy("Worst endpoint type")),
            ],
        ),
        Table(
            "queue",
            gettext_lazy("Customers and feature use"),
            "queue_customers",
            [
                Column("customer", gettext_lazy("Customer")),
                Column("queues", gettext_lazy("Call queues"), numeric=True),
                Column("queue_calls", gettext_lazy("Queue calls"), numeric=True),
                Column("answered", gettext_lazy("Answered"), numeric=True),
                Column("abandoned", gettext_lazy("Abandoned"), numeric=True),
                Column("abandoned_pct", gettext_lazy("Abandoned %"), numeric=True),
                Column("wait_to_answer_s", gettext_lazy("Wait to answer (s)"), numeric=True),
                Column(
                    "wait_before_abandon_s", gettext_lazy("Wait before abandon (s)"), numeric=True
                ),
            ],
        ),
    ]
}
CUSTOMER_ID_COLUMN = Column("customer_id", gettext_lazy("Customer ID"))


def _as_of(request: HttpRequest) -> dt.date:
    """The page's as-of date (`?as_of=`), falling back to today with a message naming the field."""
    try:
        return clock.as_of(request)
    except clock.AsOfError as exc:
        messages.error(request, str(exc))
        return clock.today()


def _week(request: HttpRequest, weeks: list[dt.date]) -> tuple[dt.date | None, str]:
    """The picked week (`?week=`, one of the 8), or None for W0; an error text for a bad value."""
    raw = request.GET.get("week")
    if not raw:
        return None, ""
    try:
        week = clock.parse_date(raw, field="week")
    except clock.AsOfError as exc:
        return None, str(exc)
    if week not in weeks:
        return None, _("week: choose one of the last 8 completed weeks (a Sunday).")
    return week, ""


@partner_view(Action.VIEW_CUSTOMERS)
def analytics(request: HttpRequest) -> HttpResponse:
    """The page (or one table's fragment to HTMX, or one table's CSV/XLSX export)."""
    as_of = _as_of(request)
    weeks = week_choices(as_of)
    week, week_error = _week(request, weeks)
    data = calling_analytics(user=request.user, as_of=as_of, week=week)
    base = {k: v for k, v in (("as_of", request.GET.get("as_of")), ("week", week)) if v}
    context: dict[str, Any] = {
        "as_of": as_of,
        "weeks": list(reversed(weeks)),
        "week_error": week_error,
        "as_of_param": request.GET.get("as_of", ""),
        "can_refresh": can(request.user, REFRESH_ACTION),
    }
    if data is None:
        context["last_completed_week"] = weeks[-1]
        return render(request, "calling/analytics.html", context)

    current = request.GET.get("table", "")
    export = request.GET.get("export", "")
    if current in TABLES and export in ("csv", "xlsx"):
        table = TABLES[current]
        sort = sort_key_from(request, table.columns, "customer")
        response = export_response(
            export,
            f"calling-{table.name}-{data['week']['start']}",
            [CUSTOMER_ID_COLUMN, *table.columns],
            sort_rows(data[table.key], sort),
        )
        return response  # type: ignore[return-value]  # a streamed CSV is an HTTP response too
    tables = {
        name: _table(request, table, data[table.key], base, active=name == current)
        for name, table in TABLES.items()
    }
    if is_htmx(request) and current in tables:
        return render(request, "calling/_table.html", {"table": tables[current]})
    context.update(
        data=data,
        week=data["week"],
        tables=tables,
        charts=charts.page_charts(data),
        endpoint_rows=[
            {**e, "label": str(charts.ENDPOINT_LABELS.get(e["endpoint"], e["endpoint"]))}
            for e in data["quality_by_endpoint"]
        ],
    )
    return render(request, "calling/analytics.html", context)


def _table(
    request: HttpRequest,
    table: Table,
    rows: list[dict[str, Any]],
    base: dict[str, Any],
    active: bool,
) -> dict[str, Any]:
    """A table's sorted page of rows, its sortable headers and its export links."""
    sort = sort_key_from(request, table.columns, "customer") if active else "customer"
    page = page_at(sort_rows(rows, sort), request.GET.get("page") if active else 1, PER_PAGE)

    def url(**extra: Any) -> str:
        return "?" + urlencode({**base, "table": table.name, **extra})

    headers = []
    for column in table.columns:
        direction = "asc" if sort == column.key else "desc" if sort == f"-{column.key}" else ""
        headers.append(
            {
                "column": column,
                "direction": direction,
                "url": url(sort=f"-{column.key}" if direction == "asc" else column.key),
            }
        )
    return {
        "name": table.name,
        "title": table.title,
        "headers": headers,
        "page": page,
        "rows": [_cells(table, row) for row in page.object_list],
        "count": len(rows),
        "page_urls": {
            "previous": url(sort=sort, page=page.previous_page_number())
            if page.has_previous()
            else "",
            "next": url(sort=sort, page=page.next_page_number()) if page.has_next() else "",
        },
        "export_csv": url(sort=sort, export="csv"),
        "export_xlsx": url(sort=sort, export="xlsx"),
    }


def _cells(table: Table, row: dict[str, Any]) -> list[dict[str, Any]]:
    """A row as displayed: customers link to their details, endpoint types by label."""
    cells = []
    for column in table.columns:
        value = row.get(column.key)
        if column.key == "worst_endpoint" and value:
            value = str(charts.ENDPOINT_LABELS.get(value, value))
        cells.append(
            {
                "key": column.key,
                "value": "—" if value is None else value,
                "numeric": column.numeric,
                "customer_id": row["customer_id"] if column.key == "customer" else "",
            }
        )
    return cells


@require_POST
@partner_view(REFRESH_ACTION)
def refresh(request: HttpRequest) -> HttpResponse:
    """ "Refresh now": hand the refresh of the page's as-of date to the tasks backend, unless
    one is queued or running (said so) or people started one too recently (the page, 429)."""
    as_of = _as_of(request)
    try:
        outcome = calling_refresh_request(actor=request.user, as_of=as_of)
    except RefreshTooSoon as exc:
        messages.warning(request, exc.message)
        response = analytics(request)
        response.status_code = 429
        response["Retry-After"] = str(exc.retry_after)
        return response
    if outcome.started:
        messages.success(request, outcome.message)
    else:
        messages.info(request, outcome.message)
    target = reverse("calling:analytics")
    if request.GET.get("as_of"):
        target += "?" + urlencode({"as_of": request.GET["as_of"]})
    return redirect(target)
