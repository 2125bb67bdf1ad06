"""`/helpdesk/cases` (docs/reference/api.md#helpdesk): open, list, read and comment on cases."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from partnerhub.accounts.policy import Action, can
from partnerhub.api.errors import InputError
from partnerhub.core.paging import page_slice
from partnerhub.helpdesk.models import Attachment, Case, CaseStatus, Comment, StatusChange
from partnerhub.helpdesk.schemas import CaseIn, CaseOut, CasePageOut, CommentIn
from partnerhub.helpdesk.selectors import case_get, case_list
from partnerhub.helpdesk.services import case_comment, case_open

router = Router(tags=["helpdesk"])


class CaseFilters(Schema):
    status: list[str] = []
    page: int = 1
    page_size: int = 50


def _require_reader(request: HttpRequest) -> None:
    if not (can(request.user, Action.WORK_ALL_CASES) or can(request.user, Action.HELPDESK)):
        raise PermissionDenied


def _with_thread(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Comments, history and files in a constant number of queries, whatever the page size."""
    return qs.select_related("partner", "customer", "opened_by", "assignee").prefetch_related(
        Prefetch(
            "comments",
            queryset=Comment.objects.select_related("author").prefetch_related("attachments"),
        ),
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("by")),
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(comment__isnull=True),
            to_attr="case_attachments",
        ),
    )


def _one(request: HttpRequest, ref: str) -> Case:
    case = case_get(request.user, ref)
    return _with_thread(Case.objects.filter(pk=case.pk)).get()


@router.post("/helpdesk/cases", response={201: CaseOut})
def open_case(request: HttpRequest, payload: CaseIn) -> tuple[int, Case]:
    """Open a case for the caller's partner (`customer_id` must be in the caller's scope)."""
    case = case_open(
        user=request.user,  # type: ignore[arg-type]
        area=payload.area,
        severity=payload.severity,
        subject=payload.subject,
        description=payload.description,
        customer_id=payload.customer_id or None,
    )
    return 201, _one(request, str(case.pk))


@router.get("/helpdesk/cases", response=CasePageOut)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    """The caller's cases (the helpdesk team: every partner's), newest change first."""
    _require_reader(request)
    bad = [s for s in filters.status if s not in CaseStatus.values]
    if bad:
        raise InputError(
            [
                {
                    "loc": ["query", "status"],
                    "msg": _("one of %(values)s") % {"values": ", ".join(CaseStatus.values)},
                }
            ]
        )
    rows = _with_thread(case_list(request.user, statuses=filters.status))
    return page_slice(rows, filters.page, filters.page_size)


@router.get("/helpdesk/cases/{id}", response=CaseOut)
def get_case(request: HttpRequest, id: str) -> Case:
    """One case by id or number, with its comments and status history."""
    _require_reader(request)
    return _one(request, id)


@router.post("/helpdesk/cases/{id}/comments", response={201: CaseOut})
def add_comment(request: HttpRequest, id: str, payload: CommentIn) -> tuple[int, Case]:
    """Comment on a case; answers the case with its thread."""
    _require_reader(request)
    case = case_get(request.user, id)
    case_comment(user=request.user, case=case, body=payload.body)  # type: ignore[arg-type]
    return 201, _one(request, id)
