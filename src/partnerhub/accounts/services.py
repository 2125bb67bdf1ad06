"""Writes about people: passwords, API tokens, roles, their language."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from partnerhub.accounts.models import ApiToken, User
from partnerhub.core import clock
from partnerhub.core.audit import audit_record

log = logging.getLogger(__name__)
# The time of a token's last use is kept to the minute: more often would make every read a write.
TOKEN_TOUCH_EVERY = dt.timedelta(seconds=60)


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
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_EVERY:
        # After the caller's transaction (at once when there is none), never inside it: the
        # bookkeeping must not turn a read into a long write, nor fail the request.
        pk = token.pk
        transaction.on_commit(lambda: _token_touch(pk, now))
    return token.user


def _token_touch(pk: int, now: dt.datetime) -> None:
    """Record when a token was last used (at most once a minute; a busy database skips it)."""
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_TOUCH_EVERY)
    try:
        ApiToken.objects.filter(stale, pk=pk).update(last_used_at=now)
    except DatabaseError:
        # SQLite answers "database is locked" while another writer holds its lock past the
        # busy timeout: the time of last use waits for the next request rather than fail this one.
        log.warning("API token %s: last use not recorded (database busy)", pk, exc_info=True)


def user_set_password(*, user: User, password: str) -> None:
    """Set a sign-in password (validated by the caller's form or the CLI)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=user, action="password.set", obj_type="user", obj_id=user.email)


def user_language_set(*, user: User, language: str) -> None:
    """Keep the language a person chose for their pages and e-mails ("" hands it back to their
    browser). A personal preference, like a token's name: not an audited change."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose one of the languages offered.")]})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
