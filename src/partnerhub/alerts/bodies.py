"""An alert as the API answers it and as events carry it, and the sentence a person reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerhub.alerts.models import Alert, AlertRule, RuleKind
from partnerhub.core.choices import Product


def _day(value: str | None) -> str:
    """An ISO date of `detail` in the active language's short form."""
    if not value:
        return "—"
    return formats.date_format(dt.date.fromisoformat(value[:10]), "SHORT_DATE_FORMAT")


def _number(value: Any) -> str:
    return "—" if value is None else formats.number_format(value, use_l10n=True)


def _product(code: str) -> str:
    try:
        return str(Product(code).label)
    except ValueError:
        return code


def summary(kind: str, customer_name: str, detail: dict[str, Any]) -> str:
    """The sentence a person reads for an alert, in the active language."""
    d = detail or {}
    name = customer_name
    if kind == RuleKind.TRIAL_EXPIRING:
        return _("The trial %(item)s of %(customer)s ends on %(end)s.") % {
            "item": d.get("item_id"),
            "customer": name,
            "end": _day(d.get("end")),
        }
    if kind == RuleKind.SUBSCRIPTION_EXPIRING:
        return _(
            "The subscription %(item)s of %(customer)s ends on %(end)s without auto-renew."
        ) % {
            "item": d.get("item_id"),
            "customer": name,
            "end": _day(d.get("end")),
        }
    if kind == RuleKind.LICENSE_OVERAGE:
        over = int(d.get("over") or 0)
        return ngettext(
            "%(customer)s has %(n)s license more assigned than it holds.",
            "%(customer)s has %(n)s licenses more assigned than it holds.",
            over,
        ) % {"customer": name, "n": _number(over)}
    if kind == RuleKind.SUSPENDED:
        items = ", ".join(str(i.get("item_id")) for i in d.get("items", []))
        return _("%(customer)s has a suspended subscription (%(items)s).") % {
            "customer": name,
            "items": items,
        }
    if kind == RuleKind.NO_RECENT_ACTIVITY:
        days = int(d.get("days") or 0)
        return ngettext(
            "No administrator of %(customer)s has signed in for %(n)s day.",
            "No administrator of %(customer)s has signed in for %(n)s days.",
            days,
        ) % {"customer": name, "n": _number(days)}
    if kind == RuleKind.SETUP_PENDING:
        return _(
            "The subscription %(item)s of %(customer)s has waited for set-up since %(since)s."
        ) % {
            "item": d.get("item_id"),
            "customer": name,
            "since": _day(d.get("since")),
        }
    if kind == RuleKind.LOW_ASSIGNMENT:
        lines = ", ".join(
            _("%(product)s %(pct)s%%")
            % {"product": _product(x["product"]), "pct": _number(x["assigned_pct"])}
            for x in d.get("lines", [])
        )
        return _("%(customer)s has assigned few licenses of %(item)s (%(lines)s).") % {
            "customer": name,
            "item": d.get("item_id"),
            "lines": lines,
        }
    if kind == RuleKind.POOR_CALL_QUALITY:
        return _(
            "%(pct)s%% of the calls of %(customer)s were of poor quality in the week of %(week)s "
            "(%(poor)s of %(calls)s)."
        ) % {
            "pct": _number(d.get("poor_pct")),
            "customer": name,
            "week": _day(d.get("week")),
            "poor": _number(d.get("poor_calls")),
            "calls": _number(d.get("calls")),
        }
    if kind == RuleKind.QUEUE_ABANDONMENT:
        return _(
            "%(pct)s%% of the queue calls of %(customer)s were abandoned in the week of %(week)s "
            "(%(abandoned)s of %(calls)s)."
        ) % {
            "pct": _number(d.get("abandoned_pct")),
            "customer": name,
            "week": _day(d.get("week")),
            "abandoned": _number(d.get("abandoned")),
            "calls": _number(d.get("queue_calls")),
        }
    return name


def alert_summary(alert: Alert) -> str:
    return summary(alert.kind, alert.customer.name, alert.detail)


def _when(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def alert_body(alert: Alert, *, assignee_email: str | None = None) -> dict[str, Any]:
    """The alert as `GET /api/v1/alerts/{id}` answers it (the customer loaded; the item's id is in
    `detail` for the kinds that have one)."""
    if assignee_email is None and alert.assignee_id is not None:
        assignee_email = alert.assignee.email  # type: ignore[union-attr]
    return {
        "id": alert.public_id,
        "kind": alert.kind,
        "customer_id": alert.customer.ext_id,
        "item_id": (alert.detail or {}).get("item_id") if alert.item_id else None,
        "state": alert.state,
        "severity": alert.severity,
        "opened": _when(alert.opened),
        "resolved": _when(alert.resolved),
        "snoozed_until": alert.snoozed_until.isoformat() if alert.snoozed_until else None,
        "assignee": assignee_email,
        "summary": alert_summary(alert),
        "detail": alert.detail,
    }


def rule_body(rule: AlertRule) -> dict[str, Any]:
    """A rule as `GET /api/v1/alert-rules` answers it (recipients prefetched)."""
    return {
        "kind": rule.kind,
        "name": str(RuleKind(rule.kind).label),
        "enabled": rule.enabled,
        "threshold": rule.threshold,
        "scope": rule.scope,
        "tag": rule.scope_tag or None,
        "saved_filter_id": rule.scope_filter_id,
        "recipients": sorted(u.email for u in rule.recipients.all()),
        "channels": list(rule.channels),
    }
