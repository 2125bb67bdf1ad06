"""API shapes of the Partner Helpdesk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class CaseIn(Schema):
    area: str
    severity: int
    subject: str
    description: str
    customer_id: str | None = None


class CommentIn(Schema):
    body: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str


class CommentOut(Schema):
    id: int
    author: str | None = Field(None, alias="author.email")
    by_helpdesk: bool
    body: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    by: str | None = Field(None, alias="by.email")
    at: dt.datetime


class CaseOut(Schema):
    """A case: `id`, `number`, `status`, `comments` and more (docs/reference/api.md#helpdesk)."""

    id: int
    number: str
    status: str
    area: str
    severity: int
    subject: str
    description: str
    customer_id: str | None = Field(None, alias="customer.ext_id")
    partner_id: str = Field(alias="partner.ext_id")
    opened_by: str | None = Field(None, alias="opened_by.email")
    assignee: str | None = Field(None, alias="assignee.email")
    created_at: dt.datetime
    updated_at: dt.datetime
    comments: list[CommentOut]
    status_history: list[StatusChangeOut]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_status_history(obj: Any) -> list[Any]:
        return list(obj.status_changes.all())

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        # The case's own files; those of a comment are listed with the comment.
        prefetched = getattr(obj, "case_attachments", None)
        if prefetched is not None:
            return list(prefetched)
        return list(obj.attachments.filter(comment__isnull=True))


class CasePageOut(Schema):
    count: int
    items: list[CaseOut]
