"""How a typed e-mail finds its person: one normalisation for signing in and for throttling."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from partnerhub.accounts.models import User


def sign_in_identity(typed: str) -> str:
    """The e-mail a sign-in is for: NFKC-normalised (as Django's sign-in form does), trimmed and
    lower-cased like every stored e-mail. The sign-in throttle counts failures on exactly this,
    so look-alike spellings ('ｔomasz@…', 'Tomasz@…') share the counter of the one person."""
    return User.normalize_username(typed or "").strip().lower()


class EmailBackend(ModelBackend):
    """Django's model backend, looking the person up by `sign_in_identity` of the typed e-mail."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        return super().authenticate(request, username=sign_in_identity(username), password=password)

    def get_user(self, user_id: Any) -> User | None:
        """The signed-in person of each request, with their partner in the same query: every
        page reads the partner (the frame, the policy, two-step sign-in's requirement)."""
        user = User._default_manager.select_related("partner").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
