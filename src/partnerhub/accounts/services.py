"""Writes about people: passwords, API tokens, roles, their language."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from partnerhub.accounts.models import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, ApiToken, User
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.language import speaking_to

log = logging.getLogger(__name__)
# The time of a token's last use is kept to the minute: more often would make every read a write.
TOKEN_TOUCH_EVERY = dt.timedelta(seconds=60)
# A token's person is e-mailed once when it expires within this (accounts: tokens_expiry_notify).
TOKEN_EXPIRY_NOTICE = dt.timedelta(days=14)
# The most addresses or networks one token's allow-list holds.
TOKEN_MAX_NETWORKS = 50


class TokenRefused(Exception):
    """A known token that may not act: `status` 401 (revoked, expired) or 403 (from an address
    its allow-list does not name, or a write with a read-only token); `message` says which."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class TokenUse:
    """A token that authenticated a request; `first_today` when it is its first use of the UTC
    day (at most once per token and day, however many requests race)."""

    token: ApiToken
    first_today: bool

    @property
    def user(self) -> User:
        return self.token.user


def token_networks(values: Iterable[str] | str) -> list[str]:
    """The allow-list of a token from addresses and networks (a text: one per line, or separated
    by commas or spaces), each checked with `ipaddress`; a ValidationError names `allowed_ips`.
    A bare address allows that address only."""
    texts = [values] if isinstance(values, str) else list(values)
    networks: list[str] = []
    errors: list[str] = []
    for value in (part for text in texts for part in str(text).replace(",", " ").split()):
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError:
            try:
                near = ipaddress.ip_network(value, strict=False)
            except ValueError:
                errors.append(
                    _(
                        "%(value)s is not an IP address or network "
                        "(such as 203.0.113.7 or 10.0.0.0/8)."
                    )
                    % {"value": repr(value[:60])}
                )
            else:
                errors.append(
                    _("%(value)s has bits set after its prefix: did you mean %(network)s?")
                    % {"value": repr(value[:60]), "network": near}
                )
            continue
        if str(network) not in networks:
            networks.append(str(network))
    if len(networks) > TOKEN_MAX_NETWORKS:
        errors.append(
            _("At most %(max)d addresses or networks, got %(count)d.")
            % {"max": TOKEN_MAX_NETWORKS, "count": len(networks)}
        )
    if errors:
        raise ValidationError({"allowed_ips": errors})
    return networks


def token_create(
    *,
    user: User,
    name: str = "",
    expires_in: int | None = None,
    read_only: bool = False,
    allowed_ips: Iterable[str] | str = (),
) -> tuple[ApiToken, str]:
    """Create an API token; returns the stored row and the raw token (shown once, never stored).

    It lasts `expires_in` days (1–TOKEN_MAX_DAYS; default TOKEN_DEFAULT_DAYS), may be read-only,
    and may be limited to client addresses (`token_networks`). Invalid input raises a
    ValidationError naming each field (`expires_in`, `allowed_ips`), and nothing is written."""
    errors: dict[str, list[str]] = {}
    days = TOKEN_DEFAULT_DAYS if expires_in is None else expires_in
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= TOKEN_MAX_DAYS:
        errors["expires_in"] = [
            _("Expected a whole number of days from 1 to %(max)d, got %(value)s.")
            % {"max": TOKEN_MAX_DAYS, "value": repr(expires_in)}
        ]
    try:
        networks = token_networks(allowed_ips)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    raw = ApiToken.new_raw()
    now = clock.now()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:10],
        digest=ApiToken.hash(raw),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
        read_only=bool(read_only),
        allowed_ips=networks,
    )
    return token, raw


def token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of the person's own tokens."""
    ApiToken.objects.filter(user=user, pk=token_id, revoked_at=None).update(revoked_at=clock.now())


def token_authenticate(raw: str, *, address: str = "", write: bool = False) -> TokenUse | None:
    """The use of a raw token by a request from client `address` (`write`: not GET, HEAD or
    OPTIONS), or None when no active person has it. A revoked or expired token, one used from
    an address its allow-list does not name, or a read-only one for a write raises TokenRefused.
    """
    token = (
        ApiToken.objects.select_related("user", "user__partner")
        .filter(digest=ApiToken.hash(raw), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.revoked_at is not None:
        raise TokenRefused(_("This API token was revoked; create a new one."), 401)
    if token.is_expired(now):
        raise TokenRefused(
            _("This API token expired on %(date)s UTC; create a new one.")
            % {"date": token.expires_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")},
            401,
        )
    if token.allowed_ips and not _address_allowed(address, token.allowed_ips):
        raise TokenRefused(
            _("This API token is not allowed from your address (%(address)s).")
            % {"address": address or "?"},
            403,
        )
    if write and token.read_only:
        raise TokenRefused(
            _("This API token is read-only: it may only read (GET), never change anything."),
            403,
        )
    last = token.last_used_at
    first_today = False
    if last is None or last < _day_start(now):
        first_today = _token_first_use_today(token.pk, now)
    elif now - last > TOKEN_TOUCH_EVERY:
        # After the caller's transaction (at once when there is none), never inside it: the
        # bookkeeping must not turn a read into a long write, nor fail the request.
        pk = token.pk
        transaction.on_commit(lambda: _token_touch(pk, now))
    return TokenUse(token=token, first_today=first_today)


def _address_allowed(address: str, networks: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    # An IPv4 client seen through an IPv6 socket ("::ffff:203.0.113.7") is that IPv4 address.
    ips: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ips.append(ip.ipv4_mapped)
    for value in networks:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except (ValueError, TypeError):
            continue
        if any(candidate in network for candidate in ips):
            return True
    return False


def _day_start(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _token_first_use_today(pk: int, now: dt.datetime) -> bool:
    """Claim the token's first use of the UTC day (a conditional write, once a day): True for
    the one request that wins it. A busy database claims nothing; a later request will."""
    unused_today = Q(last_used_at__isnull=True) | Q(last_used_at__lt=_day_start(now))
    try:
        with transaction.atomic():
            return bool(ApiToken.objects.filter(unused_today, pk=pk).update(last_used_at=now))
    except DatabaseError:
        log.warning("API token %s: first use of the day not recorded (database busy)", pk)
        return False


def _token_touch(pk: int, now: dt.datetime) -> None:
    """Record when a token was last used (at most once a minute; a busy database skips it)."""
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_TOUCH_EVERY)
    try:
        ApiToken.objects.filter(stale, pk=pk).update(last_used_at=now)
    except DatabaseError:
        # SQLite answers "database is locked" while another writer holds its lock past the
        # busy timeout: the time of last use waits for the next request rather than fail this one.
        log.warning("API token %s: last use not recorded (database busy)", pk, exc_info=True)


def tokens_expiry_notify(*, now: dt.datetime | None = None) -> int:
    """E-mail each active person whose active tokens expire within TOKEN_EXPIRY_NOTICE (in their
    language, one e-mail listing them); each token is mentioned once (`expiry_notified_at`),
    however often this runs. Tokens made to last no longer than the notice are not mentioned:
    their creator chose a short life. Returns the e-mails sent."""
    now = now or clock.now()
    due = (
        ApiToken.objects.filter(
            revoked_at=None,
            expiry_notified_at=None,
            user__is_active=True,
            expires_at__gt=now,
            expires_at__lte=now + TOKEN_EXPIRY_NOTICE,
        )
        .filter(expires_at__gt=F("created_at") + TOKEN_EXPIRY_NOTICE)
        .select_related("user")
        .order_by("user_id", "expires_at", "pk")
    )
    by_person: dict[int, list[ApiToken]] = {}
    for token in due:
        by_person.setdefault(token.user_id, []).append(token)
    sent = 0
    for tokens in by_person.values():
        # Claimed before sending, so two runs at once cannot both mail a token.
        claimed = [
            t
            for t in tokens
            if ApiToken.objects.filter(pk=t.pk, expiry_notified_at=None).update(
                expiry_notified_at=now
            )
        ]
        if not claimed:
            continue
        person = claimed[0].user
        try:
            _token_expiry_mail(person, claimed)
        except Exception:
            log.exception("API token expiry notice to person %s not sent", person.pk)
            ApiToken.objects.filter(pk__in=[t.pk for t in claimed]).update(expiry_notified_at=None)
            continue
        sent += 1
    return sent


def _token_expiry_mail(person: User, tokens: list[ApiToken]) -> None:
    base = (getattr(settings, "PARTNERHUB_BASE_URL", "") or "http://localhost:8000").rstrip("/")
    context = {"person": person, "tokens": tokens, "link": base + reverse("accounts:tokens")}
    with speaking_to(person):
        subject = render_to_string("accounts/token_expiry_subject.txt", context).strip()
        body = render_to_string("accounts/token_expiry_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])


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
