"""Writes about people: passwords, API tokens, roles."""

from __future__ import annotations

from django.db import transaction

from partnerhub.accounts.models import ApiToken, User
from partnerhub.core import clock
from partnerhub.core.audit import audit_record


def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token; returns the stored row and the raw token (shown once, never stored)."""
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=raw[:10], digest=ApiToken.hash(raw)
    )
    return token, raw


def token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of the person's own tokens."""
    ApiToken.objects.filter(user=user, pk=token_id, revoked_at=None).update(revoked_at=clock.now())


def token_authenticate(raw: str) -> User | None:
    """The active person a raw token belongs to, or None."""
    token = (
        ApiToken.objects.select_related("user", "user__partner")
        .filter(digest=ApiToken.hash(raw), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_set_password(*, user: User, password: str) -> None:
    """Set a sign-in password (validated by the caller's form or the CLI)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=user, action="password.set", obj_type="user", obj_id=user.email)
