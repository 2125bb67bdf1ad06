"""Sessions: last seen, idle timeout and lifetime, and a password change ending the others.

Costs no query on almost every request: what a session needs to know about itself (its row,
when it signed in, when it was last seen) lives in the session, which the request loads anyway
to know who is signed in. The row's last-seen time is written only when `touch_interval()` has
passed (at most every 5 minutes)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from partnerhub.core import clock
from partnerhub.signins import services


class SessionActivityMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return self.get_response(request)
        data = session.get(services.SESSION_DATA)
        if not isinstance(data, dict) or not data.get("id"):
            return self.get_response(request)
        now = int(clock.now().timestamp())
        idle = settings.SESSION_IDLE_TIMEOUT_SECONDS
        reason = ""
        if now - int(data.get("since", now)) > settings.SESSION_COOKIE_AGE:
            reason = services.EndReason.EXPIRED
        elif idle and now - int(data.get("seen", now)) > idle:
            reason = services.EndReason.IDLE
        if reason:
            services.session_mark_ended(session_id=data["id"], reason=reason)
            logout(request)
            if request.path.startswith("/api/"):
                return self.get_response(request)  # no longer signed in: 401
            return redirect_to_login(request.get_full_path())
        user_id, auth_hash = session.get(SESSION_KEY), session.get(HASH_SESSION_KEY)
        response = self.get_response(request)
        self._after(request, data, now, user_id, auth_hash)
        return response

    def _after(
        self, request: HttpRequest, data: dict, now: int, user_id: object, auth_hash: object
    ) -> None:
        session = request.session
        if session.get(SESSION_KEY) != user_id or session.get(services.SESSION_DATA) != data:
            return  # signed out, or signed in afresh, in this request
        if session.get(HASH_SESSION_KEY) != auth_hash:
            # The person changed their password here (update_session_auth_hash kept this
            # session): every other one ends.
            services.sessions_end_all(
                user_id=int(str(user_id)), reason=services.EndReason.PASSWORD, keep_id=data["id"]
            )
        key = session.session_key or ""
        if key != data.get("key") or now - int(data.get("seen", now)) >= services.touch_interval():
            services.session_touch(session_id=data["id"], key=key)
            session[services.SESSION_DATA] = {**data, "key": key, "seen": now}
