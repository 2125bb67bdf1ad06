"""Attachment checks: size, and type by extension AND by what the content really is."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_FILES = 5
SNIFF_BYTES = 64 * 1024
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "txt": "text/plain",
    "log": "text/plain",
    "csv": "text/csv",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALLOWED_LABEL = "PDF, PNG, JPG, TXT, LOG, CSV, ZIP, DOCX, XLSX"
_TEXT_CONTROL_OK = {9, 10, 12, 13, 27}


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks: what to store and how to describe it."""

    upload: Any
    name: str
    extension: str
    size: int
    content_type: str


def megabytes(size: int) -> str:
    """A size in MB for people: "10 MB", "10.5 MB"."""
    value = size / (1024 * 1024)
    return f"{value:g} MB" if value == int(value) else f"{value:.1f} MB"


def _head(upload: Any) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return bytes(head)


def _looks_like_text(head: bytes) -> bool:
    """Text (UTF-8 or a single-byte encoding): no NUL bytes and almost no control characters."""
    if b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in _TEXT_CONTROL_OK)
    return controls <= len(head) // 100


def _zip_names(upload: IO[bytes]) -> set[str] | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)


def _content_matches(extension: str, upload: Any, head: bytes) -> bool:
    """Whether the bytes are what the extension claims."""
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in {"jpg", "jpeg"}:
        return head.startswith(b"\xff\xd8\xff")
    if extension in {"txt", "log", "csv"}:
        return _looks_like_text(head)
    if not head.startswith(b"PK"):
        return False
    names = _zip_names(upload)
    if names is None:
        return False
    if extension == "docx":
        return "word/document.xml" in names
    if extension == "xlsx":
        return "xl/workbook.xml" in names
    return True  # zip


def too_large_reason(name: str, size: int) -> str:
    """Why a file of `size` bytes is refused (past HELPDESK_MAX_ATTACHMENT_BYTES)."""
    limit = settings.HELPDESK_MAX_ATTACHMENT_BYTES
    return _(
        "“%(name)s” is too large: %(size)s bytes (%(size_mb)s); "
        "each file may be at most %(limit)s bytes (%(limit_mb)s)."
    ) % {
        "name": name,
        "size": f"{size:,}",
        "size_mb": megabytes(size),
        "limit": f"{limit:,}",
        "limit_mb": megabytes(limit),
    }


def attachment_check(upload: Any) -> tuple[CheckedFile | None, str | None]:
    """Check one upload; answers the checked file, or the reason it is refused (naming it)."""
    name = PurePath(str(upload.name or "")).name[:255] or "attachment"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    limit = settings.HELPDESK_MAX_ATTACHMENT_BYTES
    size = int(upload.size or 0)
    if extension not in CONTENT_TYPES:
        return None, _("“%(name)s” is not an allowed type; allowed: %(allowed)s.") % {
            "name": name,
            "allowed": ALLOWED_LABEL,
        }
    if size > limit:
        return None, too_large_reason(name, size)
    if size == 0:
        return None, _("“%(name)s” is empty.") % {"name": name}
    if not _content_matches(extension, upload, _head(upload)):
        return None, _(
            "“%(name)s” does not contain what its extension says (.%(extension)s); "
            "allowed: %(allowed)s."
        ) % {"name": name, "extension": extension, "allowed": ALLOWED_LABEL}
    return CheckedFile(upload, name, extension, size, CONTENT_TYPES[extension]), None


def attachments_check(uploads: list[Any]) -> tuple[list[CheckedFile], list[str]]:
    """Check every upload; all reasons are answered together so a person fixes them at once."""
    errors: list[str] = []
    if len(uploads) > MAX_FILES:
        errors.append(
            ngettext(
                "Attach at most %(n)d file at a time.",
                "Attach at most %(n)d files at a time.",
                MAX_FILES,
            )
            % {"n": MAX_FILES}
        )
    checked: list[CheckedFile] = []
    for upload in uploads:
        ok, reason = attachment_check(upload)
        if ok is not None:
            checked.append(ok)
        if reason is not None:
            errors.append(reason)
    return checked, errors
