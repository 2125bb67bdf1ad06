"""Setting up and removing a partner's single sign-on (audited; the client secret never is)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialAccount, SocialApp
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Partner
from partnerhub.accounts.policy import Action, can
from partnerhub.core.audit import audit_record
from partnerhub.sso.models import PROVIDER, SingleSignOn, provider_id_of

# A DNS name of at least two labels: letters, digits and hyphens, no leading or trailing hyphen.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})+$")
LOOPBACK_NAMES = {"localhost"}
MAX_ISSUER = 500
MAX_CLIENT_ID = 191


def _loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def clean_issuer(value: str) -> str:
    """The issuer URL: https (plain http only on this machine, for trying a provider out), with a
    host, no query or fragment; a trailing slash is dropped."""
    issuer = (value or "").strip()
    if not issuer:
        raise ValidationError({"issuer": _("Enter the issuer URL of your identity provider.")})
    if len(issuer) > MAX_ISSUER:
        raise ValidationError(
            {"issuer": _("The issuer URL is too long (at most %(n)d characters).") % {"n": 500}}
        )
    try:
        parts = urlsplit(issuer)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise ValidationError({"issuer": _("The issuer is not a valid URL.")}) from None
    if parts.scheme not in {"https", "http"} or not host:
        raise ValidationError(
            {"issuer": _("The issuer must be a URL such as https://login.example.com.")}
        )
    if parts.scheme == "http" and not _loopback(host):
        raise ValidationError({"issuer": _("The issuer must use https.")})
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(
            {"issuer": _("The issuer must not contain a query, a fragment or credentials.")}
        )
    return issuer.rstrip("/")


def clean_domain(value: str) -> str:
    domain = (value or "").strip().lower().rstrip(".")
    if domain.startswith("@"):
        domain = domain[1:]
    if not domain:
        raise ValidationError({"domain": _("Enter the e-mail domain, e.g. example.com.")})
    if len(domain) > 253 or not DOMAIN_RE.match(domain):
        raise ValidationError(
            {"domain": _("The e-mail domain must be a domain name such as example.com.")}
        )
    return domain


def _clean_client_id(value: str) -> str:
    client_id = (value or "").strip()
    if not client_id:
        raise ValidationError({"client_id": _("Enter the client ID your identity provider gave.")})
    if len(client_id) > MAX_CLIENT_ID or any(c.isspace() or ord(c) < 32 for c in client_id):
        raise ValidationError(
            {
                "client_id": _("The client ID must be at most %(n)d characters, without spaces.")
                % {"n": MAX_CLIENT_ID}
            }
        )
    return client_id


def _clean_secret(value: str, *, required: bool) -> str:
    secret = (value or "").strip()
    if not secret and required:
        raise ValidationError(
            {"client_secret": _("Enter the client secret your identity provider gave.")}
        )
    if len(secret) > MAX_CLIENT_ID or any(c.isspace() or ord(c) < 32 for c in secret):
        raise ValidationError(
            {
                "client_secret": _(
                    "The client secret must be at most %(n)d characters, without spaces."
                )
                % {"n": MAX_CLIENT_ID}
            }
        )
    return secret


def _audited(sso: SingleSignOn | None) -> dict[str, Any] | None:
    """What the audit keeps of a single sign-on: never the client secret."""
    if sso is None:
        return None
    return {
        "issuer": sso.issuer,
        "client_id": sso.app.client_id,
        "domain": sso.domain,
        "passwords_barred": sso.passwords_barred,
    }


def _check_actor(actor: Any, partner: Partner) -> None:
    """None is the operator (the command line); a person must be the partner's full
    administrator."""
    if actor is None:
        return
    if not can(actor, Action.MANAGE_ROLES) or actor.partner_id != partner.pk:
        raise PermissionDenied


def sso_set(
    actor: Any,
    partner: Partner,
    *,
    issuer: str,
    client_id: str,
    client_secret: str,
    domain: str,
    passwords_barred: bool,
) -> SingleSignOn:
    """Set up (or change) the partner's identity provider for people of `domain`. An empty
    `client_secret` keeps the one already set. Raises ValidationError per field."""
    _check_actor(actor, partner)
    current = SingleSignOn.objects.select_related("app").filter(partner=partner).first()
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for field, clean in (
        ("issuer", lambda: clean_issuer(issuer)),
        ("domain", lambda: clean_domain(domain)),
        ("client_id", lambda: _clean_client_id(client_id)),
        ("client_secret", lambda: _clean_secret(client_secret, required=current is None)),
    ):
        try:
            cleaned[field] = clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    if "domain" in cleaned and (
        SingleSignOn.objects.filter(domain=cleaned["domain"]).exclude(partner=partner).exists()
    ):
        errors.setdefault("domain", []).append(
            _("Another organization already signs in people of this domain.")
        )
    if errors:
        raise ValidationError(errors)
    before = _audited(current)
    with transaction.atomic():
        if current is None:
            app = SocialApp(provider=PROVIDER, provider_id=provider_id_of(partner))
            sso = SingleSignOn(partner=partner)
        else:
            app = current.app
            sso = current
        app.name = partner.name[:40]
        app.client_id = cleaned["client_id"]
        if cleaned["client_secret"]:
            app.secret = cleaned["client_secret"]
        app.settings = {**(app.settings or {}), "server_url": cleaned["issuer"]}
        app.save()
        sso.app = app
        sso.domain = cleaned["domain"]
        sso.passwords_barred = bool(passwords_barred)
        sso.save()
        after = _audited(sso)
        if after != before or (cleaned["client_secret"] and current is not None):
            audit_record(
                actor=actor,
                action="partner.sso_set",
                obj_type="partner",
                obj_id=partner.ext_id,
                partner=partner,
                before=before,
                # Only that the secret changed, never the secret.
                after={**(after or {}), "client_secret_changed": bool(cleaned["client_secret"])},
            )
    return sso


def sso_remove(actor: Any, partner: Partner) -> bool:
    """Remove the partner's single sign-on (its people sign in with passwords again; the links
    of their accounts to the identity provider go too). False if there was none."""
    _check_actor(actor, partner)
    current = SingleSignOn.objects.select_related("app").filter(partner=partner).first()
    if current is None:
        return False
    with transaction.atomic():
        before = _audited(current)
        app = current.app
        current.delete()
        # allauth's accounts linked through this provider (SocialAccount.provider is its id).
        SocialAccount.objects.filter(provider=app.provider_id).delete()
        app.delete()
        audit_record(
            actor=actor,
            action="partner.sso_remove",
            obj_type="partner",
            obj_id=partner.ext_id,
            partner=partner,
            before=before,
            after=None,
        )
    return True
