"""Partner Helpdesk pages: the case form, the partner's case list, a case, and the team's queue."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from partnerhub.accounts.policy import Action, can, customer_scope
from partnerhub.core.forms import apply_errors
from partnerhub.core.paging import paginate
from partnerhub.core.tables import Column
from partnerhub.core.views import partner_view, render_page_or_fragment, sort_key_from
from partnerhub.helpdesk.forms import (
    AssignForm,
    CaseForm,
    CommentForm,
    StatusForm,
)
from partnerhub.helpdesk.models import OPEN_STATUSES, Case, CaseStatus, Severity
from partnerhub.helpdesk.selectors import (
    attachment_get,
    case_get,
    case_list,
    case_status_counts,
    case_thread,
)
from partnerhub.helpdesk.services import case_assign, case_comment, case_open, case_set_status
from partnerhub.helpdesk.uploads import limit_uploads, refused_uploads

F = TypeVar("F", bound=Callable[..., HttpResponseBase])

CASE_COLUMNS = [
    Column("number", gettext_lazy("Case")),
    Column("subject", gettext_lazy("Subject")),
    Column("area", gettext_lazy("Area"), sortable=False),
    Column("severity", gettext_lazy("Severity")),
    Column("status", gettext_lazy("Status")),
    Column("customer", gettext_lazy("Customer"), sortable=False),
    Column("opened_by", gettext_lazy("Opened by"), sortable=False),
    Column("updated", gettext_lazy("Updated")),
]
QUEUE_COLUMNS = [
    Column("number", gettext_lazy("Case")),
    Column("partner", gettext_lazy("Partner")),
    Column("subject", gettext_lazy("Subject")),
    Column("area", gettext_lazy("Area"), sortable=False),
    Column("severity", gettext_lazy("Severity")),
    Column("status", gettext_lazy("Status")),
    Column("assignee", gettext_lazy("Assignee"), sortable=False),
    Column("updated", gettext_lazy("Updated")),
]


def helpdesk_team_view(view: F) -> F:
    """Sign-in required; only the operator's helpdesk team (partner people get 403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can(request.user, Action.WORK_ALL_CASES):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def case_reader_view(view: F) -> F:
    """Sign-in required; the helpdesk team, or a partner admin allowed the helpdesk (scope: 404)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (can(request.user, Action.WORK_ALL_CASES) or can(request.user, Action.HELPDESK)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _status_filter(request: HttpRequest, default: list[str]) -> tuple[list[str], str]:
    """The statuses asked for (`?status=` repeatable, or `open`), and the active tab's key."""
    asked = [s for s in request.GET.getlist("status") if s]
    if not asked:
        return default, "open" if default else "all"
    if asked == ["open"]:
        return list(OPEN_STATUSES), "open"
    if asked == ["all"]:
        return [], "all"
    valid = [s for s in asked if s in CaseStatus.values]
    return valid, valid[0] if len(valid) == 1 else ""


def _tabs(counts: dict[str, int]) -> list[dict[str, Any]]:
    open_count = sum(counts.get(s, 0) for s in OPEN_STATUSES)
    return [
        {"key": "all", "label": _("All"), "count": counts.get("all", 0)},
        {"key": "open", "label": _("Open"), "count": open_count},
        *({"key": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in CaseStatus),
    ]


@partner_view(Action.HELPDESK)
def cases(request: HttpRequest) -> HttpResponse:
    """The partner's cases with status filters, sorting and pages."""
    statuses, tab = _status_filter(request, default=[])
    sort = sort_key_from(request, CASE_COLUMNS, "-updated")
    rows = case_list(request.user, statuses=statuses, q=request.GET.get("q", "").strip(), sort=sort)
    context = {
        "page": paginate(request, rows, per_page=25),
        "columns": CASE_COLUMNS,
        "sort": sort,
        "tab": tab,
        "tabs": _tabs(case_status_counts(request.user)),
        "list_url": request.path,
    }
    return render_page_or_fragment(
        request, "helpdesk/cases.html", "helpdesk/_case_table.html", context
    )


@helpdesk_team_view
def queue(request: HttpRequest) -> HttpResponse:
    """The helpdesk team's queue: every partner's cases, open ones first by default."""
    statuses, tab = _status_filter(request, default=list(OPEN_STATUSES))
    assigned = request.GET.get("assigned", "")
    assigned = assigned if assigned in {"me", "none"} else ""
    try:
        severity = int(request.GET.get("severity", "") or 0)
    except ValueError:
        severity = 0
    sort = sort_key_from(request, QUEUE_COLUMNS, "severity")
    rows = case_list(
        request.user,
        statuses=statuses,
        assigned=assigned,
        severity=severity if severity in Severity.values else None,
        q=request.GET.get("q", "").strip(),
        sort=sort,
    )
    context = {
        "page": paginate(request, rows, per_page=50),
        "columns": QUEUE_COLUMNS,
        "sort": sort,
        "tab": tab,
        "tabs": _tabs(case_status_counts(request.user)),
        "assigned": assigned,
        "severity": severity,
        "severities": Severity.choices,
        "queue": True,
        "list_url": request.path,
    }
    return render_page_or_fragment(
        request, "helpdesk/queue.html", "helpdesk/_case_table.html", context
    )


@limit_uploads
@partner_view(Action.HELPDESK)
def new(request: HttpRequest) -> HttpResponse:
    """The case form the helpdesk icon opens."""
    form = CaseForm(
        request.POST or None,
        request.FILES or None,
        initial={"customer": request.GET.get("customer", "")},
    )
    if request.method == "POST" and (refused := refused_uploads(request)):
        form.add_error("attachments", refused)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = case_open(
                user=request.user,  # type: ignore[arg-type]
                area=data["area"],
                severity=data["severity"],
                subject=data["subject"],
                description=data["description"],
                customer_id=data["customer"].strip() or None,
                files=data["attachments"],
            )
        except Http404:
            form.add_error("customer", _("No customer with this id is in your scope."))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Case %(number)s was opened. The Partner Helpdesk team will answer here.")
                % {"number": case.number},
            )
            return redirect("helpdesk:case", ref=case.number)
    status = 422 if request.method == "POST" else 200
    return render(request, "helpdesk/new.html", {"form": form}, status=status)


@partner_view(Action.HELPDESK)
def customer_options(request: HttpRequest) -> HttpResponse:
    """Suggestions for the case form's customer field (the person's scope only)."""
    text = (request.GET.get("customer") or "").strip()
    rows = customer_scope(request.user).order_by("name")
    if text:
        rows = rows.filter(name__icontains=text) | rows.filter(ext_id__istartswith=text)
    options = rows.values("ext_id", "name")[:20]
    return render(request, "helpdesk/_customer_options.html", {"options": options})


def _case_page(
    request: HttpRequest,
    case: Case,
    *,
    comment_form: CommentForm | None = None,
    status_form: StatusForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    team = can(request.user, Action.WORK_ALL_CASES)
    context: dict[str, Any] = {
        "case": case,
        **case_thread(case),
        "is_team": team,
        "can_comment": team or case.status != CaseStatus.CLOSED,
        "comment_form": comment_form or CommentForm(),
    }
    if team:
        context["status_form"] = status_form or StatusForm(initial={"status": case.status})
        context["assign_form"] = assign_form or AssignForm(initial={"assignee": case.assignee_id})
    return render(request, "helpdesk/case.html", context, status=status)


@case_reader_view
def case_detail(request: HttpRequest, ref: str) -> HttpResponse:
    """A case: its details, comment thread, files and status history."""
    return _case_page(request, case_get(request.user, ref))


@limit_uploads
@require_POST
@case_reader_view
def comment(request: HttpRequest, ref: str) -> HttpResponse:
    """Add a comment (with files) to a case."""
    case = case_get(request.user, ref)
    form = CommentForm(request.POST, request.FILES)
    if refused := refused_uploads(request):
        form.add_error("attachments", refused)
    if form.is_valid():
        try:
            case_comment(
                user=request.user,  # type: ignore[arg-type]
                case=case,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Your comment was added."))
            return redirect("helpdesk:case", ref=case.number)
    return _case_page(request, case, comment_form=form, status=422)


@require_POST
@case_reader_view
def set_status(request: HttpRequest, ref: str) -> HttpResponse:
    """The helpdesk team changes a case's status (another partner's case: 404 before 403)."""
    case = case_get(request.user, ref)
    if not can(request.user, Action.TRIAGE_CASES):
        raise PermissionDenied
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            case_set_status(user=request.user, case=case, status=form.cleaned_data["status"])  # type: ignore[arg-type]
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("The case is now %(status)s.") % {"status": case.get_status_display()}
            )
            return redirect("helpdesk:case", ref=case.number)
    return _case_page(request, case, status_form=form, status=422)


@require_POST
@case_reader_view
def assign(request: HttpRequest, ref: str) -> HttpResponse:
    """The helpdesk team assigns a case to one of its members (another partner's: 404)."""
    case = case_get(request.user, ref)
    if not can(request.user, Action.TRIAGE_CASES):
        raise PermissionDenied
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            case_assign(user=request.user, case=case, assignee=form.cleaned_data["assignee"])  # type: ignore[arg-type]
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The assignee was saved."))
            return redirect("helpdesk:case", ref=case.number)
    return _case_page(request, case, assign_form=form, status=422)


@case_reader_view
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Download an attachment of a case the person may see (never served from the web root)."""
    item = attachment_get(request.user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("The file is missing.")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=item.name, content_type=item.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response
