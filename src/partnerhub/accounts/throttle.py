"""Sign-in throttling, shared by the people's sign-in and the operator's /operator/login/.

Failed sign-ins are counted in the database (`SignInCounter`), so every worker and node sees
the same counts, in fixed windows of LOGIN_LOCKOUT_SECONDS:

- the e-mail from one client address: refused after LOGIN_MAX_FAILURES. A guesser there is
  stopped; the person signing in from elsewhere is not.
- the e-mail from any address: refused after LOGIN_IDENTITY_MAX_FAILURES (a guesser with many
  addresses). The person lifts it with a single-use link e-mailed to them when the lock engages
  (or on request), or by resetting the password.
- the client address, whatever the e-mail: refused after LOGIN_IP_MAX_FAILURES.

The e-mail is counted as the backend looks it up (`sign_in_identity`), so look-alike spellings
share one counter. An attempt is counted before its password is checked, so parallel guesses
cannot slip past a limit; a refused or successful attempt is given back. Every answer is the same
whether or not a person uses the e-mail.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import ngettext

from partnerhub.accounts.backends import sign_in_identity
from partnerhub.accounts.models import SignInCounter, User
from partnerhub.core import clock
from partnerhub.core.language import speaking_to

Scope = SignInCounter.Scope
# An unlock link is e-mailed when the lock engages; asking again sends another at most this often,
# so nobody can flood a person's mailbox from the sign-in page.
UNLOCK_MAIL_SPACING = dt.timedelta(minutes=5)
# Browsers that followed an unlock link pass the e-mail's own lock for a window (session key).
UNLOCKED_SESSION_KEY = "signin_unlocked"


def client_address(request: HttpRequest) -> str:
    """The client's address as the throttle counts it (`client_ip`): IPv6 clients count per /64,
    which one client usually holds whole."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the configured trusted proxy header's entry that many
    proxies from the right (also what an API token's allow-list is checked against)."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    header = settings.PARTNERHUB_TRUSTED_PROXY_HEADER
    if header:
        meta_key = header if header.startswith("HTTP_") else header.upper().replace("-", "_")
        meta_key = meta_key if meta_key.startswith("HTTP_") else f"HTTP_{meta_key}"
        hops = [h.strip() for h in request.META.get(meta_key, "").split(",") if h.strip()]
        count = settings.PARTNERHUB_TRUSTED_PROXY_COUNT
        # Fewer entries than proxies: the request did not come through them all; the header
        # cannot be believed, so the direct peer is counted instead.
        if len(hops) >= count:
            address = hops[-count]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address[:64]


def _key(scope: str, *parts: str) -> str:
    # Keyed (SECRET_KEY) so the stored keys do not give the typed e-mails back.
    return salted_hmac(
        "partnerhub.accounts.throttle", "\x00".join((scope, *parts)), algorithm="sha256"
    ).hexdigest()


@dataclass(frozen=True)
class Refusal:
    """Why an attempt was refused, and for how long."""

    scope: str
    retry_after: int  # seconds

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def can_unlock(self) -> bool:
        """An e-mailed link lifts the e-mail's locks, not a whole address's."""
        return self.scope != Scope.ADDRESS

    @property
    def message(self) -> str:
        minutes = self.minutes
        if self.scope == Scope.IDENTITY:
            return ngettext(
                "Too many failed sign-ins for this e-mail from several places, so signing in "
                "with it is locked. If an account uses this e-mail, a link to unlock it has been "
                "sent there. Otherwise try again in %(minutes)d minute.",
                "Too many failed sign-ins for this e-mail from several places, so signing in "
                "with it is locked. If an account uses this e-mail, a link to unlock it has been "
                "sent there. Otherwise try again in %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
        if self.scope == Scope.ADDRESS:
            return ngettext(
                "Too many failed sign-ins from your network. Try again in %(minutes)d minute.",
                "Too many failed sign-ins from your network. Try again in %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
        return ngettext(
            "Too many failed sign-ins for this e-mail from here. Try again in %(minutes)d minute.",
            "Too many failed sign-ins for this e-mail from here. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}


@dataclass
class Attempt:
    """One sign-in attempt, counted up front; `refusal` is set when it may not go ahead."""

    identity: str
    keys: dict[str, str]
    failures: dict[str, int]
    refusal: Refusal | None = None


def _keys(identity: str, address: str) -> dict[str, str]:
    return {
        Scope.PAIR: _key(Scope.PAIR, identity, address),
        Scope.IDENTITY: _key(Scope.IDENTITY, identity),
        Scope.ADDRESS: _key(Scope.ADDRESS, address),
    }


def _count_one(scope: str, key: str, now: dt.datetime) -> None:
    """Add one failure to a counter, starting a new window when its window has ended."""
    ended = Q(window_end__lte=now)
    window_end = now + dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)

    def bump() -> int:
        # One UPDATE: atomic per row on every database, whatever other workers do meanwhile.
        return SignInCounter.objects.filter(key=key).update(
            failures=Case(When(ended, then=Value(1)), default=F("failures") + 1),
            window_start=Case(
                When(ended, then=Value(now)),
                default=F("window_start"),
                output_field=DateTimeField(),
            ),
            window_end=Case(
                When(ended, then=Value(window_end)),
                default=F("window_end"),
                output_field=DateTimeField(),
            ),
            mailed_at=Case(
                When(ended, then=Value(None)),
                default=F("mailed_at"),
                output_field=DateTimeField(),
            ),
        )

    if bump():
        return
    try:
        with transaction.atomic():
            SignInCounter.objects.create(
                key=key, scope=scope, failures=1, window_start=now, window_end=window_end
            )
    except IntegrityError:
        bump()  # another worker created the row a moment ago


def _give_back(keys: Iterable[str]) -> None:
    SignInCounter.objects.filter(key__in=list(keys), failures__gt=0).update(
        failures=F("failures") - 1
    )


def _current(keys: Iterable[str], now: dt.datetime) -> dict[str, SignInCounter]:
    rows = SignInCounter.objects.filter(key__in=list(keys), window_end__gt=now)
    return {row.scope: row for row in rows}


def _unlocked_here(request: HttpRequest, identity_key: str, now: dt.datetime) -> bool:
    until = request.session.get(UNLOCKED_SESSION_KEY, {}).get(identity_key, 0)
    return bool(until > now.timestamp())


def attempt_begin(request: HttpRequest, typed_email: str) -> Attempt:
    """Count a sign-in attempt before its password is checked; refuse it over any limit."""
    identity = sign_in_identity(typed_email)
    keys = _keys(identity, client_address(request))
    now = clock.now()
    # Ended windows are dropped here, on the way: one indexed DELETE, no scheduler needed.
    SignInCounter.objects.filter(window_end__lte=now).delete()
    with transaction.atomic():
        # Always in the same order, so two workers never wait on each other's rows crosswise.
        for scope, key in sorted(keys.items(), key=lambda item: item[1]):
            _count_one(scope, key, now)
        rows = _current(keys.values(), now)
    failures = {scope: row.failures for scope, row in rows.items()}
    attempt = Attempt(identity=identity, keys=keys, failures=failures)
    limits = [
        (Scope.PAIR, settings.LOGIN_MAX_FAILURES),
        (Scope.IDENTITY, settings.LOGIN_IDENTITY_MAX_FAILURES),
        (Scope.ADDRESS, settings.LOGIN_IP_MAX_FAILURES),
    ]
    for scope, limit in limits:
        row = rows.get(scope)
        if row is None or row.failures <= limit:
            continue
        if scope == Scope.IDENTITY and _unlocked_here(request, keys[scope], now):
            continue
        retry_after = math.ceil((row.window_end - now).total_seconds())
        attempt.refusal = Refusal(scope=scope, retry_after=max(retry_after, 1))
        # A refused attempt checked no password: it is not a failure.
        _give_back(keys.values())
        break
    return attempt


def attempt_failed(request: HttpRequest, attempt: Attempt) -> None:
    """The password was wrong (already counted); the failure that locks the e-mail mails a link."""
    if attempt.failures.get(Scope.IDENTITY, 0) >= settings.LOGIN_IDENTITY_MAX_FAILURES:
        _mail_unlock_link(request, attempt.identity)


def attempt_succeeded(attempt: Attempt) -> None:
    """Signed in: the person's own mistakes from this address are forgiven, and this attempt is
    not held against the e-mail or the address (earlier failures there still count)."""
    SignInCounter.objects.filter(key=attempt.keys[Scope.PAIR]).delete()
    _give_back([attempt.keys[Scope.IDENTITY], attempt.keys[Scope.ADDRESS]])


def unlock_request(request: HttpRequest, typed_email: str) -> None:
    """'E-mail me a link to unlock' from a refused sign-in: mails the person when their e-mail is
    locked (here or everywhere). Nothing tells the asker whether anyone uses the e-mail."""
    identity = sign_in_identity(typed_email)
    keys = _keys(identity, client_address(request))
    rows = _current([keys[Scope.PAIR], keys[Scope.IDENTITY]], clock.now())
    pair, everywhere = rows.get(Scope.PAIR), rows.get(Scope.IDENTITY)
    if (pair and pair.failures >= settings.LOGIN_MAX_FAILURES) or (
        everywhere and everywhere.failures >= settings.LOGIN_IDENTITY_MAX_FAILURES
    ):
        _mail_unlock_link(request, identity)


def _mail_unlock_link(request: HttpRequest, identity: str) -> None:
    now = clock.now()
    # Claim the mailing on the counter row, so concurrent failures send one e-mail, not many.
    claimed = (
        SignInCounter.objects.filter(key=_key(Scope.IDENTITY, identity), window_end__gt=now)
        .filter(Q(mailed_at__isnull=True) | Q(mailed_at__lte=now - UNLOCK_MAIL_SPACING))
        .update(mailed_at=now)
    )
    if not claimed:
        return
    user = User.objects.filter(email=identity, is_active=True).first()
    if user is None:
        return
    path = reverse(
        "accounts:unlock",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": unlock_tokens.make_token(user),
        },
    )
    context = {"person": user, "link": request.build_absolute_uri(path)}
    # In the person's language; if they have chosen none, in that of the page they asked on.
    with speaking_to(user, fallback=translation.get_language()):
        subject = render_to_string("registration/unlock_subject.txt", context).strip()
        body = render_to_string("registration/unlock_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _lock_started(user: User) -> dt.datetime | None:
    return (
        SignInCounter.objects.filter(
            key=_key(Scope.IDENTITY, sign_in_identity(user.email)), window_end__gt=clock.now()
        )
        .values_list("window_start", flat=True)
        .first()
    )


class UnlockTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset tokens, bound to the lock they lift: once the lock is lifted (or
    its window ends) the token no longer verifies, so each link works once."""

    key_salt = "partnerhub.accounts.throttle.UnlockTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:  # type: ignore[override]
        started = _lock_started(user)
        return f"{user.pk}{user.password}{timestamp}{started.isoformat() if started else ''}"


unlock_tokens = UnlockTokenGenerator()


def unlock_link_person(uidb64: str, token: str) -> User | None:
    """The person an unlock link is for, while it is valid (their e-mail still has a lock)."""
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
    if _lock_started(user) is None or not unlock_tokens.check_token(user, token):
        return None
    return user


def identity_unlock(request: HttpRequest, email: str) -> None:
    """Lift the e-mail's lock everywhere and from this address, and let this browser pass the
    e-mail's lock for a window, so a guesser elsewhere cannot lock the person out again at once."""
    identity = sign_in_identity(email)
    keys = _keys(identity, client_address(request))
    SignInCounter.objects.filter(key__in=[keys[Scope.IDENTITY], keys[Scope.PAIR]]).delete()
    until = clock.now().timestamp() + settings.LOGIN_LOCKOUT_SECONDS
    unlocked = dict(request.session.get(UNLOCKED_SESSION_KEY, {}))
    unlocked[keys[Scope.IDENTITY]] = until
    request.session[UNLOCKED_SESSION_KEY] = unlocked
