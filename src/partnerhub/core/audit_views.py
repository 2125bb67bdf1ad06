"""The partner-wide audit page (Activity): filters, paging, sort by time, CSV/XLSX export.

It shows what `GET /api/v1/audit` answers, to the same people (the policy's VIEW_CUSTOMERS and
`audit_scope`), every entry redacted by `audit_entries` and its changes in words
(`audit_changes`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from partnerhub.accounts.models import User
from partnerhub.accounts.policy import Action
from partnerhub.core import clock
from partnerhub.core.audit_changes import changes_text
from partnerhub.core.audit_selectors import (
    ACTION_LABELS,
    AUDIT_SORTS,
    AuditEntry,
    audit_entries,
    audit_search,
)
from partnerhub.core.collation import name_order
from partnerhub.core.exports import export_response
from partnerhub.core.forms import StyledForm
from partnerhub.core.models import AuditEvent
from partnerhub.core.paging import paginate
from partnerhub.core.tables import Column
from partnerhub.core.views import partner_view

# An export is built in one request: past this many entries, narrow the filters first.
AUDIT_EXPORT_MAX_ROWS = 100_000
_EXPORT_CHUNK = 2000
EXPORT_COLUMNS = [
    Column("at", gettext_lazy("When (UTC)")),
    Column("actor", gettext_lazy("Who")),
    Column("customer_id", gettext_lazy("Customer ID")),
    Column("customer", gettext_lazy("Customer")),
    Column("action", gettext_lazy("Action")),
    Column("label", gettext_lazy("What")),
    Column("object_id", gettext_lazy("Object")),
    Column("on_behalf", gettext_lazy("On the customer's behalf")),
    Column("changes", gettext_lazy("Changes")),
]


class AuditFilterForm(StyledForm):
    """The audit page's filters (all optional; an invalid one is reported and not applied)."""

    person = forms.TypedChoiceField(
        label=gettext_lazy("Person"), required=False, coerce=int, empty_value=None
    )
    customer = forms.CharField(
        label=gettext_lazy("Customer"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Id or part of the name")}),
    )
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, people: Iterable[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person: Any = self.fields["person"]
        person.choices = [("", _("Anyone")), *people]
        action: Any = self.fields["action"]
        action.choices = [
            ("", _("Any action")),
            *sorted(((code, str(label)) for code, label in ACTION_LABELS.items()),
                    key=lambda c: c[1].lower()),
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            # Neither end of a backwards range is applied; the error says why.
            self.add_error("until", _("The end date is before the start date."))
            data.pop("since", None)
        return data


def _people(user: Any) -> list[tuple[int, str]]:
    """The viewer's partner's people, as the person filter offers them ("Name (e-mail)")."""
    rows = (
        User.objects.filter(partner_id=user.partner_id)
        .order_by(name_order("name").asc(), "email")
        .values_list("pk", "name", "email")
    )
    return [(pk, f"{name} ({email})" if name else email) for pk, name, email in rows]


def _row(entry: AuditEntry, customer_name: str) -> dict[str, Any]:
    return {
        "at": entry.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "actor": entry.actor or _("system"),
        "customer_id": entry.customer_id or "",
        "customer": customer_name,
        "action": entry.action,
        "label": entry.label,
        "object_id": entry.object_id,
        "on_behalf": _("yes") if entry.on_behalf else "",
        "changes": changes_text(entry),
    }


def _export_rows(user: Any, events: Iterable[AuditEvent]) -> Iterator[dict[str, Any]]:
    """Export rows, a chunk of events at a time through `audit_entries` (memory stays flat)."""
    it = iter(events)
    while chunk := list(islice(it, _EXPORT_CHUNK)):
        names = {e.customer.ext_id: e.customer.name for e in chunk if e.customer is not None}
        for entry in audit_entries(viewer=user, events=chunk):
            yield _row(entry, names.get(entry.customer_id or "", ""))


@require_safe
@partner_view(Action.VIEW_CUSTOMERS)
def activity(request: HttpRequest) -> HttpResponse:
    """Every change the person may see across the partner: filter, page, sort, export."""
    user: Any = request.user
    form = AuditFilterForm(request.GET or None, people=_people(user))
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # an invalid filter is reported next to its field and left out
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    sort = request.GET.get("sort", "-at")
    if sort not in AUDIT_SORTS:
        sort = "-at"
    events = audit_search(
        user=user,
        person_id=data.get("person"),
        customer=(data.get("customer") or "").strip(),
        action=data.get("action") or "",
        since=data.get("since"),
        until=data.get("until"),
        sort=sort,
    )
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        total = events.count()
        if total > AUDIT_EXPORT_MAX_ROWS:
            messages.error(
                request,
                ngettext(
                    "%(n)s entry matches; an export holds at most %(max)s. Narrow the filters.",
                    "%(n)s entries match; an export holds at most %(max)s. Narrow the filters.",
                    total,
                )
                % {"n": intcomma(total), "max": intcomma(AUDIT_EXPORT_MAX_ROWS)},
            )
            query = request.GET.copy()
            query.pop("export", None)
            return redirect(f"{reverse('accounts:activity')}?{query.urlencode()}")
        stamp = clock.now().strftime("%Y%m%d-%H%M")
        rows = _export_rows(user, events.iterator(chunk_size=_EXPORT_CHUNK))
        return export_response(fmt, f"activity-{stamp}", EXPORT_COLUMNS, rows)  # type: ignore[return-value]

    page = paginate(request, events, per_page=50)
    object_list = list(page.object_list)
    context = {
        "form": form,
        "page": page,
        "events": audit_entries(viewer=user, events=object_list),
        # Every event shown is of a customer in the person's scope: its name is theirs to read.
        "customer_names": {
            e.customer.ext_id: e.customer.name for e in object_list if e.customer is not None
        },
        "show_customer": True,
        "sort_links": {
            "state": "ascending" if sort == "at" else "descending",
            "value": "-at" if sort == "at" else "at",
        },
        "page_sort": sort if sort != "-at" else "",
        "filtered": bool(data and any(data.values())),
    }
    return render(request, "core/activity.html", context)
