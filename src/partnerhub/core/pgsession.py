"""PostgreSQL session settings for the set-based bulk work (loads, refreshes)."""

from __future__ import annotations

from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper


def raise_temp_buffers(cursor: CursorWrapper, size: str) -> None:
    """Let this session keep `size` of temporary tables in memory (the default, 8 MB, spills
    a few thousand wide rows to files). PostgreSQL accepts the setting only before the session's
    first temporary table; after that the session keeps what it has, and so does this."""
    cursor.execute("SAVEPOINT partnerhub_temp_buffers")
    try:
        cursor.execute(f"SET temp_buffers = '{size}'")
    except DatabaseError:
        cursor.execute("ROLLBACK TO SAVEPOINT partnerhub_temp_buffers")
    cursor.execute("RELEASE SAVEPOINT partnerhub_temp_buffers")
