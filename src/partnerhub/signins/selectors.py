"""Reads of the sign-in audit (a partner full administrator's) and of one's own sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from partnerhub.accounts.policy import Action, require
from partnerhub.core import clock
from partnerhub.signins.models import Method, Outcome, SignIn, UserSession


def sign_in_list(
    user: Any,
    *,
    person: str = "",
    method: str = "",
    outcome: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[SignIn]:
    """The partner's sign-ins, newest first, filtered (403 unless a full administrator).
    `person` matches the e-mail or name; `since` / `until` are UTC dates, both included."""
    require(user, Action.VIEW_SIGN_INS)
    qs = SignIn.objects.filter(partner_id=user.partner_id)
    if person:
        qs = qs.filter(Q(email__icontains=person) | Q(user__name__icontains=person))
    if method in Method.values:
        qs = qs.filter(method=method)
    if outcome in Outcome.values:
        qs = qs.filter(outcome=outcome)
    if since:
        qs = qs.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
        qs = qs.filter(at__lt=end)
    return qs.select_related("user").order_by("-at", "-pk")


def own_sessions(user: Any) -> QuerySet[UserSession]:
    """The person's sessions still alive: not ended, within the lifetime and the idle timeout;
    the most recently seen first."""
    now = clock.now()
    qs = UserSession.objects.filter(
        user_id=user.pk,
        ended_at=None,
        created__gte=now - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE),
    )
    idle = settings.SESSION_IDLE_TIMEOUT_SECONDS
    if idle:
        qs = qs.filter(last_seen__gte=now - dt.timedelta(seconds=idle))
    return qs.order_by("-last_seen", "-pk")
