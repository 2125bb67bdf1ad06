"""Factories for the Partner Helpdesk: the operator's team, cases and comments."""

from __future__ import annotations

import factory

from partnerhub.helpdesk.models import Case, Comment, StatusChange
from tests.factories import PartnerFactory, UserFactory


class HelpdeskUserFactory(UserFactory):
    """A member of the operator's Partner Helpdesk team (no partner)."""

    partner = None
    role = "user"
    is_helpdesk = True
    email = factory.Sequence(lambda n: f"agent{n}@helpdesk.example")


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    area = "calling"
    severity = 3
    subject = factory.Sequence(lambda n: f"Problem {n}")
    description = "Calls drop after 30 seconds."
    status = "new"

    @factory.post_generation
    def numbered(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.number = f"PH-2026-{obj.pk:06d}"
            obj.save(update_fields=["number"])
            StatusChange.objects.create(case=obj, to_status="new", by=obj.opened_by)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    case = factory.SubFactory(CaseFactory)
    body = "More details."
