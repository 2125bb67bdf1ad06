"""Reads of alerts, already scoped: a person sees the alerts of the customers of their own partner
within their scope (docs/reference/rules.md#scope); everything else is out of sight (404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from partnerhub.accounts.models import User
from partnerhub.accounts.policy import (
    Action,
    can,
    is_partner_admin,
    partner_customer_scope,
    sees_all_customers,
)
from partnerhub.alerts.bodies import alert_summary
from partnerhub.alerts.models import (
    UNRESOLVED,
    Alert,
    AlertChange,
    AlertComment,
    AlertRule,
    AlertState,
    RuleKind,
)
from partnerhub.core import clock
from partnerhub.customers.models import Customer, SavedFilter
from partnerhub.tags.models import CustomerTag

ALERT_SORTS = {
    "opened": "opened",
    "kind": "kind",
    "customer": "customer__name",
    "severity": "severity_rank",
    "state": "state",
    "assignee": "assignee__email",
}
TABS = ("open", "acknowledged", "snoozed", "resolved")


def alert_scope(user: Any) -> QuerySet[Alert]:
    """The alerts a person may see: of their partner's customers in their scope."""
    if not (is_partner_admin(user) and can(user, Action.VIEW_ALERTS)):
        return Alert.objects.none()
    qs = Alert.objects.filter(partner_id=user.partner_id)
    if sees_all_customers(user):
        return qs
    return qs.filter(customer_id__in=partner_customer_scope(user).values("id"))


def snoozed_q(day: dt.date) -> Q:
    """Unresolved alerts hidden until a later date."""
    return Q(state__in=UNRESOLVED, snoozed_until__gt=day)


def awake_q(day: dt.date) -> Q:
    return Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=day)


def tab_q(tab: str, day: dt.date) -> Q:
    """The alerts of a tab of the alerts centre: open / acknowledged (not snoozed), snoozed,
    resolved."""
    if tab == "snoozed":
        return snoozed_q(day)
    if tab == "resolved":
        return Q(state=AlertState.RESOLVED)
    state = AlertState.ACKNOWLEDGED if tab == "acknowledged" else AlertState.OPEN
    return Q(state=state) & awake_q(day)


def open_alert_count(user: Any) -> int:
    """Open alerts (not acknowledged, not snoozed) in the person's scope: the navigation's badge
    (one query; 0 for anyone who may not see alerts)."""
    if not (is_partner_admin(user) and can(user, Action.VIEW_ALERTS)):
        return 0
    return alert_scope(user).filter(tab_q("open", clock.today())).count()


def tab_counts(user: Any, day: dt.date) -> dict[str, int]:
    """How many alerts each tab holds (one query)."""
    counts = alert_scope(user).aggregate(
        **{tab: Count("pk", filter=tab_q(tab, day)) for tab in TABS}
    )
    return {k: v or 0 for k, v in counts.items()}


def _with_related(qs: QuerySet[Alert]) -> QuerySet[Alert]:
    return qs.select_related("customer", "assignee")


def alert_list(
    user: Any,
    *,
    day: dt.date,
    tab: str = "",
    states: list[str] | None = None,
    kinds: list[str] | None = None,
    customer_id: str = "",
    customer_text: str = "",
    assignee: str = "",
    tag: str = "",
    sort: str = "-opened",
) -> QuerySet[Alert]:
    """Scoped alerts with the filters of the page and the API. `assignee` is an e-mail, `me` or
    `none`; `states` may hold `snoozed` (unresolved and snoozed past `day`)."""
    qs = _with_related(alert_scope(user))
    if tab in TABS:
        qs = qs.filter(tab_q(tab, day))
    if states:
        wanted = Q(state__in=[s for s in states if s != "snoozed"])
        if "snoozed" in states:
            wanted |= snoozed_q(day)
        qs = qs.filter(wanted)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if customer_id:
        qs = qs.filter(customer__ext_id=customer_id)
    if customer_text:
        qs = qs.filter(
            Q(customer__name__icontains=customer_text) | Q(customer__ext_id__iexact=customer_text)
        )
    if assignee == "me":
        qs = qs.filter(assignee_id=user.pk)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee__email__iexact=assignee)
    if tag:
        carried = CustomerTag.objects.filter(
            customer_id=OuterRef("customer_id"),
            tag__partner_id=user.partner_id,
            tag__name__iexact=tag,
        )
        qs = qs.filter(Exists(carried))
    return _sorted(qs, sort)


def _sorted(qs: QuerySet[Alert], sort: str) -> QuerySet[Alert]:
    key = sort.lstrip("-")
    field = ALERT_SORTS.get(key, "opened")
    if field == "severity_rank":
        qs = qs.annotate(
            severity_rank=Case(
                When(severity="high", then=Value(3)),
                When(severity="medium", then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    if sort.startswith("-"):
        return qs.order_by(f"-{field}", "-id")
    return qs.order_by(field, "id")


def alert_get(user: Any, alert_id: str) -> Alert:
    """An alert by its public id within the person's scope, else 404."""
    alert = _with_related(alert_scope(user)).filter(public_id=alert_id).first()
    if alert is None:
        raise Http404(_("No such alert."))
    return alert


def alert_history(alert: Alert) -> dict[str, Any]:
    """An alert's history and comments (two queries)."""
    return {
        "history": list(AlertChange.objects.filter(alert=alert).select_related("by")),
        "comments": list(AlertComment.objects.filter(alert=alert).select_related("author")),
    }


def customer_open_alerts(user: Any, customer: Customer) -> list[Alert]:
    """The unresolved alerts of one customer the person sees (snoozed ones last)."""
    if not can(user, Action.VIEW_ALERTS):
        return []
    day = clock.today()
    alerts = list(
        _with_related(alert_scope(user))
        .filter(customer=customer, state__in=UNRESOLVED)
        .order_by("snoozed_until", "-opened", "-id")
    )
    for alert in alerts:
        alert.summary = alert_summary(alert)  # type: ignore[attr-defined]
        alert.is_snoozed = bool(alert.snoozed_until and alert.snoozed_until > day)  # type: ignore[attr-defined]
    return alerts


def assignable_people(partner_id: int) -> QuerySet[User]:
    """People of the partner an alert may be assigned to (active; their role and scope are
    checked when assigning)."""
    return User.objects.filter(partner_id=partner_id, is_active=True).order_by("name", "email")


def partner_saved_filters(partner_id: int) -> QuerySet[SavedFilter]:
    """The saved filters of the partner's people (a rule's scope may name one)."""
    return (
        SavedFilter.objects.filter(user__partner_id=partner_id)
        .select_related("user")
        .order_by("name", "id")
    )


def kind_label(kind: str) -> str:
    return str(RuleKind(kind).label) if kind in RuleKind.values else kind


def rules_read(partner_id: int) -> list[AlertRule]:
    """The partner's rules in the contract's order (the missing ones are not created here)."""
    rules = {
        r.kind: r
        for r in AlertRule.objects.filter(partner_id=partner_id)
        .select_related("scope_filter")
        .prefetch_related("recipients")
    }
    return [rules[k] for k in RuleKind.values if k in rules]
