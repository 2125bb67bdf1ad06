"""Writes about a partner's people: giving roles and inviting people by e-mail (audited)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from partnerhub.accounts.models import ApiToken, User
from partnerhub.accounts.policy import Action, can, role_sees_all_customers
from partnerhub.accounts.signals import sessions_ended
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.choices import Role
from partnerhub.core.events import emit_event
from partnerhub.core.language import speaking_to
from partnerhub.core.validation import check_email


def _check_role(role: Any) -> str:
    if role not in Role.values:
        raise ValidationError(
            {
                "role": [
                    _("Unknown role “%(role)s”: use one of %(roles)s.")
                    % {"role": role, "roles": ", ".join(Role.values)}
                ]
            }
        )
    return str(role)


def user_set_role(*, actor: Any, person: User, role: str) -> User:
    """Give a person of the actor's partner another role (partner full administrators only)."""
    if not can(actor, Action.MANAGE_ROLES):
        raise PermissionDenied
    if person.partner_id != actor.partner_id:
        raise PermissionDenied
    role = _check_role(role)
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        before = person.role
        if before == role:
            return person
        if before == Role.PARTNER_FULL_ADMIN:
            # Lock the partner's full admins so two demotions cannot both pass this check.
            full_admins = list(
                User.objects.select_for_update()
                .filter(partner_id=actor.partner_id, role=Role.PARTNER_FULL_ADMIN, is_active=True)
                .values_list("pk", flat=True)
            )
            if full_admins == [person.pk]:
                raise ValidationError(
                    {
                        "role": [
                            _(
                                "%(person)s is the organization's last partner full administrator; "
                                "give the role to someone else first."
                            )
                            % {"person": person.display_name}
                        ]
                    }
                )
        person.role = role
        person.save(update_fields=["role"])
        if role == Role.USER:
            # Removing the role ends the person's sessions and tokens at once (issue 18).
            user_sessions_end(user=person)
        audit_record(
            actor=actor,
            action="user.role",
            obj_type="user",
            obj_id=person.email,
            partner=actor.partner,
            before={"role": before},
            after={"role": role},
        )
        emit_event(
            "role.changed",
            partner_id=actor.partner_id,
            actor=actor,
            data={
                "email": person.email,
                "name": person.name,
                "role": role,
                "all_customers": role_sees_all_customers(role),
                "before": before,
            },
        )
    return person


def user_sessions_end(*, user: User) -> None:
    """End every session and API token of a person (call when deactivating them): the session
    auth hash changes, so no old session comes back when they are reactivated."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        ApiToken.objects.filter(user_id=user.pk, revoked_at=None).update(revoked_at=clock.now())
        sessions_ended.send(sender=User, user=user)
    user.refresh_from_db(fields=["session_generation"])


def user_invite(
    *, actor: Any, email: str, name: str = "", role: str = Role.USER, base_url: str = ""
) -> User:
    """Create a person of the actor's partner with a role; e-mail them a password-set link."""
    if not can(actor, Action.MANAGE_ROLES):
        raise PermissionDenied
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    check_email(errors, "email", email)
    if errors:
        raise ValidationError(errors)
    role = _check_role(role)
    name = " ".join((name or "").split())[:200]
    with transaction.atomic():
        holder = User.objects.filter(email__iexact=email).first()
        if holder is not None:
            # Only the partner's own people are named; an address of another partner's person
            # (or of the operator's staff) gets the same words as any address that cannot be used.
            message = (
                _("%(email)s is already one of your people.") % {"email": holder.email}
                if holder.partner_id == actor.partner_id
                else _("This e-mail cannot be used.")
            )
            raise ValidationError({"email": [message]})
        person = User.objects.create_user(
            email, None, name=name, partner_id=actor.partner_id, role=role
        )
        audit_record(
            actor=actor,
            action="user.invite",
            obj_type="user",
            obj_id=person.email,
            partner=actor.partner,
            before=None,
            after={"email": person.email, "name": name, "role": role},
        )
        # The invited person has chosen no language yet: they are written to in the one the
        # inviter works in.
        language = translation.get_language()
        transaction.on_commit(
            lambda: _send_invitation(
                person=person, inviter=actor, base_url=base_url, language=language
            )
        )
    return person


def _send_invitation(*, person: User, inviter: Any, base_url: str, language: str | None) -> None:
    """E-mail the password-set link (Django's password-reset token: single use, expires), in
    the person's language, else `language` (the inviter's)."""
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    context = {
        "person": person,
        "inviter": inviter,
        "partner": inviter.partner,
        "link": f"{base_url.rstrip('/')}{path}",
    }
    with speaking_to(person, fallback=language):
        subject = render_to_string("accounts/invite_subject.txt", context).strip()
        body = render_to_string("accounts/invite_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
