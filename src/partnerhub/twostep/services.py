"""Changing two-step sign-in for others: the partner's requirement and a person's reset."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string

from partnerhub.accounts.models import Partner, User
from partnerhub.accounts.policy import Action, can
from partnerhub.accounts.signals import sessions_ended
from partnerhub.core.audit import audit_record
from partnerhub.core.language import speaking_to


def partner_require_two_step(*, actor: Any, require: bool) -> Partner:
    """A partner full administrator requires (or stops requiring) two-step sign-in of every person
    of the partner; audited. People without it are sent to set it up at their next request."""
    if not can(actor, Action.MANAGE_ROLES):
        raise PermissionDenied
    partner = actor.partner
    if partner.require_two_step == require:
        return partner
    with transaction.atomic():
        Partner.objects.filter(pk=partner.pk).update(require_two_step=require)
        audit_record(
            actor=actor,
            action="partner.require_two_step",
            obj_type="partner",
            obj_id=partner.ext_id,
            partner=partner,
            before={"require_two_step": partner.require_two_step},
            after={"require_two_step": require},
        )
    partner.require_two_step = require
    return partner


def two_step_reset(*, actor: Any, person: User) -> int:
    """A partner full administrator removes a person's authenticator app, security keys and
    recovery codes (a lost phone); audited and e-mailed to the person, who is signed out
    everywhere (what lost the phone may have lost a browser too). Returns how many were removed.
    If the partner requires two-step sign-in, the next sign-in sets it up again."""
    if not can(actor, Action.MANAGE_ROLES) or person.partner_id != actor.partner_id:
        raise PermissionDenied
    with transaction.atomic():
        rows = Authenticator.objects.filter(user_id=person.pk)
        kinds = sorted(set(rows.values_list("type", flat=True)))
        count, _ = rows.delete()
        User.objects.filter(pk=person.pk).update(session_generation=F("session_generation") + 1)
        sessions_ended.send(sender=User, user=person)
        audit_record(
            actor=actor,
            action="user.two_step_reset",
            obj_type="user",
            obj_id=person.email,
            partner=actor.partner,
            before={"two_step": kinds},
            after={"two_step": []},
        )
        transaction.on_commit(lambda: _reset_mail(person=person, actor=actor))
    return count


def _reset_mail(*, person: User, actor: Any) -> None:
    context = {
        "person": person,
        "actor": actor,
        "base_url": settings.PARTNERHUB_BASE_URL.rstrip("/"),
    }
    with speaking_to(person):
        subject = render_to_string("twostep/reset_subject.txt", context).strip()
        body = render_to_string("twostep/reset_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
