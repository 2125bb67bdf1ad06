"""django-allauth adapters: nobody signs themselves up; authenticator apps show the e-mail."""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest

from partnerhub.core.language import speaking_to


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People are invited by their partner's full administrator (Users › Invite).
        return False

    def send_notification_mail(
        self,
        template_prefix: str,
        user: Any,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        """allauth's security notices (an authenticator app or key added or removed, new
        recovery codes) go to the person's e-mail, in their language. People have no allauth
        e-mail address rows: the account's own e-mail is theirs."""
        with speaking_to(user):
            super().send_notification_mail(template_prefix, user, context, email or user.email)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """allauth asks for the password again before a change to the second step; a password
        (or second step) given in the last ACCOUNT_REAUTHENTICATION_TIMEOUT seconds, when
        signing in, counts, so the set-up right after signing in does not ask twice."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return True
        horizon = time.time() - account_settings.REAUTHENTICATION_TIMEOUT
        return not any(
            record.get("at", 0) >= horizon for record in get_authentication_records(request, user)
        )


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_label(self, user: Any) -> str:
        return str(user.email)
