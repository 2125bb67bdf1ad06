"""What the sign-in audit listens to: Django's sign-in signals and accounts' own
(connected in apps.py; accounts never imports this module)."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from partnerhub.accounts.backends import sign_in_identity
from partnerhub.accounts.models import User
from partnerhub.accounts.signals import password_reset, sessions_ended, token_used
from partnerhub.signins import services
from partnerhub.signins.models import Method, Outcome


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    # A later sign-in method (single sign-on) names itself on the request.
    method = getattr(request, "sign_in_method", Method.PASSWORD)
    services.session_start(request=request, user=user, method=method)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    typed = credentials.get("username") or credentials.get("email") or ""
    person = User.objects.filter(email=sign_in_identity(str(typed))).first() if typed else None
    method = getattr(request, "sign_in_method", Method.PASSWORD)
    services.sign_in_record(request=request, method=method, outcome=Outcome.FAILED, user=person)


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    data = request.session.get(services.SESSION_DATA) if request is not None else None
    if isinstance(data, dict) and data.get("id"):
        services.session_mark_ended(session_id=data["id"], reason=services.EndReason.SIGNED_OUT)


def on_second_step_failed(
    sender: Any, request: HttpRequest | None, user: User, reauthentication: bool = False, **kw: Any
) -> None:
    """A wrong code from the authenticator app (or a used or wrong recovery code), from
    django-allauth's mfa signal."""
    services.sign_in_record(
        request=request, method=Method.SECOND_STEP, outcome=Outcome.FAILED, user=user
    )


def on_token_used(
    sender: Any, token: Any, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    services.sign_in_record(
        request=request, method=Method.TOKEN, outcome=Outcome.SUCCEEDED, user=token.user
    )


def on_password_reset(
    sender: Any, user: User, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    services.sign_in_record(
        request=request, method=Method.PASSWORD_RESET, outcome=Outcome.SUCCEEDED, user=user
    )
    services.sessions_end_all(user_id=user.pk, reason=services.EndReason.PASSWORD)


def on_sessions_ended(sender: Any, user: User, **kwargs: Any) -> None:
    services.sessions_end_all(user_id=user.pk, reason=services.EndReason.DEACTIVATED)


def connect() -> None:
    uid = "partnerhub.signins"
    user_logged_in.connect(on_logged_in, dispatch_uid=f"{uid}.logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid=f"{uid}.login_failed")
    user_logged_out.connect(on_logged_out, dispatch_uid=f"{uid}.logged_out")
    mfa_signals.authentication_failed.connect(
        on_second_step_failed, dispatch_uid=f"{uid}.second_step_failed"
    )
    token_used.connect(on_token_used, dispatch_uid=f"{uid}.token_used")
    password_reset.connect(on_password_reset, dispatch_uid=f"{uid}.password_reset")
    sessions_ended.connect(on_sessions_ended, dispatch_uid=f"{uid}.sessions_ended")
