"""Size limits of the helpdesk's uploads, enforced while the request body streams in.

Django reads a multipart body as soon as anything touches `request.POST` (the CSRF check does,
before the view), writing each file to memory or to a temporary file. So the views that accept
files are wrapped by `limit_uploads`: exempt from the middleware's CSRF check, it refuses a
body whose Content-Length passes HELPDESK_MAX_UPLOAD_BYTES without reading a byte of it (413),
installs `AttachmentLimitHandler` in front of Django's handlers, and only then runs the view
with the CSRF check (`csrf_protect`). The handler keeps no more of a file than
HELPDESK_MAX_ATTACHMENT_BYTES and stops the upload past the body limit;
`refused_uploads(request)` gives the messages the view puts on the form (which then stores
nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from partnerhub.helpdesk.attachments import megabytes, too_large_reason

REFUSED_ATTR = "helpdesk_refused_uploads"


def _refuse(request: HttpRequest, message: str) -> None:
    refused: list[str] = getattr(request, REFUSED_ATTR, [])
    if message not in refused:
        refused.append(message)
    setattr(request, REFUSED_ATTR, refused)


def refused_uploads(request: HttpRequest) -> list[str]:
    """Why files of this request were not kept (too large), for the form's attachments field."""
    return list(getattr(request, REFUSED_ATTR, []))


def body_too_large_message(size: int) -> str:
    """The reason a whole upload was refused."""
    limit = settings.HELPDESK_MAX_UPLOAD_BYTES
    return _(
        "The form with its files is %(size)s; at most %(limit)s can be sent at once "
        "(each file may be at most %(file_limit)s). Nothing was saved: go back and attach "
        "fewer or smaller files."
    ) % {
        "size": megabytes(size),
        "limit": megabytes(limit),
        "file_limit": megabytes(settings.HELPDESK_MAX_ATTACHMENT_BYTES),
    }


class AttachmentLimitHandler(FileUploadHandler):
    """Counts the bytes of each file as they arrive. Past HELPDESK_MAX_ATTACHMENT_BYTES the rest
    of the file is counted but no longer handed to the handlers that store it (memory or a
    temporary file), and the file is refused with its real size; past HELPDESK_MAX_UPLOAD_BYTES
    in all the upload stops without reading further."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.total = 0
        self.in_file = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.in_file = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.in_file += len(raw_data)
        self.total += len(raw_data)
        if self.total > settings.HELPDESK_MAX_UPLOAD_BYTES:
            _refuse(self._request(), body_too_large_message(self.total))
            raise StopUpload(connection_reset=True)
        if self.in_file > settings.HELPDESK_MAX_ATTACHMENT_BYTES:
            return None  # dropped: the storing handlers never see more of this file
        return raw_data

    def file_complete(self, file_size: int) -> None:
        if self.in_file > settings.HELPDESK_MAX_ATTACHMENT_BYTES:
            _refuse(
                self._request(), too_large_reason(self.file_name or _("attachment"), self.in_file)
            )
        # The next handlers (memory or temporary file) hand over the file: for one refused here
        # it holds only the first bytes, and the form that reports the refusal stores nothing.

    def _request(self) -> HttpRequest:
        assert self.request is not None
        return self.request


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def limit_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a view that accepts helpdesk files: the body's size is checked and limited before
    anything reads it (see the module's docstring), then the view runs CSRF-checked."""
    checked = csrf_protect(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            size = _content_length(request)
            if size > settings.HELPDESK_MAX_UPLOAD_BYTES:
                # Django never reads more than Content-Length, so this refuses without reading.
                return render(
                    request,
                    "helpdesk/upload_too_large.html",
                    {"message": body_too_large_message(size)},
                    status=413,
                )
            request.upload_handlers.insert(0, AttachmentLimitHandler(request))
        return checked(request, *args, **kwargs)

    return csrf_exempt(wrapper)
