"""`/api/v1/alerts` and `/api/v1/alert-rules` (docs/reference/events.md#alert-rules-and-alerts)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from partnerhub.accounts.policy import Action, can
from partnerhub.alerts.bodies import alert_body, rule_body
from partnerhub.alerts.models import AlertState, RuleKind
from partnerhub.alerts.schemas import (
    AlertCommentIn,
    AlertCommentOut,
    AlertOut,
    AlertPageOut,
    AssignIn,
    RuleOut,
    RulePatch,
    SnoozeIn,
)
from partnerhub.alerts.selectors import alert_get, alert_list
from partnerhub.alerts.services import (
    RuleChange,
    alert_acknowledge,
    alert_assign,
    alert_comment,
    alert_resolve,
    alert_snooze,
    alerts_evaluate,
    assignee_for,
    rule_update,
    rules_for,
)
from partnerhub.api.errors import InputError
from partnerhub.core import clock
from partnerhub.core.paging import page_slice

router = Router(tags=["alerts"])

STATES = (*AlertState.values, "snoozed")


class AlertFilters(Schema):
    state: list[str] = []
    kind: list[str] = []
    customer_id: str = ""
    assignee: str = ""
    tag: str = ""
    page: int = 1
    page_size: int = 50


def _require_reader(request: HttpRequest) -> None:
    if not can(request.user, Action.VIEW_ALERTS):
        raise PermissionDenied


def _bad(field: str, values: Any) -> InputError:
    return InputError(
        [
            {
                "loc": ["query", field],
                "msg": _("one of %(values)s") % {"values": ", ".join(values)},
            }
        ]
    )


@router.get("/alerts", response=AlertPageOut)
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]) -> dict[str, Any]:
    """The alerts of the caller's customers, newest first. `state` (repeatable): `open`,
    `acknowledged`, `resolved`, or `snoozed` (unresolved and snoozed past today); `assignee`: an
    e-mail, `me` or `none`."""
    _require_reader(request)
    if any(s not in STATES for s in filters.state):
        raise _bad("state", STATES)
    if any(k not in RuleKind.values for k in filters.kind):
        raise _bad("kind", RuleKind.values)
    rows = alert_list(
        request.user,
        day=clock.today(),
        states=filters.state,
        kinds=filters.kind,
        customer_id=filters.customer_id.strip(),
        assignee=filters.assignee.strip(),
        tag=filters.tag.strip(),
    )
    page = page_slice(rows, filters.page, filters.page_size)
    return {"count": page["count"], "items": [alert_body(a) for a in page["items"]]}


@router.get("/alerts/{id}", response=AlertOut)
def get_alert(request: HttpRequest, id: str) -> dict[str, Any]:
    """One alert by its id (`alr_…`)."""
    _require_reader(request)
    return alert_body(alert_get(request.user, id))


@router.post("/alerts/{id}/acknowledge", response=AlertOut)
def acknowledge_alert(request: HttpRequest, id: str) -> dict[str, Any]:
    """Mark the alert as seen (`acknowledged`)."""
    _require_reader(request)
    alert = alert_acknowledge(user=request.user, alert=alert_get(request.user, id))  # type: ignore[arg-type]
    return alert_body(alert)


@router.post("/alerts/{id}/resolve", response=AlertOut)
def resolve_alert(request: HttpRequest, id: str) -> dict[str, Any]:
    """Resolve the alert by hand."""
    _require_reader(request)
    alert = alert_resolve(user=request.user, alert=alert_get(request.user, id))  # type: ignore[arg-type]
    return alert_body(alert)


@router.post("/alerts/{id}/snooze", response=AlertOut)
def snooze_alert(request: HttpRequest, id: str, payload: SnoozeIn) -> dict[str, Any]:
    """Hide the alert until `until` (YYYY-MM-DD, after today); `null` wakes it."""
    _require_reader(request)
    alert = alert_snooze(
        user=request.user,  # type: ignore[arg-type]
        alert=alert_get(request.user, id),
        until=payload.until,
    )
    return alert_body(alert)


@router.post("/alerts/{id}/assign", response=AlertOut)
def assign_alert(request: HttpRequest, id: str, payload: AssignIn) -> dict[str, Any]:
    """Assign the alert to a person of the partner by `email` (`null` or "": nobody)."""
    _require_reader(request)
    user: Any = request.user
    alert = alert_get(user, id)
    if not can(user, Action.ACT_ON_ALERTS, alert.customer):
        raise PermissionDenied
    alert = alert_assign(
        user=user, alert=alert, assignee=assignee_for(user, alert, payload.email or "")
    )
    return alert_body(alert)


@router.post("/alerts/{id}/comments", response={201: AlertCommentOut})
def comment_alert(
    request: HttpRequest, id: str, payload: AlertCommentIn
) -> tuple[int, dict[str, Any]]:
    """Comment on the alert."""
    _require_reader(request)
    user: Any = request.user
    comment = alert_comment(user=user, alert=alert_get(user, id), body=payload.body)
    return 201, {
        "id": comment.pk,
        "author": user.email,
        "body": comment.body,
        "created": comment.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@router.get("/alert-rules", response=list[RuleOut])
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    """The partner's rules, one per kind, with their defaults until changed."""
    _require_reader(request)
    user: Any = request.user
    return [rule_body(r) for r in rules_for(user.partner_id).values()]


@router.patch("/alert-rules/{kind}", response=RuleOut)
def patch_rule(request: HttpRequest, kind: str, payload: RulePatch) -> dict[str, Any]:
    """Change a rule (a full administrator): `enabled`, `threshold`, `scope` (`all`, `tag`,
    `saved_filter`) with `tag` or `saved_filter_id`, `recipients` (e-mails), `channels`. The
    partner's alerts are evaluated again at once."""
    user: Any = request.user
    if kind not in RuleKind.values:
        raise InputError(
            [
                {
                    "loc": ["path", "kind"],
                    "msg": _("one of %(values)s") % {"values": ", ".join(RuleKind.values)},
                }
            ]
        )
    given = payload.model_fields_set
    change = RuleChange(
        enabled=payload.enabled,
        threshold=payload.threshold,
        scope=payload.scope,
        tag=payload.tag,
        saved_filter_id=payload.saved_filter_id,
        recipients=payload.recipients,
        channels=payload.channels,
        given=set(given),
    )
    rule = rule_update(user=user, kind=kind, change=change)
    alerts_evaluate(partner_ids=[user.partner_id])
    return rule_body(rule)
