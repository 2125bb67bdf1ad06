"""Pages: one's own sessions (any signed-in person), the partner's sign-in audit and signing a
person out everywhere (partner full administrators)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from partnerhub.accounts.people_selectors import person_of_partner
from partnerhub.accounts.policy import Action
from partnerhub.core import clock
from partnerhub.core.exports import export_csv
from partnerhub.core.paging import paginate
from partnerhub.core.tables import Column
from partnerhub.core.views import partner_view, render_page_or_fragment
from partnerhub.signins.models import Method, Outcome, SignIn
from partnerhub.signins.selectors import own_sessions, sign_in_list
from partnerhub.signins.services import (
    SESSION_DATA,
    own_session_end,
    own_sessions_end_others,
    person_sign_out_everywhere,
)

SESSION_COLUMNS = [
    Column("device", gettext_lazy("Device"), sortable=False),
    Column("ip", gettext_lazy("IP address"), sortable=False),
    Column("created", gettext_lazy("Signed in"), sortable=False),
    Column("last_seen", gettext_lazy("Last seen"), sortable=False),
    Column("actions", "", sortable=False),
]
SIGN_IN_COLUMNS = [
    Column("at", gettext_lazy("Time"), sortable=False),
    Column("person", gettext_lazy("Person"), sortable=False),
    Column("method", gettext_lazy("Method"), sortable=False),
    Column("outcome", gettext_lazy("Outcome"), sortable=False),
    Column("ip", gettext_lazy("IP address"), sortable=False),
    Column("device", gettext_lazy("Device"), sortable=False),
    Column("user_agent", gettext_lazy("User agent"), sortable=False),
]


def _current_id(request: HttpRequest) -> int | None:
    data = request.session.get(SESSION_DATA)
    return int(data["id"]) if isinstance(data, dict) and data.get("id") else None


@partner_view(Action.VIEW_OWN_ORG)
def sessions(request: HttpRequest) -> HttpResponse:
    """The person's signed-in browsers: device, IP, signed in, last seen; end any or all others."""
    current = _current_id(request)
    rows = list(own_sessions(request.user))
    context = {
        "rows": rows,
        "current": current,
        "others": [row for row in rows if row.pk != current],
        "columns": SESSION_COLUMNS,
    }
    return render(request, "signins/sessions.html", context)


@require_POST
@partner_view(Action.VIEW_OWN_ORG)
def session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    own_session_end(user=request.user, session_id=session_id, current_id=_current_id(request))
    messages.success(request, _("The session was ended: that browser must sign in again."))
    return redirect("signins:sessions")


@require_POST
@partner_view(Action.VIEW_OWN_ORG)
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    count = own_sessions_end_others(user=request.user, current_id=_current_id(request))
    messages.success(
        request,
        _("Every other session was ended (%(count)s).") % {"count": count}
        if count
        else _("There was no other session to end."),
    )
    return redirect("signins:sessions")


def _date(raw: str) -> dt.date | None:
    try:
        return clock.parse_date(raw, field="date") if raw else None
    except clock.AsOfError:
        return None


def _filters(request: HttpRequest) -> dict[str, Any]:
    method = request.GET.get("method", "")
    outcome = request.GET.get("outcome", "")
    return {
        "person": request.GET.get("person", "").strip()[:200],
        "method": method if method in Method.values else "",
        "outcome": outcome if outcome in Outcome.values else "",
        "since": _date(request.GET.get("since", "")),
        "until": _date(request.GET.get("until", "")),
    }


@partner_view(Action.VIEW_SIGN_INS)
def sign_ins(request: HttpRequest) -> HttpResponse:
    """The partner's sign-in audit: filters by person, method, outcome and dates; paged; CSV."""
    filters = _filters(request)
    page = paginate(request, sign_in_list(request.user, **filters), per_page=50)
    context = {
        "page": page,
        "columns": SIGN_IN_COLUMNS,
        "methods": Method.choices,
        "outcomes": Outcome.choices,
        "retention_days": settings.SIGN_IN_RETENTION_DAYS,
        **filters,
        "since": filters["since"].isoformat() if filters["since"] else "",
        "until": filters["until"].isoformat() if filters["until"] else "",
    }
    return render_page_or_fragment(
        request, "signins/sign_ins.html", "signins/_sign_in_table.html", context
    )


def _export_rows(rows: Iterable[SignIn]) -> Iterable[dict[str, Any]]:
    for row in rows:
        yield {
            "at": row.at.strftime("%Y-%m-%d %H:%M:%S"),
            "person": row.email,
            "method": row.get_method_display(),
            "outcome": row.get_outcome_display(),
            "ip": row.ip,
            "device": row.device,
            "user_agent": row.user_agent,
        }


@partner_view(Action.VIEW_SIGN_INS)
def sign_ins_export(request: HttpRequest) -> HttpResponse:
    """The filtered sign-ins as CSV (the same filters as the page, every page)."""
    rows = sign_in_list(request.user, **_filters(request)).iterator(chunk_size=2000)
    # A streamed answer: partner_view wraps views answering HttpResponse.
    return cast(HttpResponse, export_csv("sign-ins", SIGN_IN_COLUMNS, _export_rows(rows)))


@require_POST
@partner_view(Action.MANAGE_ROLES)
def sign_out_everywhere(request: HttpRequest, pk: int) -> HttpResponse:
    """A partner full administrator signs one of their people out of every browser."""
    person = person_of_partner(user=request.user, pk=pk)
    person_sign_out_everywhere(actor=request.user, person=person)
    messages.success(
        request,
        _("%(person)s was signed out everywhere.") % {"person": person.display_name},
    )
    return redirect("accounts:user_detail", pk=person.pk)
