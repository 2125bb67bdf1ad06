"""Partners (tenants), the people who sign in, and their API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from partnerhub.core import clock
from partnerhub.core.choices import Role


class Partner(models.Model):
    """A partner organization: the tenant every other record hangs from."""

    ext_id = models.CharField(_("id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    # The own organization's first-time set-up (docs/reference/rules.md#orders-and-set-up).
    org_setup_at = models.DateTimeField(null=True, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    terms_accepted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Every person of the partner signs in with a second step (docs/guide/security.md); set by a
    # partner full administrator under Users › Roles and security › Security (twostep app). The
    # database default keeps the loader's raw INSERTs valid.
    require_two_step = models.BooleanField(
        _("require two-step sign-in"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    """Creates people keyed by e-mail."""

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        """Create a person with a hashed password (unusable when none is given)."""
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        """The platform operator: Django admin only, no partner."""
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a partner's person with one role, or a platform operator."""

    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="people"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.USER)
    is_active = models.BooleanField(_("active"), default=True)  # type: ignore[misc]
    # Platform operator (Django admin); never part of a partner's world.
    is_staff = models.BooleanField(_("platform operator"), default=False)
    # The Partner Helpdesk team: a staff role of the operator, not a partner role.
    is_helpdesk = models.BooleanField(_("helpdesk team"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Part of the session auth hash: bumping it (on deactivation) ends every session signed in
    # before, so reactivating the person brings none of them back. The database default keeps
    # the loader's raw INSERTs valid.
    session_generation = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # The language of the person's pages and e-mails; "" until they choose one: their browser's
    # Accept-Language decides their pages, and e-mails go in LANGUAGE_CODE. The database default
    # keeps the loader's raw INSERTs valid (a loaded person has not chosen yet).
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        default="",
        db_default="",
        choices=settings.LANGUAGES,
        help_text=_("The language of your pages and e-mails."),
    )
    # How often the person is e-mailed a digest of their alerts (docs/reference/events.md#digests).
    digest = models.CharField(
        _("alert digest"),
        max_length=8,
        default="weekly",
        db_default="weekly",
        choices=[("off", _("Off")), ("daily", _("Daily")), ("weekly", _("Weekly (Monday)"))],
        help_text=_(
            "An e-mail listing your new and still open alerts; none when there is nothing to say."
        ),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["partner", "role"])]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def get_session_auth_hash(self) -> str:
        # Generation 0 keeps Django's own hash, so sessions from before this field stay valid.
        if not self.session_generation:
            return super().get_session_auth_hash()
        return self._generation_hash(None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        if not self.session_generation:
            yield from super().get_session_auth_fallback_hash()
            return
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._generation_hash(fallback_secret)

    def _generation_hash(self, secret: str | bytes | None) -> str:
        return salted_hmac(
            "partnerhub.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


# How long a new API token lasts unless its creator says otherwise, and the longest they may say.
TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365


def token_default_expiry() -> dt.datetime:
    """A new token's expiry when none is given: TOKEN_DEFAULT_DAYS from now."""
    return clock.now() + dt.timedelta(days=TOKEN_DEFAULT_DAYS)


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the token itself is shown once.

    It works until `expires_at` (excluded) unless revoked; a `read_only` one is refused every
    write; a non-empty `allowed_ips` (networks such as "203.0.113.7/32", "10.0.0.0/8") admits it
    only from those client addresses (accounts/services.py `token_authenticate`).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), default=token_default_expiry)
    read_only = models.BooleanField(_("read-only"), default=False)
    allowed_ips = models.JSONField(_("allowed addresses"), default=list, blank=True)
    # When its person was e-mailed that it expires soon (once per token).
    expiry_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return (now or clock.now()) >= self.expires_at

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def new_raw() -> str:
        return "ph_" + secrets.token_urlsafe(32)


class SignInCounter(models.Model):
    """Failed sign-ins in one window, for an e-mail, a client address, or both (throttle.py)."""

    class Scope(models.TextChoices):
        PAIR = "pair", _("e-mail from one address")
        IDENTITY = "identity", _("e-mail from any address")
        ADDRESS = "address", _("address, any e-mail")

    # A keyed hash of the scope and what is counted: bounded length, and no typed e-mail kept.
    key = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField(db_index=True)
    # When an unlock link was last e-mailed for this e-mail (identity rows only): spaces resends.
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in counter")
        verbose_name_plural = _("sign-in counters")

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]}… {self.failures}"
