"""Factories for Resources & help."""

from __future__ import annotations

import factory

from partnerhub.resources.models import Resource, ResourceClick


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    ext_id = factory.Sequence(lambda n: f"R-T{n:03d}")
    title = factory.Sequence(lambda n: f"Resource {n}")
    url = factory.Sequence(lambda n: f"https://example.com/resource/{n}")
    type = "article"
    products: list[str] = []
    summary = ""
    language = "en"
    body = ""


class ResourceClickFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceClick

    resource = factory.SubFactory(ResourceFactory)
