"""The batches of a load read and checked before any transaction opens, kept for the write phase.

Small loads stay in memory; larger ones go to an unnamed temporary file in the data directory, so
memory stays flat whatever the input's size. The file is private to this process and written by it
moments before it is read back, which is why pickle is safe here.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

# Kept in memory up to this size (pickled), then spilled to disk.
IN_MEMORY_BYTES = 32 << 20


def work_dir() -> Path:
    """Where loads keep their temporary files (request bodies, spooled batches)."""
    path = Path(settings.DATA_DIR) / "ingest"
    path.mkdir(parents=True, exist_ok=True)
    return path


class Spool:
    """An append-only sequence of the reader's items, read back once in order."""

    def __init__(self) -> None:
        self.file: Any = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (closed by `close`)
            max_size=IN_MEMORY_BYTES, dir=str(work_dir())
        )
        self.items = 0

    def add(self, item: tuple[str, Any]) -> None:
        pickle.dump(item, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.items += 1

    def replay(self) -> Iterator[tuple[str, Any]]:
        """The items in the order they were added."""
        self.file.seek(0)
        for _ in range(self.items):
            yield pickle.load(self.file)  # noqa: S301 (this process's own private file)

    def close(self) -> None:
        self.file.close()
