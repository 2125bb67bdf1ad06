"""Reads of the Partner Helpdesk, already scoped: partner people see only their partner's cases."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from partnerhub.accounts.models import User
from partnerhub.accounts.policy import Action, can, customer_scope, helpdesk_team_q
from partnerhub.helpdesk.models import Attachment, Case, CaseStatus, Comment, StatusChange

CASE_SORTS = {
    "number": "id",
    "subject": "subject",
    "severity": "severity",
    "status": "status",
    "updated": "updated_at",
    "opened": "created_at",
    "partner": "partner__name",
}


def case_scope(user: Any) -> QuerySet[Case]:
    """The cases a person may see: the helpdesk team all; a partner admin their partner's."""
    if can(user, Action.WORK_ALL_CASES):
        return Case.objects.all()
    if not can(user, Action.HELPDESK):
        return Case.objects.none()
    # A case about a customer outside the person's scope stays out of sight, like the customer.
    return Case.objects.filter(partner_id=user.partner_id).filter(
        Q(customer__isnull=True) | Q(customer__in=customer_scope(user))
    )


def case_get(user: Any, ref: str | int) -> Case:
    """A case by its number (or numeric id) within the person's scope, else 404."""
    qs = case_scope(user).select_related("partner", "customer", "opened_by", "assignee")
    text = str(ref)
    case = qs.filter(pk=int(text)).first() if text.isdigit() else qs.filter(number=text).first()
    if case is None:
        raise Http404(_("No such case."))
    return case


def case_list(
    user: Any,
    *,
    statuses: list[str] | None = None,
    assigned: str = "",
    severity: int | None = None,
    q: str = "",
    sort: str = "-updated",
) -> QuerySet[Case]:
    """Scoped cases with the filters; `assigned` is 'me', 'none' or '' (anyone)."""
    qs = case_scope(user).select_related("partner", "customer", "opened_by", "assignee")
    if statuses:
        qs = qs.filter(status__in=statuses)
    if assigned == "me":
        qs = qs.filter(assignee_id=user.pk)
    elif assigned == "none":
        qs = qs.filter(assignee__isnull=True)
    if severity:
        qs = qs.filter(severity=severity)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(subject__icontains=q))
    key = sort.lstrip("-")
    field = CASE_SORTS.get(key, "updated_at")
    if sort.startswith("-"):
        return qs.order_by(f"-{field}", "-id")
    return qs.order_by(field, "id")


def case_status_counts(user: Any) -> dict[str, int]:
    """How many of the person's cases are in each status (one query), plus `all`."""
    aggregates = {status.value: Count("pk", filter=Q(status=status.value)) for status in CaseStatus}
    counts = case_scope(user).aggregate(all=Count("pk"), **aggregates)
    return {k: v or 0 for k, v in counts.items()}


def case_thread(case: Case) -> dict[str, Any]:
    """A case's comments (with authors and files), status history and its own attachments."""
    attachments = Attachment.objects.order_by("created_at", "id")
    comments = (
        Comment.objects.filter(case=case)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=attachments))
    )
    return {
        "comments": list(comments),
        "history": list(StatusChange.objects.filter(case=case).select_related("by")),
        "case_attachments": list(attachments.filter(case=case, comment__isnull=True)),
    }


def helpdesk_team() -> QuerySet[User]:
    """The active members of the Partner Helpdesk team."""
    return User.objects.filter(helpdesk_team_q()).order_by("name", "email")


def attachment_get(user: Any, attachment_id: int) -> Attachment:
    """An attachment of a case the person may see, else 404."""
    attachment = (
        Attachment.objects.filter(pk=attachment_id, case__in=case_scope(user))
        .select_related("case")
        .first()
    )
    if attachment is None:
        raise Http404(_("No such attachment."))
    return attachment
