"""Writing the JSON lines: the buffered writer every part of the generator emits through, the
output file (standard output, plain or reproducible gzip) and the progress bar.
"""

from __future__ import annotations

import gzip
import sys
import time
from collections.abc import Callable, Sequence
from typing import IO, BinaryIO, cast

import orjson

from partnerhub.demo.vocabulary import Json

_dumps = orjson.dumps
_NL = orjson.OPT_APPEND_NEWLINE


class JsonLines:
    """Lines buffered per customer, written by `flush`, counted per kind."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.counts: dict[str, int] = {}
        self.buf: list[bytes] = []

    def emit(self, obj: Json) -> None:
        self.buf.append(_dumps(obj, option=_NL))
        kind = obj["kind"]
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def emit_many(self, kind: str, objs: Sequence[Json]) -> None:
        if objs:
            self.buf.extend(_dumps(o, option=_NL) for o in objs)
            self.counts[kind] = self.counts.get(kind, 0) + len(objs)

    def flush(self) -> None:
        self.out.write(b"".join(self.buf))
        self.buf.clear()


class Progress:
    """A one-line progress bar on standard error (only when it is a terminal)."""

    def __init__(self, total: int, stream: IO[str]) -> None:
        self.total = max(1, total)
        self.stream = stream
        self.started = self.last = time.monotonic()

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and done < self.total:
            return
        self.last = now
        width = 30
        filled = width * done // self.total
        elapsed = now - self.started
        eta = elapsed / done * (self.total - done) if done else 0.0
        self.stream.write(
            f"\rgenerating [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
            f"customers  {elapsed:5.0f}s elapsed, ~{eta:4.0f}s left "
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def open_output(path: str) -> tuple[BinaryIO, Callable[[], None]]:
    """Open `path` for writing bytes: `-` is standard output, `.gz` is gzip (reproducible)."""
    if path == "-":
        stdout = sys.stdout.buffer
        return stdout, stdout.flush
    raw = open(path, "wb", buffering=1 << 20)  # noqa: SIM115 - closed by the returned callable
    if path.endswith(".gz"):
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=3, mtime=0)

        def close() -> None:
            gz.close()
            raw.close()

        return cast(BinaryIO, gz), close
    return raw, raw.close
