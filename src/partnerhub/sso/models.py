"""A partner's single sign-on: its identity provider (an allauth SocialApp) and e-mail domain."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.db import models
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.models import Partner

# allauth's provider for every partner's identity provider; each partner's app has its own id.
PROVIDER = "openid_connect"


def provider_id_of(partner: Partner) -> str:
    """The allauth provider id of the partner's identity provider (in its sign-in URLs)."""
    return f"partner-{partner.pk}"


class SingleSignOn(models.Model):
    """People whose e-mail is in `domain` sign in through the partner's identity provider; with
    `passwords_barred`, only through it. The issuer, client id and secret live on `app`."""

    partner = models.OneToOneField(
        Partner, on_delete=models.CASCADE, related_name="single_sign_on", verbose_name=_("partner")
    )
    domain = models.CharField(_("e-mail domain"), max_length=253, unique=True)
    passwords_barred = models.BooleanField(_("passwords barred"), default=False)
    app = models.OneToOneField(
        SocialApp, on_delete=models.PROTECT, related_name="+", verbose_name=_("identity provider")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("single sign-on")
        verbose_name_plural = _("single sign-ons")

    def __str__(self) -> str:
        return self.domain

    @property
    def issuer(self) -> str:
        return str(self.app.settings.get("server_url", ""))
