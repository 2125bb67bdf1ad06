"""A one-line progress bar on a terminal: lines, lines per second, bytes read of the total."""

from __future__ import annotations

import time
from typing import TextIO

from django.utils.translation import gettext as _


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


class Progress:
    """Redrawn at most four times a second on `stream` (standard error)."""

    WIDTH = 24

    def __init__(self, stream: TextIO, total_bytes: int | None) -> None:
        self.stream = stream
        self.total = total_bytes or None
        self.started = time.monotonic()
        self.shown_at = 0.0

    def update(self, lines: int, done_bytes: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.shown_at < 0.25:
            return
        self.shown_at = now
        rate = lines / max(now - self.started, 1e-6)
        text = _("%(lines)s lines · %(rate)s lines/s · %(read)s") % {
            "lines": f"{lines:,}",
            "rate": f"{rate:,.0f}",
            "read": _mb(done_bytes),
        }
        if self.total:
            share = min(1.0, done_bytes / self.total)
            filled = int(share * self.WIDTH)
            bar = "█" * filled + "·" * (self.WIDTH - filled)
            text = f"{bar} {share:4.0%}  {text} / {_mb(self.total)}"
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()

    def phase(self, text: str) -> None:
        """A step after reading (merging the last chunk, rebuilding indexes …)."""
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
