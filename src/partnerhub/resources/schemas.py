"""API shapes of Resources & help."""

from __future__ import annotations

from ninja import Field, Schema


class ResourceOut(Schema):
    """A resource as the API answers it (`id` is the resource's own id, e.g. "R-001")."""

    id: str = Field(alias="ext_id")
    title: str
    url: str
    type: str
    products: list[str]
    summary: str
    language: str
    featured: bool
    quick_link: bool


class ResourcePageOut(Schema):
    count: int
    items: list[ResourceOut]
