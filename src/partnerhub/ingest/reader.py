"""Reading dataset files line by line in a thread of its own, handing batches of staged rows over.

Parsing and checking lines is pure Python; writing them is the database's work. Doing the first
in this thread while the loading thread waits on the database keeps both CPU cores busy. The queue
between them is bounded, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import gzip
import io
import os
import queue
import re
import sys
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from partnerhub.ingest.errors import MAX_REPORTED_ERRORS, LineError, SourceError, TooLarge
from partnerhub.ingest.kinds import Chunk, Context
from partnerhub.ingest.lines import Problems, bad_id, parse_line
from partnerhub.ingest.progress import Progress

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"
# A longer line is refused without being held whole, so memory stays flat for any input.
MAX_LINE_BYTES = 1 << 20
# Blank lines in a row after which the rest of the run is skipped in bulk, and the length of a run
# that made the bulk skip worth it (shorter ones make `read_lines` wait for longer runs).
BLANK_RUN = 32
BLANK_RUN_PAYS = 4096
_NOT_BLANK = re.compile(rb"[^ \t\n\r\x0b\x0c]")  # bytes.isspace()'s complement
# The setting named when an input unpacks past its limit (the API's; the CLI has none).
MAX_UNPACKED_SETTING = "INGEST_MAX_UNPACKED_BYTES"


def _body() -> str:
    """How a message names an input that has no file name: the API request's body."""
    return pgettext("the input of an API request", "body")


@dataclass
class Source:
    """One input: a file, standard input, or a request body."""

    label: str | None
    open: Callable[[], io.IOBase]
    size: int | None = None
    max_unpacked: int | None = None  # bytes after gunzip; more raises `TooLarge`


def file_source(path: str) -> Source:
    """A `.jsonl` or `.jsonl.gz` file (recognised by its first bytes), or `-` for stdin."""
    if path == "-":
        return Source("-", lambda: _Unclosable(sys.stdin.buffer))
    return Source(path, lambda: open(path, "rb"), os.path.getsize(path))


def stream_source(stream: Any, label: str | None = None) -> Source:
    """Any readable binary stream (a request body, a BytesIO)."""
    return Source(label, lambda: _Unclosable(stream))


class _Unclosable(io.RawIOBase):
    """Reads from a stream the load does not own (stdin, a request) without closing it."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_lines(stream: BinaryIO) -> Iterator[bytes | int | None]:
    """The lines of `stream`: bytes for a line, None for a line longer than `MAX_LINE_BYTES`
    (skipped), and an int n for n blank lines in a row (skipped).

    Blank lines are counted, never handed on one by one: a long run of them is consumed straight
    from the stream's buffer in C (`_skip_blank`), so a body of newlines costs no Python per line
    (it cost ~12 µs a line in the JSON parser's error path: 1 GiB of newlines took an hour).
    """
    readline = stream.readline
    peek = getattr(stream, "peek", None)
    limit = MAX_LINE_BYTES + 1
    blank = 0
    bulk_after = BLANK_RUN
    while line := readline(limit):
        if len(line) == limit and not line.endswith(b"\n"):
            if blank:
                yield blank
                blank = 0
            while (rest := readline(limit)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        if line.isspace():
            blank += 1
            if blank >= bulk_after and peek is not None:
                skipped = _skip_blank(stream, peek)
                blank += skipped
                if skipped < BLANK_RUN_PAYS:
                    # Short runs between lines: peeking (a copy of the buffer) would cost more
                    # than it saves, so wait for longer runs before peeking again.
                    bulk_after = min(bulk_after * 2, 1 << 16)
            continue
        if blank:
            yield blank
            blank = 0
        yield line
    if blank:
        yield blank


def _skip_blank(stream: BinaryIO, peek: Callable[[int], bytes]) -> int:
    """Consume the whole blank lines at the stream's position (without reading past the last
    newline before anything else); how many there were."""
    skipped = 0
    while True:
        ahead = peek(1)
        if not ahead:
            return skipped
        found = _NOT_BLANK.search(ahead)
        end = ahead.rfind(b"\n", 0, found.start() if found else len(ahead)) + 1
        if end:
            skipped += ahead.count(b"\n", 0, end)
            stream.read(end)
        if found or not end:
            return skipped


class _Limited(io.RawIOBase):
    """Reads at most `limit` bytes from `stream`, then raises `TooLarge` (a decompression bomb
    is refused as soon as it unpacks past the limit, not once it has all been read)."""

    def __init__(self, stream: Any, limit: int, setting: str) -> None:
        self.stream = stream
        self.limit = limit
        self.setting = setting
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n: int = self.stream.readinto(buffer)
        self.total += n
        if self.total > self.limit:
            raise TooLarge(self.limit, self.setting)
        return n


def open_lines(raw: io.IOBase, max_unpacked: int | None = None) -> BinaryIO:
    """A buffered line reader over `raw`, decompressing gzip when the data starts with its magic;
    with `max_unpacked`, reading past that many (unpacked) bytes raises `TooLarge`."""
    buffered: Any = raw if hasattr(raw, "peek") else io.BufferedReader(raw, 1 << 20)  # type: ignore[arg-type]
    unpacked: Any = buffered
    if buffered.peek(2)[:2] == GZIP_MAGIC:
        unpacked = gzip.GzipFile(fileobj=buffered, mode="rb")
    elif max_unpacked is None:
        return buffered  # type: ignore[no-any-return]
    if max_unpacked is not None:
        unpacked = _Limited(unpacked, max_unpacked, MAX_UNPACKED_SETTING)
    return io.BufferedReader(unpacked, 1 << 20)  # type: ignore[return-value]


@dataclass
class Batch:
    """Lines handed from the reader to the loader: staged rows and the problems found."""

    rows: dict[str, Any]  # staging table -> rows (or their COPY text)
    counts: dict[str, int]  # staging table -> rows
    errors: list[LineError]
    error_count: int
    bad_ids: list[tuple[int, str, str]]
    first_seq: int
    last_seq: int
    chunk: Chunk | None = None  # set on the batch that closes a chunk
    share_read: float | None = None  # of all input bytes, when the sizes are known


@dataclass
class Summary:
    """What the reader saw: lines, valid lines per kind, where each file starts."""

    lines: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    starts: list[tuple[int, str | None]] = field(default_factory=list)
    stopped_at: int | None = None  # the line after which reading stopped (too many errors)


class Stopped(Exception):
    """The loading thread gave up; the reader ends quietly."""


class Reader(threading.Thread):
    """Parses and checks every line of the sources, putting `Batch`es on `out`."""

    def __init__(
        self,
        sources: list[Source],
        ctx: Context,
        out: queue.Queue[tuple[str, Any]],
        *,
        batch_lines: int,
        chunk_lines: int,
        progress: Progress | None,
        encode: Callable[[str, list[tuple[Any, ...]]], Any] | None = None,
        max_errors: int | None = None,
    ) -> None:
        super().__init__(name="ingest-reader", daemon=True)
        self.encode = encode
        self.sources = sources
        self.ctx = ctx
        self.out = out
        self.batch_lines = batch_lines
        self.chunk_lines = chunk_lines
        self.progress = progress
        self.language = translation.get_language()
        self.stop = threading.Event()
        self.stored_errors = 0
        self.errors_seen = 0  # problems in the batches handed on so far
        self.max_errors = max_errors
        self.current: io.IOBase | None = None  # the file being read

    def run(self) -> None:
        try:
            with translation.override(self.language):
                summary = self.read()
            self.put(("done", summary))
        except Stopped:
            return
        except BaseException as exc:  # handed to the loading thread, which re-raises it
            try:
                self.put(("error", exc))
            except Stopped:
                return

    def put(self, item: tuple[str, Any]) -> None:
        while True:
            if self.stop.is_set():
                raise Stopped
            try:
                self.out.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def read(self) -> Summary:
        ctx = self.ctx
        summary = Summary()
        counts = summary.counts
        seq = 0
        first_seq = 1
        in_batch = in_chunk = 0
        errors: list[LineError] = []
        error_count = 0
        bad_ids: list[tuple[int, str, str]] = []
        sizes_known = all(s.size for s in self.sources)
        total_bytes = sum(s.size or 0 for s in self.sources)
        done_bytes = 0  # bytes of the files before the current one
        progress = self.progress

        def position() -> int:
            handle = self.current
            return done_bytes + (handle.tell() if handle is not None and sizes_known else 0)

        def flush(closes_chunk: bool) -> None:
            nonlocal errors, error_count, bad_ids, first_seq, in_batch, in_chunk
            rows: dict[str, Any] = ctx.rows
            counts = {table: len(table_rows) for table, table_rows in rows.items()}
            if self.encode is not None:
                rows = {table: self.encode(table, table_rows) for table, table_rows in rows.items()}
            batch = Batch(rows, counts, errors, error_count, bad_ids, first_seq, seq)
            if sizes_known and total_bytes:
                batch.share_read = min(1.0, position() / total_bytes)
            if closes_chunk:
                batch.chunk = ctx.chunk
                ctx.chunk = Chunk()
                in_chunk = 0
            ctx.rows = {}
            self.errors_seen += error_count
            errors, error_count, bad_ids = [], 0, []
            first_seq, in_batch = seq + 1, 0
            self.put(("batch", batch))

        for source in self.sources:
            summary.starts.append((seq + 1, source.label))
            try:
                handle = source.open()
            except OSError as exc:
                raise SourceError(f"{source.label or _body()}: {exc.strerror or exc}") from exc
            with handle:
                self.current = handle
                lineno = 0
                try:
                    for line in read_lines(open_lines(handle, source.max_unpacked)):
                        if isinstance(line, int):  # a run of blank lines
                            seq += line
                            lineno += line
                            continue
                        seq += 1
                        lineno += 1
                        kind: str | None
                        problems: Problems
                        if line is None:
                            kind, problems = "", [(None, _("the line is longer than 1 MiB"))]
                        else:
                            if lineno == 1 and line.startswith(BOM):
                                line = line[len(BOM) :]
                            kind, problems = parse_line(ctx, line, seq)
                        if problems:
                            error_count += len(problems)
                            for field_name, msg in problems:
                                if self.stored_errors < MAX_REPORTED_ERRORS:
                                    self.stored_errors += 1
                                    errors.append(
                                        LineError(seq, field_name, msg, source.label, lineno)
                                    )
                            bad = bad_id(kind, line) if kind and line else None
                            if bad is not None:
                                bad_ids.append((seq, *bad))
                            if self.max_errors is not None and (
                                self.errors_seen + error_count >= self.max_errors
                            ):
                                # Refused anyway: reading on would only count more bad lines.
                                summary.stopped_at = seq
                                break
                        elif kind:
                            counts[kind] += 1
                        in_batch += 1
                        in_chunk += 1
                        if in_chunk >= self.chunk_lines:
                            flush(True)
                        elif in_batch >= self.batch_lines:
                            flush(False)
                        if progress is not None and not seq & 0x3FF:
                            progress.update(seq, position())
                except (OSError, EOFError, zlib.error) as exc:
                    raise SourceError(
                        _("%(input)s: cannot be read: %(reason)s")
                        % {"input": source.label or _body(), "reason": exc}
                    ) from exc
            self.current = None
            done_bytes += source.size or 0
            if summary.stopped_at is not None:
                break
        flush(True)
        summary.lines = seq
        if progress is not None:
            progress.update(seq, total_bytes or done_bytes, force=True)
        return summary
