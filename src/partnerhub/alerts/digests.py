"""E-mailed digests of alerts, and the e-mail of the rules whose channels include `email`
(docs/reference/events.md#digests).

A digest goes to each person with a partner role who chose `daily` (every day) or `weekly`
(Mondays of the as-of date): the alerts opened since their last digest and those still open in
their scope, not snoozed, grouped by rule; nothing is sent when there is nothing to say, and at
most one per person and period (`DigestSent`), however often the command runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Max, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerhub.accounts.models import User
from partnerhub.accounts.policy import Action, can, is_partner_admin
from partnerhub.alerts.bodies import alert_summary
from partnerhub.alerts.models import UNRESOLVED, Alert, AlertRule, Channel, DigestSent, RuleKind
from partnerhub.alerts.selectors import alert_scope, awake_q
from partnerhub.core import clock
from partnerhub.core.language import speaking_to

log = logging.getLogger(__name__)


def base_url() -> str:
    """Where Partner Hub answers, for the links of e-mails sent without a request
    (`PARTNERHUB_BASE_URL`)."""
    return (getattr(settings, "PARTNERHUB_BASE_URL", "") or "http://localhost:8000").rstrip("/")


def absolute(name: str, *args: Any) -> str:
    try:
        return base_url() + reverse(name, args=args)
    except NoReverseMatch:
        return ""


def period_key(digest: str, day: dt.date) -> str:
    """`2026-12-07` for a daily digest, `2026-W50` (ISO week) for a weekly one."""
    if digest == "weekly":
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def _excluded_kinds(partner_id: int, cache: dict[int, dict[str, set[int]]]) -> dict[str, set[int]]:
    """Per kind, the people its rule names as recipients (kinds without recipients absent)."""
    if partner_id not in cache:
        named: dict[str, set[int]] = {}
        through = AlertRule.recipients.through.objects.filter(alertrule__partner_id=partner_id)
        for kind, user_id in through.values_list("alertrule__kind", "user_id"):
            named.setdefault(kind, set()).add(user_id)
        cache[partner_id] = named
    return cache[partner_id]


def _for_person(
    person: User, alerts: QuerySet[Alert], named: dict[str, set[int]]
) -> QuerySet[Alert]:
    not_mine = [kind for kind, people in named.items() if person.pk not in people]
    return alerts.exclude(kind__in=not_mine) if not_mine else alerts


@dataclass
class Group:
    kind: str
    label: str
    rows: list[dict[str, Any]] = field(default_factory=list)


def _groups(alerts: Iterable[Alert], since: dt.datetime | None) -> tuple[list[Group], int]:
    """The alerts grouped by rule in the contract's order, each row with its links; and how many
    are new since `since`."""
    groups = {k: Group(k, str(RuleKind(k).label)) for k in RuleKind.values}
    new = 0
    for alert in alerts:
        is_new = since is None or alert.opened > since
        new += is_new
        groups[alert.kind].rows.append(
            {
                "alert": alert,
                "summary": alert_summary(alert),
                "new": is_new,
                "url": absolute("alerts:detail", alert.public_id),
                "customer_url": absolute("customers:detail", alert.customer.ext_id),
                "customer": alert.customer.name,
            }
        )
    return [g for g in groups.values() if g.rows], new


def _send(person: User, template: str, context: dict[str, Any], subject: str) -> None:
    text = render_to_string(f"alerts/email/{template}.txt", context)
    html = render_to_string(f"alerts/email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, None, [person.email])
    message.attach_alternative(html, "text/html")
    message.send()


@dataclass
class DigestResult:
    sent: int = 0
    empty: int = 0
    already: int = 0
    people: list[str] = field(default_factory=list)


def digest_people(day: dt.date) -> list[User]:
    """The people due a digest on `day`: daily ones, and on Mondays weekly ones too; only people
    with a partner role who may see alerts."""
    wanted = ["daily", "weekly"] if day.weekday() == 0 else ["daily"]
    people = (
        User.objects.filter(partner__isnull=False, is_active=True, digest__in=wanted)
        .exclude(email="")
        .order_by("pk")
    )
    return [p for p in people if is_partner_admin(p) and can(p, Action.VIEW_ALERTS)]


def send_digests(*, as_of: dt.date | None = None) -> DigestResult:
    """Send every digest due as of `as_of` (default today); answers what was sent."""
    day = as_of or clock.today()
    result = DigestResult()
    people = digest_people(day)
    keys = {p.pk: period_key(p.digest, day) for p in people}
    done = set(
        DigestSent.objects.filter(user__in=people, period__in=set(keys.values())).values_list(
            "user_id", "period"
        )
    )
    last = dict(
        DigestSent.objects.filter(user__in=people)
        .values("user_id")
        .annotate(last=Max("sent_at"))
        .values_list("user_id", "last")
    )
    named_cache: dict[int, dict[str, set[int]]] = {}
    for person in people:
        key = keys[person.pk]
        if (person.pk, key) in done:
            result.already += 1
            continue
        since = last.get(person.pk)
        alerts = list(
            _for_person(
                person,
                alert_scope(person).filter(state__in=UNRESOLVED).filter(awake_q(day)),
                _excluded_kinds(person.partner_id, named_cache),  # type: ignore[arg-type]
            )
            .select_related("customer")
            .order_by("kind", "customer__name", "id")
        )
        if not alerts:
            result.empty += 1
            continue
        sent, created = DigestSent.objects.get_or_create(
            user=person, period=key, defaults={"sent_at": clock.now(), "alerts": len(alerts)}
        )
        if not created:
            result.already += 1
            continue
        try:
            with speaking_to(person):
                groups, new = _groups(alerts, since)
                context = {
                    "person": person,
                    "groups": groups,
                    "new": new,
                    "total": len(alerts),
                    "weekly": person.digest == "weekly",
                    "day": day,
                    "list_url": absolute("alerts:list"),
                    "settings_url": absolute("alerts:digest"),
                }
                subject = ngettext(
                    "Partner Hub: %(n)s alert needs attention",
                    "Partner Hub: %(n)s alerts need attention",
                    len(alerts),
                ) % {"n": len(alerts)}
                _send(person, "digest", context, subject)
        except Exception:
            sent.delete()  # not sent: the next run tries again
            raise
        result.sent += 1
        result.people.append(person.email)
    return result


def email_opened_alerts(alert_ids: Sequence[int]) -> int:
    """E-mail the alerts just opened by rules whose channels include `email` to the people the
    rule names (none named: every person who sees the customer), one e-mail per person."""
    email_kinds = {
        (r.partner_id, r.kind)
        for r in AlertRule.objects.filter(
            partner_id__in=Alert.objects.filter(pk__in=alert_ids).values("partner_id")
        )
        if Channel.EMAIL in (r.channels or [])
    }
    if not email_kinds:
        return 0
    alerts = [
        a
        for a in Alert.objects.filter(pk__in=alert_ids).select_related("customer")
        if (a.partner_id, a.kind) in email_kinds
    ]
    partners = {a.partner_id for a in alerts}
    people = [
        p
        for p in User.objects.filter(partner_id__in=partners, is_active=True).exclude(email="")
        if is_partner_admin(p) and can(p, Action.VIEW_ALERTS)
    ]
    named_cache: dict[int, dict[str, set[int]]] = {}
    sent = 0
    for person in people:
        ids = [a.pk for a in alerts if a.partner_id == person.partner_id]
        named = _excluded_kinds(person.partner_id, named_cache)  # type: ignore[arg-type]
        mine = list(
            _for_person(person, alert_scope(person).filter(pk__in=ids), named).select_related(
                "customer"
            )
        )
        if not mine:
            continue
        with speaking_to(person):
            groups, _new = _groups(mine, None)
            subject = ngettext(
                "Partner Hub: %(n)s new alert",
                "Partner Hub: %(n)s new alerts",
                len(mine),
            ) % {"n": len(mine)}
            context = {
                "person": person,
                "groups": groups,
                "list_url": absolute("alerts:list"),
                "title": _("New alerts"),
            }
            try:
                _send(person, "opened", context, subject)
            except Exception:  # an e-mail that fails must not undo the evaluation
                log.exception("alert e-mail to %s failed", person.pk)
                continue
        sent += 1
    return sent
