"""Which single sign-on an e-mail belongs to, and whether its domain may still use passwords."""

from __future__ import annotations

from typing import Any

from partnerhub.sso.models import SingleSignOn


def domain_of(email: str) -> str:
    """The domain of an e-mail, lower-cased ("" when it has none)."""
    _local, at, domain = (email or "").strip().rpartition("@")
    return domain.strip().lower().rstrip(".") if at else ""


def single_sign_on_for_email(email: str) -> SingleSignOn | None:
    """The single sign-on whose domain is the e-mail's, if any."""
    domain = domain_of(email)
    if not domain:
        return None
    return SingleSignOn.objects.select_related("app", "partner").filter(domain=domain).first()


def passwords_barred(email: str) -> bool:
    """People of this e-mail's domain sign in only through their identity provider."""
    domain = domain_of(email)
    return (
        bool(domain) and SingleSignOn.objects.filter(domain=domain, passwords_barred=True).exists()
    )


def single_sign_on_of_partner(partner: Any) -> SingleSignOn | None:
    return SingleSignOn.objects.select_related("app").filter(partner_id=partner.pk).first()


def single_sign_on_of_provider(provider_id: str) -> SingleSignOn | None:
    """The single sign-on behind allauth's provider id (in the sign-in URLs)."""
    return (
        SingleSignOn.objects.select_related("app", "partner")
        .filter(app__provider_id=provider_id)
        .first()
    )
