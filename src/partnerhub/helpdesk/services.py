"""Writes of the Partner Helpdesk: open, comment, set status, assign — atomic, audited, mailed.

Files are checked one by one (helpdesk.attachments) and, together, against the partner's quota
of stored attachments (HELPDESK_PARTNER_QUOTA_BYTES) before any is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from partnerhub.accounts.models import Partner, User
from partnerhub.accounts.policy import Action, can, get_customer
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.events import emit_event
from partnerhub.core.language import by_language, speaking_to
from partnerhub.helpdesk.attachments import CheckedFile, attachments_check, megabytes
from partnerhub.helpdesk.models import (
    Area,
    Attachment,
    Case,
    CaseStatus,
    Comment,
    Severity,
    StatusChange,
)
from partnerhub.helpdesk.selectors import helpdesk_team

StrOrPromise = str | Promise
SUBJECT_MAX = 200
TEXT_MAX = 20_000


def _case_state(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "area": case.area,
        "severity": case.severity,
        "subject": case.subject,
        "status": case.status,
        "customer": case.customer.ext_id if case.customer else None,
        "assignee": case.assignee.email if case.assignee else None,
    }


def _text(errors: dict[str, list[str]], field: str, value: Any, *, limit: int) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else ""
    if not text:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(text) > limit:
        errors.setdefault(field, []).append(
            ngettext(
                "At most %(limit)d character (it has %(n)d).",
                "At most %(limit)d characters (it has %(n)d).",
                limit,
            )
            % {"limit": limit, "n": len(text)}
        )
    return text


def _store(
    case: Case, files: list[CheckedFile], *, user: User, comment: Comment | None
) -> list[str]:
    """Save the checked files under MEDIA_ROOT; answers the stored names (to undo on failure)."""
    stored: list[str] = []
    for checked in files:
        attachment = Attachment(
            case=case,
            comment=comment,
            name=checked.name,
            size=checked.size,
            content_type=checked.content_type,
            uploaded_by=user,
        )
        checked.upload.seek(0)
        attachment.file.save(f"{uuid.uuid4().hex}.{checked.extension}", checked.upload, save=False)
        stored.append(str(attachment.file.name))
        attachment.save()
    return stored


def _remove_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _check_files(errors: dict[str, list[str]], files: list[Any] | None) -> list[CheckedFile]:
    """Check the uploads; their problems go under "attachments". Answers the checked files."""
    checked, file_errors = attachments_check(list(files or []))
    if file_errors:
        errors["attachments"] = file_errors
    return checked


def _check_quota(partner_id: int, files: list[CheckedFile], user: User) -> None:
    """Refuse files that would take the partner's stored attachments (all its cases) past
    HELPDESK_PARTNER_QUOTA_BYTES; the helpdesk team's own files are not refused. Call inside the
    transaction that stores them: the partner's row is locked, so concurrent uploads count one
    after the other."""
    adding = sum(f.size for f in files)
    if not adding or can(user, Action.WORK_ALL_CASES):
        return
    Partner.objects.select_for_update().filter(pk=partner_id).first()
    used = (
        Attachment.objects.filter(case__partner_id=partner_id).aggregate(total=Sum("size"))["total"]
        or 0
    )
    quota = settings.HELPDESK_PARTNER_QUOTA_BYTES
    if used + adding > quota:
        raise ValidationError(
            {
                "attachments": [
                    _(
                        "Your organization's helpdesk files already take %(used)s of the "
                        "%(quota)s it may store; these files (%(size)s) would pass that. Nothing "
                        "was saved: attach fewer or smaller files, or ask the Partner Helpdesk "
                        "team about older ones."
                    )
                    % {
                        "used": megabytes(used),
                        "quota": megabytes(quota),
                        "size": megabytes(adding),
                    }
                ]
            }
        )


@contextmanager
def _files_removed_on_failure() -> Iterator[list[str]]:
    """Yield a list for the names of stored files; if the block raises, delete them and re-raise."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        _remove_files(stored)
        raise


def _audit_case(user: User, case: Case, action: str, *, before: Any = None, after: Any) -> None:
    """Record a change to a case in the audit trail and the event outbox (inside the change's
    transaction): `helpdesk.case_opened` when it opens, else `helpdesk.case_updated`."""
    emit_event(
        "helpdesk.case_opened" if action == "helpdesk.case_open" else "helpdesk.case_updated",
        partner_id=case.partner_id,
        customer=case.customer,
        actor=user,
        data={**_case_state(case), "change": action.removeprefix("helpdesk.case_")},
    )
    audit_record(
        actor=user,
        action=action,
        obj_type="helpdesk_case",
        obj_id=case.number or "",
        customer=case.customer,
        partner=case.partner,
        before=before,
        after=after,
    )


def _notify(
    case: Case,
    *,
    event: StrOrPromise,
    event_args: dict[str, StrOrPromise] | None = None,
    actor: User,
    text: str = "",
) -> None:
    """After commit, e-mail the partner's person who opened the case and the helpdesk team,
    each in their own language (the team: one e-mail per language). `event` is translated for
    each of them, then filled with `event_args`."""

    def message() -> tuple[str, str]:
        """The subject and text in the active language."""
        what = str(event) % {k: str(v) for k, v in event_args.items()} if event_args else str(event)
        path = reverse("helpdesk:case", kwargs={"ref": case.number})
        context = {
            "case": case,
            "event": what,
            "actor": actor.display_name,
            "text": text,
            "url": getattr(settings, "PARTNERHUB_BASE_URL", "").rstrip("/") + path,
        }
        subject = f"[{case.number}] {what}: {case.subject}"[:180]
        return subject, render_to_string("helpdesk/email.txt", context)

    def send() -> None:
        opener = case.opened_by
        if opener is not None and opener.is_active and opener.email:
            with speaking_to(opener):
                send_mail(*message(), None, [opener.email])
        team = helpdesk_team().exclude(email="").values_list("email", "language")
        for language, emails in by_language(team).items():
            with translation.override(language):
                send_mail(*message(), None, emails)

    transaction.on_commit(send)


def case_open(
    *,
    user: User,
    area: str,
    severity: Any,
    subject: str,
    description: str,
    customer_id: str | None = None,
    files: list[Any] | None = None,
) -> Case:
    """Open a case for the person's partner; nothing is written unless everything is valid."""
    partner = user.partner
    if partner is None or not can(user, Action.HELPDESK):
        raise PermissionDenied
    # Out of scope answers 404 before anything else, so ids do not leak through the messages.
    customer = get_customer(user, customer_id) if customer_id else None
    errors: dict[str, list[str]] = {}
    if area not in Area.values:
        errors["area"] = [_("Choose Webex Calling or Contact Center.")]
    try:
        severity_value = int(severity)
    except (TypeError, ValueError):
        severity_value = 0
    if severity_value not in Severity.values:
        errors["severity"] = [_("Choose a severity from 1 to 4.")]
    subject = _text(errors, "subject", subject, limit=SUBJECT_MAX)
    description = _text(errors, "description", description, limit=TEXT_MAX)
    checked = _check_files(errors, files)
    if errors:
        raise ValidationError(errors)
    with _files_removed_on_failure() as stored, transaction.atomic():
        _check_quota(partner.pk, checked, user)
        now = clock.now()
        case = Case.objects.create(
            partner=partner,
            opened_by=user,
            area=area,
            severity=severity_value,
            subject=subject,
            description=description,
            customer=customer,
            created_at=now,
            updated_at=now,
        )
        # Numbers follow the id, so they never collide: PH-<year of the as-of date>-000123.
        case.number = f"PH-{clock.today().year}-{case.pk:06d}"
        case.save(update_fields=["number"])
        StatusChange.objects.create(case=case, to_status=CaseStatus.NEW, by=user, at=now)
        stored.extend(_store(case, checked, user=user, comment=None))
        _audit_case(
            user,
            case,
            "helpdesk.case_open",
            after={**_case_state(case), "attachments": [c.name for c in checked]},
        )
        _notify(case, event=gettext_lazy("New case"), actor=user, text=description)
    return case


def _require_can_work(user: User, case: Case) -> None:
    """The helpdesk team, or an admin of the case's own partner allowed to use the helpdesk."""
    if can(user, Action.WORK_ALL_CASES):
        return
    if case.partner_id != user.partner_id:
        raise Http404(_("No such case."))
    if not can(user, Action.HELPDESK):
        raise PermissionDenied


def case_comment(*, user: User, case: Case, body: str, files: list[Any] | None = None) -> Comment:
    """Add a comment (and files) to a case's thread."""
    _require_can_work(user, case)
    errors: dict[str, list[str]] = {}
    text = _text(errors, "body", body, limit=TEXT_MAX)
    if case.status == CaseStatus.CLOSED and not can(user, Action.WORK_ALL_CASES):
        errors.setdefault("body", []).append(
            _("This case is closed; open a new case and quote %(number)s.")
            % {"number": case.number}
        )
    checked = _check_files(errors, files)
    if errors:
        raise ValidationError(errors)
    with _files_removed_on_failure() as stored, transaction.atomic():
        _check_quota(case.partner_id, checked, user)
        now = clock.now()
        comment = Comment.objects.create(
            case=case,
            author=user,
            by_helpdesk=can(user, Action.WORK_ALL_CASES),
            body=text,
            created_at=now,
        )
        stored.extend(_store(case, checked, user=user, comment=comment))
        Case.objects.filter(pk=case.pk).update(updated_at=now)
        case.updated_at = now
        _audit_case(
            user,
            case,
            "helpdesk.case_comment",
            after={"comment": comment.pk, "attachments": [c.name for c in checked]},
        )
        _notify(case, event=gettext_lazy("New comment"), actor=user, text=text)
    return comment


def case_set_status(*, user: User, case: Case, status: str) -> StatusChange:
    """Move a case to another status (the helpdesk team only); recorded in its history."""
    if not can(user, Action.TRIAGE_CASES):
        raise PermissionDenied
    if status not in CaseStatus.values:
        raise ValidationError({"status": [_("Choose one of the statuses.")]})
    if status == case.status:
        message = _("The case is already %(status)s.") % {"status": case.get_status_display()}
        raise ValidationError({"status": [message]})
    with transaction.atomic():
        before = _case_state(case)
        now = clock.now()
        change = StatusChange.objects.create(
            case=case, from_status=case.status, to_status=status, by=user, at=now
        )
        case.status = status
        case.updated_at = now
        case.save(update_fields=["status", "updated_at"])
        _audit_case(user, case, "helpdesk.case_status", before=before, after=_case_state(case))
        _notify(
            case,
            event=gettext_lazy("Status changed to %(status)s"),
            event_args={"status": CaseStatus(status).label},
            actor=user,
        )
    return change


def case_assign(*, user: User, case: Case, assignee: User | None) -> Case:
    """Give the case to a member of the helpdesk team (or to nobody); the helpdesk team only."""
    if not can(user, Action.TRIAGE_CASES):
        raise PermissionDenied
    if assignee is not None and not can(assignee, Action.WORK_ALL_CASES):
        raise ValidationError({"assignee": [_("Choose a member of the helpdesk team.")]})
    if (assignee.pk if assignee else None) == case.assignee_id:
        return case
    with transaction.atomic():
        before = _case_state(case)
        case.assignee = assignee
        case.updated_at = clock.now()
        case.save(update_fields=["assignee", "updated_at"])
        _audit_case(user, case, "helpdesk.case_assign", before=before, after=_case_state(case))
        event = (
            _("Assigned to %(name)s") % {"name": assignee.display_name}
            if assignee
            else _("Unassigned")
        )
        _notify(case, event=event, actor=user)
    return case
