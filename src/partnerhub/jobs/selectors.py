"""Reads of background jobs, scoped: a job is seen by its creator and its partner's full admins."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from partnerhub.accounts.policy import Action, can, is_partner_admin
from partnerhub.jobs.models import Job


def job_scope(user: Any) -> QuerySet[Job]:
    """The jobs `user` may see: those they started, and all of their partner's for full admins."""
    if not is_partner_admin(user):
        return Job.objects.none()
    mine = Q(created_by_id=user.pk)
    if can(user, Action.VIEW_PARTNER_JOBS):
        mine |= Q(partner_id=user.partner_id)
    # A person who moved to another partner no longer sees the jobs they started there.
    return Job.objects.filter(mine, partner_id=user.partner_id)


def job_get(user: Any, public_id: str) -> Job:
    """The job with that public id if `user` may see it, else 404 (ids never leak)."""
    job = job_scope(user).filter(public_id=public_id).first()
    if job is None:
        raise Http404(_("No such job."))
    return job
