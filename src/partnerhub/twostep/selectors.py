"""Who must sign in with a second step, and who has one (docs/guide/security.md)."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings

from partnerhub.accounts.models import User
from partnerhub.accounts.policy import may_use_two_step

# The kinds that are a second step by themselves (recovery codes only stand in for them).
SIGNING_KINDS = frozenset({"totp", "webauthn"})


def two_step_required(user: Any) -> bool:
    """The operator requires it of everyone (PARTNERHUB_REQUIRE_MFA), or the person's partner
    requires it of its people (Users › Roles and security › Security); of those who may use it."""
    if not may_use_two_step(user):
        return False
    if settings.PARTNERHUB_REQUIRE_MFA:
        return True
    partner = getattr(user, "partner", None)
    return bool(partner is not None and partner.require_two_step)


def two_step_methods(user: Any) -> list[str]:
    """The person's second steps, by allauth's type names: "totp", "webauthn",
    "recovery_codes" (only the first two sign a person in; recovery codes stand in for them)."""
    return sorted(set(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True)))


def two_step_enabled(user: Any) -> bool:
    """An authenticator app or a security key is set up (recovery codes alone are not a step)."""
    return Authenticator.objects.filter(user_id=user.pk, type__in=SIGNING_KINDS).exists()


def people_without_two_step(partner_id: int) -> int:
    """How many active people of the partner have neither an authenticator app nor a security
    key: one counting query."""
    with_step = Authenticator.objects.filter(type__in=SIGNING_KINDS).values("user_id")
    return (
        User.objects.filter(partner_id=partner_id, is_active=True).exclude(pk__in=with_step).count()
    )


def people_two_step(people: list[User]) -> dict[int, list[str]]:
    """Each person's second steps (as `two_step_methods`), in one query for a page of people."""
    found: dict[int, set[str]] = {person.pk: set() for person in people}
    rows = Authenticator.objects.filter(user_id__in=found).values_list("user_id", "type")
    for user_id, kind in rows:
        found[user_id].add(kind)
    return {pk: sorted(kinds) for pk, kinds in found.items()}
