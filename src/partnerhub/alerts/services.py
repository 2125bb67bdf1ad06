"""Writes of alerts: the evaluation that opens and resolves them, what people do with them, and
the partner's rules (docs/reference/events.md#alert-rules-and-alerts).

The evaluation is set-based: per partner, one query per rule kind finds the subjects whose
condition holds (alerts/evaluation.py), one query reads the unresolved alerts, and the
difference is written in bulk with its events, in one transaction per partner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Partner, User
from partnerhub.accounts.policy import Action, can, require
from partnerhub.alerts.bodies import alert_body, rule_body
from partnerhub.alerts.digests import email_opened_alerts
from partnerhub.alerts.evaluation import Context, findings
from partnerhub.alerts.models import (
    RULE_DEFAULTS,
    UNRESOLVED,
    Alert,
    AlertChange,
    AlertComment,
    AlertRule,
    AlertState,
    Channel,
    RuleKind,
    Scope,
)
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.events import NewEvent, emit_events
from partnerhub.customers.filtersets import CustomerFilter
from partnerhub.customers.models import Customer, SavedFilter
from partnerhub.customers.status_changes import customer_statuses_record
from partnerhub.tags.models import CustomerTag

MAX_COMMENT = 5000
# Thresholds a rule accepts: days for the date kinds, a percentage for the calling ones.
THRESHOLD_RANGES: dict[str, tuple[int, int]] = {
    RuleKind.TRIAL_EXPIRING: (1, 365),
    RuleKind.SUBSCRIPTION_EXPIRING: (1, 365),
    RuleKind.SETUP_PENDING: (1, 365),
    RuleKind.POOR_CALL_QUALITY: (0, 99),
    RuleKind.QUEUE_ABANDONMENT: (0, 99),
}


# --- rules ------------------------------------------------------------------------------------


def rules_for(partner_id: int) -> dict[str, AlertRule]:
    """The partner's rules by kind, created with the defaults the first time they are read."""
    rules = {
        r.kind: r
        for r in AlertRule.objects.filter(partner_id=partner_id)
        .select_related("scope_filter__user")
        .prefetch_related("recipients")
    }
    missing = [k for k in RuleKind.values if k not in rules]
    if missing:
        AlertRule.objects.bulk_create(
            [
                AlertRule(partner_id=partner_id, kind=k, threshold=RULE_DEFAULTS[k][0])
                for k in missing
            ],
            ignore_conflicts=True,
        )
        rules = {
            r.kind: r
            for r in AlertRule.objects.filter(partner_id=partner_id)
            .select_related("scope_filter__user")
            .prefetch_related("recipients")
        }
    return {k: rules[k] for k in RuleKind.values}


@dataclass
class RuleChange:
    """The fields of `PATCH /alert-rules/{kind}` that were given (None: left as they are)."""

    enabled: bool | None = None
    threshold: int | None = None
    scope: str | None = None
    tag: str | None = None
    saved_filter_id: int | None = None
    recipients: list[str] | None = None
    channels: list[str] | None = None
    given: set[str] = field(default_factory=set)


def rule_update(*, user: User, kind: str, change: RuleChange) -> AlertRule:
    """A full administrator changes one of the partner's rules (validated, audited)."""
    require(user, Action.MANAGE_ALERT_RULES)
    partner_id = cast(int, user.partner_id)
    if kind not in RuleKind.values:
        raise ValidationError({"kind": [_("Unknown rule.")]})
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().get(pk=rules_for(partner_id)[kind].pk)
        before = rule_body(rule)
        if change.enabled is not None:
            rule.enabled = bool(change.enabled)
        if "threshold" in change.given:
            bounds = THRESHOLD_RANGES.get(kind)
            if bounds is None:
                if change.threshold is not None:
                    errors["threshold"] = [_("This rule has no threshold.")]
            elif change.threshold is None or not bounds[0] <= change.threshold <= bounds[1]:
                errors["threshold"] = [
                    _("Enter a whole number from %(min)s to %(max)s.")
                    % {"min": bounds[0], "max": bounds[1]}
                ]
            else:
                rule.threshold = change.threshold
        if change.scope is not None:
            if change.scope not in Scope.values:
                errors["scope"] = [_("One of %(values)s.") % {"values": ", ".join(Scope.values)}]
            else:
                rule.scope = change.scope
        if change.tag is not None:
            rule.scope_tag = change.tag.strip()[:25]
        if "saved_filter_id" in change.given:
            if change.saved_filter_id is None:
                rule.scope_filter = None
            else:
                saved = SavedFilter.objects.filter(
                    pk=change.saved_filter_id, user__partner_id=partner_id
                ).first()
                if saved is None:
                    errors["saved_filter_id"] = [_("No such saved filter.")]
                rule.scope_filter = saved
        if rule.scope == Scope.TAG and not rule.scope_tag and "scope" not in errors:
            errors.setdefault("tag", []).append(_("Name the tag of the customers to watch."))
        if rule.scope == Scope.SAVED_FILTER and rule.scope_filter is None:
            errors.setdefault("saved_filter_id", []).append(_("Choose a saved filter."))
        people: list[User] | None = None
        if change.recipients is not None:
            emails = {e.strip().lower() for e in change.recipients if e.strip()}
            people = list(
                User.objects.filter(partner_id=partner_id, is_active=True).filter(email__in=emails)
            )
            unknown = emails - {p.email.lower() for p in people}
            if unknown:
                errors["recipients"] = [
                    _("Not a person of your organization: %(emails)s")
                    % {"emails": ", ".join(sorted(unknown))}
                ]
        if change.channels is not None:
            bad = [c for c in change.channels if c not in Channel.values]
            if bad:
                errors["channels"] = [
                    _("One of %(values)s.") % {"values": ", ".join(Channel.values)}
                ]
            else:
                rule.channels = [c for c in Channel.values if c in {"in_app", *change.channels}]
        if errors:
            raise ValidationError(errors)
        rule.save()
        if people is not None:
            rule.recipients.set(people)
        rule = rules_for(partner_id)[kind]
        audit_record(
            actor=user,
            action="alert_rule.update",
            obj_type="alert_rule",
            obj_id=kind,
            partner=user.partner,
            before=before,
            after=rule_body(rule),
        )
    return rule


def rule_customers(
    rule: AlertRule, partner_customers: QuerySet[Customer], as_of: dt.date
) -> QuerySet[Customer]:
    """The customers a rule looks at: all of the partner's, those with its tag, or those its
    saved filter's query finds today."""
    if rule.scope == Scope.TAG:
        if not rule.scope_tag:
            return partner_customers.none()
        carried = CustomerTag.objects.filter(
            customer_id=OuterRef("pk"),
            tag__partner_id=rule.partner_id,
            tag__name__iexact=rule.scope_tag,
        )
        return partner_customers.filter(Exists(carried))
    if rule.scope == Scope.SAVED_FILTER:
        saved = rule.scope_filter
        if saved is None:
            return partner_customers.none()
        flt = CustomerFilter.parse(saved.query)
        return flt.apply(partner_customers, user=saved.user, day=as_of)
    return partner_customers


# --- evaluation -------------------------------------------------------------------------------


@dataclass
class EvaluationResult:
    partners: int = 0
    opened: int = 0
    resolved: int = 0
    kept: int = 0
    status_events: int = 0
    opened_ids: list[int] = field(default_factory=list)


def _event_data(alert: Alert, channels: Sequence[str]) -> dict[str, Any]:
    # Events speak the installation's language, whoever or whatever triggered them.
    with translation.override(settings.LANGUAGE_CODE):
        return {**alert_body(alert), "channels": list(channels)}


def _evaluate_partner(partner_id: int, as_of: dt.date, result: EvaluationResult) -> None:
    Partner.objects.select_for_update().filter(pk=partner_id).first()
    rules = rules_for(partner_id)
    partner_customers = Customer.objects.filter(partner_id=partner_id)
    result.status_events += customer_statuses_record(customers=partner_customers, day=as_of)
    unresolved: dict[str, dict[tuple[int, int | None], int]] = {}
    for pk, kind, customer_id, item_id in Alert.objects.filter(
        partner_id=partner_id, state__in=UNRESOLVED
    ).values_list("pk", "kind", "customer_id", "item_id"):
        unresolved.setdefault(kind, {})[(customer_id, item_id)] = pk
    now = clock.now()
    new: list[Alert] = []
    gone: list[int] = []
    for kind, rule in rules.items():
        existing = unresolved.get(kind, {})
        if rule.enabled:
            ctx = Context(
                customers=rule_customers(rule, partner_customers, as_of),
                partner_customers=partner_customers,
                as_of=as_of,
                threshold=rule.threshold,
            )
            found = findings(kind, ctx)
            if found is None:  # the figures are not there yet: keep what is open
                result.kept += len(existing)
                continue
        else:
            found = []
        held = {f.key: f for f in found}
        severity = RULE_DEFAULTS[kind][1]
        for key, finding in held.items():
            if key in existing:
                result.kept += 1
                continue
            new.append(
                Alert(
                    partner_id=partner_id,
                    kind=kind,
                    customer_id=finding.customer_id,
                    item_id=finding.item_id,
                    state=AlertState.OPEN,
                    severity=severity,
                    opened=now,
                    opened_on=as_of,
                    detail=finding.detail,
                )
            )
        gone.extend(pk for key, pk in existing.items() if key not in held)
    events: list[NewEvent] = []
    if new:
        created = Alert.objects.bulk_create(new, batch_size=1000)
        customers = Customer.objects.in_bulk({a.customer_id for a in created})
        AlertChange.objects.bulk_create(
            [AlertChange(alert=a, at=now, what="opened") for a in created], batch_size=2000
        )
        for alert in created:
            alert.customer = customers[alert.customer_id]
            events.append(
                NewEvent(
                    "alert.opened",
                    partner_id,
                    _event_data(alert, rules[alert.kind].channels),
                    customer=alert.customer,
                )
            )
        result.opened += len(created)
        result.opened_ids.extend(a.pk for a in created)
    if gone:
        Alert.objects.filter(pk__in=gone).update(state=AlertState.RESOLVED, resolved=now)
        AlertChange.objects.bulk_create(
            [AlertChange(alert_id=pk, at=now, what="resolved") for pk in gone], batch_size=2000
        )
        for alert in Alert.objects.filter(pk__in=gone).select_related("customer", "assignee"):
            events.append(
                NewEvent(
                    "alert.resolved",
                    partner_id,
                    _event_data(alert, rules[alert.kind].channels),
                    customer=alert.customer,
                )
            )
        result.resolved += len(gone)
    emit_events(events)


def alerts_evaluate(
    *, partner_ids: Iterable[int] | None = None, as_of: dt.date | None = None
) -> EvaluationResult:
    """Open the alerts whose condition holds as of `as_of` (default: today) and resolve those
    whose condition no longer does, for the partners named (None: every partner). Idempotent:
    a second run opens and resolves nothing. One transaction per partner."""
    as_of = as_of or clock.today()
    partners = Partner.objects.order_by("pk")
    if partner_ids is not None:
        partners = partners.filter(pk__in=list(partner_ids))
    result = EvaluationResult()
    for partner_id in partners.values_list("pk", flat=True):
        with transaction.atomic():
            _evaluate_partner(partner_id, as_of, result)
        result.partners += 1
    if result.opened_ids:
        ids = list(result.opened_ids)
        transaction.on_commit(lambda: email_opened_alerts(ids), robust=True)
    return result


# --- what people do with an alert ---------------------------------------------------------------


def _act(user: User, alert: Alert) -> None:
    require(user, Action.ACT_ON_ALERTS, alert.customer)


def _unresolved(alert: Alert) -> None:
    if alert.state == AlertState.RESOLVED:
        raise ValidationError({"state": [_("This alert is resolved.")]})


def _changed(
    *, user: User, alert: Alert, what: str, value: str = "", before: dict[str, Any]
) -> None:
    AlertChange.objects.create(alert=alert, at=clock.now(), by=user, what=what, value=value)
    audit_record(
        actor=user,
        action=f"alert.{what}",
        obj_type="alert",
        obj_id=alert.public_id,
        customer=alert.customer,
        before=before,
        after={"state": alert.state, "value": value} if value else {"state": alert.state},
    )


def alert_acknowledge(*, user: User, alert: Alert) -> Alert:
    """Mark an open alert as seen by a person (acknowledged stays acknowledged)."""
    _act(user, alert)
    _unresolved(alert)
    if alert.state == AlertState.ACKNOWLEDGED:
        return alert
    with transaction.atomic():
        before = {"state": alert.state}
        alert.state = AlertState.ACKNOWLEDGED
        alert.save(update_fields=["state"])
        _changed(user=user, alert=alert, what="acknowledged", before=before)
    return alert


def alert_resolve(*, user: User, alert: Alert) -> Alert:
    """Resolve an alert by hand (if its condition still holds, the next evaluation opens a new
    one)."""
    _act(user, alert)
    _unresolved(alert)
    with transaction.atomic():
        before = {"state": alert.state}
        alert.state = AlertState.RESOLVED
        alert.resolved = clock.now()
        alert.save(update_fields=["state", "resolved"])
        _changed(user=user, alert=alert, what="resolved", before=before)
        channels = rules_for(alert.partner_id)[alert.kind].channels
        emit_events(
            [
                NewEvent(
                    "alert.resolved",
                    alert.partner_id,
                    _event_data(alert, channels),
                    customer=alert.customer,
                    actor=user,
                )
            ]
        )
    return alert


def alert_snooze(*, user: User, alert: Alert, until: dt.date | None) -> Alert:
    """Hide an alert from the open list and the digests until `until` (a later day); None wakes
    it."""
    _act(user, alert)
    _unresolved(alert)
    if until is not None and until <= clock.today():
        raise ValidationError({"until": [_("Choose a day after today.")]})
    with transaction.atomic():
        before = {"snoozed_until": alert.snoozed_until.isoformat() if alert.snoozed_until else None}
        alert.snoozed_until = until
        alert.save(update_fields=["snoozed_until"])
        _changed(
            user=user,
            alert=alert,
            what="snoozed" if until else "woken",
            value=until.isoformat() if until else "",
            before=before,
        )
    return alert


def assignee_for(user: User, alert: Alert, email: str) -> User | None:
    """The person of the partner with that e-mail who may see the alert's customer, else a
    ValidationError naming `email` ("" unassigns)."""
    email = (email or "").strip()
    if not email:
        return None
    person = User.objects.filter(
        partner_id=alert.partner_id, is_active=True, email__iexact=email
    ).first()
    if person is None or not can(person, Action.VIEW_ALERTS, alert.customer):
        raise ValidationError(
            {"email": [_("Choose a person of your organization who sees this customer.")]}
        )
    return person


def alert_assign(*, user: User, alert: Alert, assignee: User | None) -> Alert:
    """Assign an alert to a person of the partner (None: nobody)."""
    _act(user, alert)
    _unresolved(alert)
    with transaction.atomic():
        before = {"assignee": alert.assignee.email if alert.assignee else None}
        alert.assignee = assignee
        alert.save(update_fields=["assignee"])
        _changed(
            user=user,
            alert=alert,
            what="assigned" if assignee else "unassigned",
            value=assignee.email if assignee else "",
            before=before,
        )
    return alert


def alert_comment(*, user: User, alert: Alert, body: str) -> AlertComment:
    """Add a comment to an alert (resolved ones too: what was done is worth writing down)."""
    _act(user, alert)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Write a comment.")]})
    if len(body) > MAX_COMMENT:
        raise ValidationError({"body": [_("At most %(max)s characters.") % {"max": MAX_COMMENT}]})
    with transaction.atomic():
        comment = AlertComment.objects.create(
            alert=alert, author=user, body=body, created=clock.now()
        )
        audit_record(
            actor=user,
            action="alert.comment",
            obj_type="alert",
            obj_id=alert.public_id,
            customer=alert.customer,
        )
    return comment


BULK_OPS = ("acknowledge", "assign", "snooze")


def alerts_bulk(
    *,
    user: User,
    alerts: Sequence[Alert],
    op: str,
    until: dt.date | None = None,
    assignee_email: str = "",
) -> int:
    """Acknowledge, assign or snooze many alerts at once, all or nothing; answers how many
    changed (the resolved ones are skipped)."""
    if op not in BULK_OPS:
        raise ValidationError({"op": [_("Unknown action.")]})
    changed = 0
    with transaction.atomic():
        for alert in alerts:
            if alert.state == AlertState.RESOLVED:
                continue
            if op == "acknowledge":
                alert_acknowledge(user=user, alert=alert)
            elif op == "snooze":
                alert_snooze(user=user, alert=alert, until=until)
            else:
                alert_assign(
                    user=user, alert=alert, assignee=assignee_for(user, alert, assignee_email)
                )
            changed += 1
    return changed


def user_digest_set(*, user: User, digest: str) -> None:
    """A person chooses how often they are e-mailed a digest of their alerts."""
    if digest not in {"off", "daily", "weekly"}:
        raise ValidationError({"digest": [_("One of off, daily, weekly.")]})
    if user.digest == digest:
        return
    with transaction.atomic():
        before = {"digest": user.digest}
        user.digest = digest
        user.save(update_fields=["digest"])
        audit_record(
            actor=user,
            action="user.digest",
            obj_type="user",
            obj_id=str(user.pk),
            partner=user.partner,
            before=before,
            after={"digest": digest},
        )
