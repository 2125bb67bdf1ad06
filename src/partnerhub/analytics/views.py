"""The Subscriptions analytics page: the KPI row, the product toggle, the trend, five tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_safe

from partnerhub.accounts.policy import Action
from partnerhub.analytics.forms import AnalyticsForm
from partnerhub.analytics.selectors import (
    DEFAULT_SORT,
    KPI_KEYS,
    ROW_KEYS,
    SECTION_KEYS,
    TableRequest,
    subscriptions_analytics,
)
from partnerhub.analytics.services import SnapshotBudgetExceeded, snapshot_for_page
from partnerhub.core.exports import export_response
from partnerhub.core.paging import page_at
from partnerhub.core.tables import Column
from partnerhub.core.views import is_htmx, partner_view, sort_key_from

PER_PAGE = 25

LABELS: dict[str, Any] = {
    "customer_id": gettext_lazy("Customer ID"),
    "customer": gettext_lazy("Customer"),
    "item_id": gettext_lazy("Subscription ID"),
    "is_trial": gettext_lazy("Trial"),
    "days_since_added": gettext_lazy("Days since added"),
    "days_to_expiry": gettext_lazy("Days to expiry"),
    "days_to_renewal": gettext_lazy("Days to renewal"),
    "months_since_added": gettext_lazy("Months since added"),
    "months_remaining": gettext_lazy("Months remaining"),
    "auto_renew": gettext_lazy("Auto-renew?"),
    "total": gettext_lazy("Total licenses"),
    "used": gettext_lazy("Used licenses"),
    "assigned": gettext_lazy("Assigned licenses"),
    "available": gettext_lazy("Available licenses"),
    "assigned_pct": gettext_lazy("Assigned %"),
    "used_pct": gettext_lazy("Used %"),
    "usage": gettext_lazy("Used / assigned / available"),
    "weekly_assignment_change": gettext_lazy("Weekly assignment change"),
    "weekly_usage_change": gettext_lazy("Weekly usage change"),
    "usage_3_months": gettext_lazy("Usage in the last 3 months"),
}
KPI_LABELS: dict[str, Any] = {
    "total_customers": gettext_lazy("Total customers"),
    "expiring_soon": pgettext_lazy("KPI", "Expiring soon"),
    "renewing_soon": gettext_lazy("Renewal approaching"),
    "low_assignment": pgettext_lazy("KPI", "Low license assignment"),
    "over_limit": gettext_lazy("Over license limit"),
}
KPI_HINTS: dict[str, Any] = {
    "total_customers": gettext_lazy("Customers with Meetings or Calling"),
    "expiring_soon": gettext_lazy("A subscription or trial ends in the next 90 days"),
    "renewing_soon": gettext_lazy("An auto-renewing subscription renews in the next 90 days"),
    "low_assignment": gettext_lazy("Fewer licenses assigned than similar customers"),
    "over_limit": gettext_lazy("More licenses assigned than bought"),
}


@dataclass(frozen=True)
class Section:
    """One section below the toggle: its KPI cards and its table's columns."""

    key: str
    title: Any
    table_title: Any
    kpis: tuple[tuple[str, Any, str], ...]  # (key, label, "int" | "pct" | "dec")
    columns: tuple[Column, ...]

    @property
    def sort_columns(self) -> list[Column]:
        return [c for c in self.columns if c.sortable]

    @property
    def export_columns(self) -> list[Column]:
        return [Column(key, LABELS[key]) for key in ROW_KEYS[self.key]]


def _col(key: str, *, sortable: bool = True) -> Column:
    return Column(key, LABELS[key], sortable=sortable, numeric=key not in {"customer", "item_id"})


_HEAD = (_col("customer"), _col("item_id"))
_BAR = _col("usage", sortable=False)
SECTIONS: dict[str, Section] = {
    s.key: s
    for s in (
        Section(
            "recently_added",
            gettext_lazy("Recently added customers in the last 90 days"),
            gettext_lazy("Recently added subscriptions"),
            (
                ("new_customers", gettext_lazy("New customers"), "int"),
                ("total_licenses", gettext_lazy("Total licenses"), "int"),
            ),
            (*_HEAD, _col("days_since_added"), _col("total"), _BAR,
             _col("weekly_assignment_change"), _col("weekly_usage_change")),
        ),
        Section(
            "expiring",
            gettext_lazy("About to expire in the next 90 days"),
            gettext_lazy("Subscriptions expiring soon"),
            (
                ("expiring_customers", gettext_lazy("Expiring customers"), "int"),
                ("assignment_pct", gettext_lazy("License assignment"), "pct"),
                ("usage_pct", gettext_lazy("License usage"), "pct"),
            ),
            (*_HEAD, _col("days_to_expiry"), _col("total"), _BAR, _col("usage_3_months")),
        ),
        Section(
            "renewing",
            gettext_lazy("About to renew in the next 90 days"),
            gettext_lazy("Subscriptions renewing soon"),
            (
                ("renewing_customers", gettext_lazy("Renewing customers"), "int"),
                ("assignment_pct", gettext_lazy("License assignment"), "pct"),
                ("usage_pct", gettext_lazy("License usage"), "pct"),
            ),
            (*_HEAD, _col("days_to_renewal"), _col("total"), _BAR, _col("usage_3_months")),
        ),
        Section(
            "low_assignment",
            gettext_lazy("Low license assignment"),
            gettext_lazy("Subscriptions with low license assignment"),
            (
                ("low_customers", gettext_lazy("Customers with low assignment"), "int"),
                ("assignment_pct", gettext_lazy("License assignment"), "pct"),
                ("usage_after_assignment_pct", gettext_lazy("License usage after assignment"),
                 "pct"),
                ("unassigned", gettext_lazy("Total unassigned licenses"), "int"),
            ),
            (*_HEAD, _col("months_since_added"), _col("assigned"), _col("total"), _BAR,
             _col("weekly_assignment_change")),
        ),
        Section(
            "over_limit",
            gettext_lazy("Customers over the license limit"),
            gettext_lazy("Subscriptions with license overages"),
            (
                ("over_customers", gettext_lazy("Customers with overage"), "int"),
                ("overage", gettext_lazy("Total overage licenses"), "int"),
                ("average_overage", gettext_lazy("Average license overage"), "dec"),
            ),
            (*_HEAD, _col("months_remaining"), _col("auto_renew"), _col("total"),
             _col("assigned"), _col("used")),
        ),
    )
}  # fmt: skip
# Cells that show a percentage of the total next to the count, per section.
WITH_PCT: dict[str, set[str]] = {"low_assignment": {"assigned"}, "over_limit": {"assigned", "used"}}


def _url(name: str, params: dict[str, Any], **kwargs: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{reverse(name, kwargs=kwargs or None)}?{query}"


def _bar(row: dict[str, Any]) -> dict[str, Any]:
    """Widths (% of the larger of total and assigned) and the hover text of a usage bar."""
    total, assigned, used = row["total"], row["assigned"], min(row["used"], row["assigned"])
    scale = max(total, assigned, 1)
    width = lambda n: round(100 * n / scale, 1)  # noqa: E731
    available = max(0, total - assigned)
    text = _(
        "Used %(used)s · Assigned %(assigned)s · Available %(available)s · Total %(total)s"
    ) % {
        "used": intcomma(used),
        "assigned": intcomma(assigned),
        "available": intcomma(available),
        "total": intcomma(total),
    }
    if assigned > total:
        text += " · " + _("Over the limit by %(n)s") % {"n": intcomma(assigned - total)}
    return {
        "used": width(used),
        "assigned": width(max(0, min(assigned, total) - used)),
        "over": width(max(0, assigned - max(total, used))),
        "text": text,
    }


def _cells(section: Section, row: dict[str, Any]) -> list[dict[str, Any]]:
    """What each column of a table row shows."""
    cells = []
    for col in section.columns:
        cell: dict[str, Any] = {"key": col.key, "numeric": col.numeric}
        if col.key == "usage":
            cell["bar"] = _bar(row)
        elif col.key in WITH_PCT.get(section.key, set()):
            cell["value"] = row[col.key]
            cell["pct"] = row[f"{col.key}_pct"]
        elif col.key != "customer":
            cell["value"] = row.get(col.key)
        cells.append(cell)
    return cells


@dataclass(frozen=True)
class Choices:
    """The page's state in the query string."""

    product: str
    as_of: dt.date
    section: str
    sort: str
    page: int

    def params(self, **override: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"product": self.product, "as_of": self.as_of.isoformat()}
        params.update(override)
        return params


def _choices(request: HttpRequest, form: AnalyticsForm) -> Choices:
    section = request.GET.get("section", "")
    if section not in SECTIONS:
        section = ""
    sort = DEFAULT_SORT
    if section:
        sort = sort_key_from(request, SECTIONS[section].sort_columns, DEFAULT_SORT)
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    return Choices(form.cleaned_data["product"], form.cleaned_data["as_of"], section, sort, page)


def _table_context(
    section: Section, data: dict[str, Any], choices: Choices, sort: str
) -> dict[str, Any]:
    """A section's table: header links, rows with their cells, the page and its links."""
    key = section.key
    headers = []
    for col in section.columns:
        state = ""
        if col.sortable:
            if sort == col.key:
                state = "ascending"
            elif sort == f"-{col.key}":
                state = "descending"
            next_sort = f"-{col.key}" if state == "ascending" else col.key
            url = _url("analytics:subscriptions", choices.params(section=key, sort=next_sort))
        else:
            url = ""
        headers.append({"col": col, "state": state, "url": url})
    page: Page = page_at(range(data["count"]), data["page"], PER_PAGE)
    params = choices.params(section=key, sort=sort if sort != DEFAULT_SORT else "")
    return {
        "section": section,
        "headers": headers,
        "rows": [{**row, "cells": _cells(section, row)} for row in data["rows"]],
        "page": page,
        "prev_url": _url("analytics:subscriptions", {**params, "page": page.number - 1})
        if page.has_previous()
        else "",
        "next_url": _url("analytics:subscriptions", {**params, "page": page.number + 1})
        if page.has_next()
        else "",
        "export_csv": _url("analytics:export", params, section=key, fmt="csv"),
        "export_xlsx": _url("analytics:export", params, section=key, fmt="xlsx"),
    }


def _trend_chart(trend: list[dict[str, Any]]) -> dict[str, Any]:
    """ApexCharts options of the license assignment trend."""
    return {
        "chart": {"type": "area", "height": 300, "toolbar": {"show": False},
                  "animations": {"enabled": False}},
        "dataLabels": {"enabled": False},
        "stroke": {"curve": "straight", "width": 2},
        "fill": {"opacity": 0.15},
        "legend": {"position": "bottom"},
        "grid": {"strokeDashArray": 4},
        "series": [
            {"name": str(_("Total licenses")), "data": [p["total"] for p in trend]},
            {"name": str(_("Assigned")), "data": [p["assigned"] for p in trend]},
            {"name": str(_("Used")), "data": [p["used"] for p in trend]},
        ],
        "xaxis": {"categories": [p["date"].isoformat() for p in trend]},
    }  # fmt: skip


def _kpi_cards(kpis: dict[str, Any], as_of: dt.date) -> list[dict[str, Any]]:
    """The first KPI row; each card opens the customer list filtered to its customers."""
    customers_url = reverse("customers:list")
    return [
        {
            "key": key,
            "label": KPI_LABELS[key],
            "hint": KPI_HINTS[key],
            "value": kpis[key],
            "url": f"{customers_url}?{urlencode({'q': f'kpi:{key}', 'as_of': as_of.isoformat()})}",
        }
        for key in KPI_KEYS
    ]


def _prepare_snapshot(
    request: HttpRequest, form: AnalyticsForm, as_of: dt.date
) -> HttpResponse | None:
    """Build the stored snapshot the page reads if it is missing; the page with the reason and
    429 when the partner asked for too many new as-of dates this hour."""
    try:
        snapshot_for_page(user=request.user, as_of=as_of)
    except SnapshotBudgetExceeded as exc:
        form.add_error("as_of", exc.message)
        response = render(request, "analytics/subscriptions.html", {"form": form}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    return None


# A read: only the stored snapshot it needs (and the partner's count of new as-of dates) is
# written, never on a POST.
@require_safe
@partner_view(Action.VIEW_CUSTOMERS)
def subscriptions(request: HttpRequest) -> HttpResponse:
    """The page, or (to HTMX) the product's sections after a toggle, or one section's table."""
    form = AnalyticsForm.from_query(request.GET)
    if not form.is_valid():
        return render(request, "analytics/subscriptions.html", {"form": form}, status=400)
    choices = _choices(request, form)
    refused = _prepare_snapshot(request, form, choices.as_of)
    if refused is not None:
        return refused
    target = request.headers.get("HX-Target", "") if is_htmx(request) else ""
    only_section = target.removeprefix("section-") if target.startswith("section-") else ""
    if only_section not in SECTIONS:
        only_section = ""
    tables = {
        key: TableRequest(
            sort=choices.sort if key == choices.section else DEFAULT_SORT,
            page=choices.page if key == choices.section else 1,
            per_page=PER_PAGE,
        )
        for key in SECTION_KEYS
        if not only_section or key == only_section
    }
    data = subscriptions_analytics(
        user=request.user,
        product=choices.product,
        as_of=choices.as_of,
        tables=tables,
        with_trend=not only_section,
    )
    sections = [
        {
            **_table_context(SECTIONS[key], data[key], choices, tables[key].sort),
            "kpis": [
                {"key": k, "label": label, "format": fmt, "value": data[key]["kpis"][k]}
                for k, label, fmt in SECTIONS[key].kpis
            ],
        }
        for key in tables
    ]
    if only_section:
        return render(request, "analytics/_section_table.html", sections[0])
    context = {
        "form": form,
        "product": choices.product,
        "as_of": choices.as_of,
        "kpi_cards": _kpi_cards(data["kpis"], choices.as_of),
        "toggle": [
            {
                "product": value,
                "label": label,
                "active": value == choices.product,
                "url": _url("analytics:subscriptions", choices.params(product=value)),
            }
            for value, label in form.fields["product"].choices  # type: ignore[attr-defined]
        ],
        "trend": data["trend"],
        "trend_chart": _trend_chart(data["trend"]),
        "sections": sections,
    }
    if target == "product-sections":
        # The as-of form above keeps the toggled product through an out-of-band swap.
        return render(request, "analytics/_product.html", {**context, "swap_oob": True})
    return render(request, "analytics/subscriptions.html", context)


@require_safe
@partner_view(Action.VIEW_CUSTOMERS)
def export(request: HttpRequest, section: str, fmt: str) -> HttpResponse:
    """Every row of one section's table, sorted as on the page, as CSV or XLSX."""
    if section not in SECTIONS or fmt not in {"csv", "xlsx"}:
        raise Http404
    form = AnalyticsForm.from_query(request.GET)
    if not form.is_valid():
        return render(request, "analytics/subscriptions.html", {"form": form}, status=400)
    choices = _choices(request, form)
    refused = _prepare_snapshot(request, form, choices.as_of)
    if refused is not None:
        return refused
    sort = sort_key_from(request, SECTIONS[section].sort_columns, DEFAULT_SORT)
    data = subscriptions_analytics(
        user=request.user,
        product=choices.product,
        as_of=choices.as_of,
        tables={section: TableRequest(sort=sort)},
        with_trend=False,
    )
    filename = f"{section.replace('_', '-')}-{choices.product}-{choices.as_of.isoformat()}"
    response = export_response(
        fmt, filename, SECTIONS[section].export_columns, data[section]["rows"]
    )
    return response  # type: ignore[return-value]  # a streamed CSV is an HTTP response too
