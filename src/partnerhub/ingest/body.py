"""A `POST /api/v1/ingest` body: its size limits, and its copy in the data directory.

The body is copied to a file as it arrives (never held in memory), counting bytes against
INGEST_MAX_BODY_BYTES, which is also checked from Content-Length before anything is read. Its
unpacked size is then measured against INGEST_MAX_UNPACKED_BYTES by unpacking it once (in C,
a second or two at the limit), so a decompression bomb answers 413 at once rather than as a job
that fails later. The file serves the load within the request, or a background job.
"""

from __future__ import annotations

import io
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from partnerhub.ingest.errors import TooLarge
from partnerhub.ingest.reader import GZIP_MAGIC, Source, open_lines
from partnerhub.ingest.spool import work_dir

BLOCK = 1 << 20


@dataclass
class Body:
    """A received body: its file and sizes as sent and unpacked."""

    path: Path
    size: int
    unpacked: int

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def body_source(path: Path) -> Source:
    """The load's input for a body file (unnamed: errors say "line N", as for the request)."""
    return Source(
        None, lambda: open(path, "rb"), path.stat().st_size, settings.INGEST_MAX_UNPACKED_BYTES
    )


def body_receive(request: HttpRequest) -> Body:
    """Copy the request's body into a new file of the data directory and measure it.

    Raises `TooLarge` (and keeps no file) when the body or its unpacked content is over a limit.
    """
    limit = settings.INGEST_MAX_BODY_BYTES
    declared = str(request.META.get("CONTENT_LENGTH") or "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(limit, "INGEST_MAX_BODY_BYTES")
    # The body is streamed, not read whole, unless something has read it already.
    stream: Any = io.BytesIO(request.body) if hasattr(request, "_body") else request
    fd, name = tempfile.mkstemp(prefix="body-", suffix=".bin", dir=work_dir())
    path = Path(name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            # Counted as it arrives too: Content-Length may be absent or lie.
            while block := stream.read(BLOCK):
                size += len(block)
                if size > limit:
                    raise TooLarge(limit, "INGEST_MAX_BODY_BYTES")
                out.write(block)
        return Body(path, size, unpacked_size(path, size))
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def unpacked_size(path: Path, size: int) -> int:
    """The size of the file's content after gunzip; `TooLarge` past INGEST_MAX_UNPACKED_BYTES."""
    limit = settings.INGEST_MAX_UNPACKED_BYTES
    with open(path, "rb") as raw:
        if raw.read(2) != GZIP_MAGIC:
            if size > limit:
                raise TooLarge(limit, "INGEST_MAX_UNPACKED_BYTES")
            return size
        raw.seek(0)
        stream: Any = open_lines(raw, limit)
        buffer = bytearray(BLOCK)
        total = 0
        try:
            while n := stream.readinto(buffer):
                total += n
        except (OSError, EOFError, zlib.error):
            pass  # a broken gzip stream: the load names it as the body's error
        return total
