"""Writes of the sign-in audit and of people's sessions (docs/guide/security.md)."""

from __future__ import annotations

import datetime as dt
import logging
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from partnerhub.accounts.models import User
from partnerhub.accounts.policy import Action, can
from partnerhub.accounts.throttle import client_address
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.language import speaking_to
from partnerhub.signins.devices import device_label, network_of
from partnerhub.signins.models import Method, Outcome, SignIn, UserSession

log = logging.getLogger(__name__)

# What a signed-in session keeps about itself (no query to read it): the UserSession's id, the
# session key it was written for, and when it signed in and was last seen (epoch seconds).
SESSION_DATA = "signins"
# The last-seen time is written at most this often (seconds), and at least twice per idle timeout.
TOUCH_SECONDS = 300


class EndReason:
    SIGNED_OUT = "signed_out"
    ENDED = "ended"  # by its person, from another session
    EVERYWHERE = "everywhere"  # an administrator signed the person out everywhere
    IDLE = "idle"
    EXPIRED = "expired"
    PASSWORD = "password"  # the password was changed or reset
    DEACTIVATED = "deactivated"  # every session ended: deactivated or role removed


def touch_interval() -> int:
    idle = settings.SESSION_IDLE_TIMEOUT_SECONDS
    return min(TOUCH_SECONDS, max(idle // 2, 1)) if idle else TOUCH_SECONDS


def _client(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {"ip": "", "network": "", "user_agent": "", "device": ""}
    ip = client_address(request)
    agent = request.META.get("HTTP_USER_AGENT", "")[:400]
    return {"ip": ip, "network": network_of(ip), "user_agent": agent, "device": device_label(agent)}


def sign_in_record(
    *,
    request: HttpRequest | None,
    method: str,
    outcome: str,
    user: User | None = None,
) -> SignIn:
    """One row of the sign-in audit: time, IP, user agent, method, outcome."""
    return SignIn.objects.create(
        partner_id=user.partner_id if user is not None else None,
        user=user,
        email=user.email if user is not None else "",
        method=method,
        outcome=outcome,
        **_client(request),
    )


def _is_new_device(user: User, row: SignIn) -> bool:
    """Whether a successful sign-in comes from a device the person never signed in from: neither
    the same user agent, nor the same device label from the same network. Never on the person's
    first sign-in (there is nothing to compare with)."""
    earlier = SignIn.objects.filter(
        user=user, outcome=Outcome.SUCCEEDED, method__in=[Method.PASSWORD, Method.SSO]
    ).exclude(pk=row.pk)
    known = earlier.filter(
        Q(user_agent=row.user_agent) | Q(device=row.device, network=row.network)
    ).exists()
    return not known and earlier.exists()


def _new_device_mail(user: User, row: SignIn) -> None:
    context = {
        "person": user,
        "row": row,
        "device": row.device or row.user_agent or "?",
        "when": row.at.strftime("%Y-%m-%d %H:%M UTC"),
        "base_url": settings.PARTNERHUB_BASE_URL.rstrip("/"),
    }
    try:
        with speaking_to(user, fallback=settings.LANGUAGE_CODE):
            subject = render_to_string("signins/new_device_subject.txt", context).strip()
            body = render_to_string("signins/new_device_email.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception:  # a mail server down must not stop anyone signing in
        log.exception("new-device e-mail to user %s failed", user.pk)


def session_start(
    *, request: HttpRequest, user: User, method: str = Method.PASSWORD
) -> UserSession:
    """A successful sign-in into this browser: recorded, its session written, the person e-mailed
    when it is from a new device."""
    row = sign_in_record(request=request, method=method, outcome=Outcome.SUCCEEDED, user=user)
    session = request.session
    if session.session_key is None:  # login() flushed a stranger's session: give it its key now
        session.save()
    browser = UserSession.objects.create(
        user=user,
        session_key=session.session_key or "",
        ip=row.ip,
        user_agent=row.user_agent,
        device=row.device,
        created=row.at,
        last_seen=row.at,
    )
    stamp = int(row.at.timestamp())
    session[SESSION_DATA] = {
        "id": browser.pk,
        "key": browser.session_key,
        "since": stamp,
        "seen": stamp,
    }
    if _is_new_device(user, row):
        _new_device_mail(user, row)
    return browser


def _delete_stored(keys: list[str]) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        if key:
            store(session_key=key).delete()


def _end(rows: Any, reason: str) -> int:
    """Mark the sessions ended and delete what the session engine keeps of them."""
    rows = rows.filter(ended_at=None)
    keys = list(rows.values_list("session_key", flat=True))
    count = rows.update(ended_at=clock.now(), end_reason=reason)
    _delete_stored(keys)
    return count


def session_mark_ended(*, session_id: int, reason: str) -> None:
    """This browser's own session ends (it signs out, idles, expires): its row only."""
    UserSession.objects.filter(pk=session_id, ended_at=None).update(
        ended_at=clock.now(), end_reason=reason
    )


def session_touch(*, session_id: int, key: str) -> None:
    """The browser was seen now (and, after a key change, its session is this key)."""
    UserSession.objects.filter(pk=session_id, ended_at=None).update(
        last_seen=clock.now(), session_key=key
    )


def sessions_end_all(*, user_id: int, reason: str, keep_id: int | None = None) -> int:
    """End every session of a person (but `keep_id`, the asking browser's own)."""
    rows = UserSession.objects.filter(user_id=user_id)
    if keep_id is not None:
        rows = rows.exclude(pk=keep_id)
    return _end(rows, reason)


def own_session_end(*, user: Any, session_id: int | str, current_id: int | None) -> None:
    """A person ends one of their other sessions (404 for anyone else's, or for their own
    current one: signing out does that)."""
    text = str(session_id)
    rows = UserSession.objects.filter(user_id=user.pk, ended_at=None)
    if not text.isdigit() or int(text) == current_id or not rows.filter(pk=int(text)).exists():
        raise Http404(_("No such session."))
    _end(rows.filter(pk=int(text)), EndReason.ENDED)


def own_sessions_end_others(*, user: Any, current_id: int | None) -> int:
    return sessions_end_all(user_id=user.pk, reason=EndReason.ENDED, keep_id=current_id)


def person_sign_out_everywhere(*, actor: Any, person: User) -> int:
    """A partner full administrator signs one of their people out of every browser (audited).
    Sessions signed in before sessions were tracked end too: the session hash changes."""
    if not can(actor, Action.MANAGE_ROLES) or person.partner_id != actor.partner_id:
        raise PermissionDenied
    with transaction.atomic():
        User.objects.filter(pk=person.pk).update(session_generation=F("session_generation") + 1)
        count = sessions_end_all(user_id=person.pk, reason=EndReason.EVERYWHERE)
        audit_record(
            actor=actor,
            action="user.sign_out_everywhere",
            obj_type="user",
            obj_id=person.email,
            partner=actor.partner,
            before={"sessions": count},
            after={"sessions": 0},
        )
    return count


def sign_ins_prune(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete sign-ins, and sessions ended, past SIGN_IN_RETENTION_DAYS (scheduled daily)."""
    cutoff = (now or clock.now()) - dt.timedelta(days=settings.SIGN_IN_RETENTION_DAYS)
    sign_ins, _kinds = SignIn.objects.filter(at__lt=cutoff).delete()
    sessions, _kinds = UserSession.objects.filter(ended_at__lt=cutoff).delete()
    return {"sign_ins": sign_ins, "sessions": sessions}
