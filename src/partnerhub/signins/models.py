"""The sign-in audit (every sign-in, failed sign-in, token use per day …) and people's sessions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partnerhub.core import clock


class Method(models.TextChoices):
    """How someone signed in. `second_step`: with a password and a second step (a code from an
    authenticator app, a security key or a recovery code); a failure of it is the second step's."""

    PASSWORD = "password", _("Password")
    SSO = "sso", _("Single sign-on")
    TOKEN = "token", _("API token")
    SECOND_STEP = "second_step", _("Second step")
    PASSWORD_RESET = "password_reset", _("Password reset")


class Outcome(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class SignIn(models.Model):
    """One sign-in attempt (or a token's first use of a day), kept SIGN_IN_RETENTION_DAYS.

    `partner` is whose audit the row belongs to: the person's partner. A failed sign-in with an
    e-mail nobody has belongs to no partner and keeps no typed e-mail (nothing to leak)."""

    partner = models.ForeignKey(
        "accounts.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sign_ins",
    )
    email = models.CharField(_("e-mail"), max_length=254, blank=True, default="")
    at = models.DateTimeField(_("time"), default=clock.now)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    ip = models.CharField(_("IP address"), max_length=64, blank=True, default="")
    network = models.CharField(max_length=64, blank=True, default="")
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True, default="")
    device = models.CharField(_("device"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        indexes = [
            models.Index(fields=["partner", "-at"]),
            models.Index(fields=["user", "outcome"]),
            models.Index(fields=["at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.email} {self.method} {self.outcome}"


class UserSession(models.Model):
    """A signed-in browser: written at sign-in, its last-seen time refreshed at most every few
    minutes (signins/middleware.py), ended by signing out, by its person or by an administrator."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="browser_sessions"
    )
    session_key = models.CharField(max_length=40, db_index=True)
    ip = models.CharField(_("IP address"), max_length=64, blank=True, default="")
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True, default="")
    device = models.CharField(_("device"), max_length=100, blank=True, default="")
    created = models.DateTimeField(_("signed in"), default=clock.now)
    last_seen = models.DateTimeField(_("last seen"), default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=24, blank=True, default="")

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.device} {self.ip}"
