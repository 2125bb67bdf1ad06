"""Tables: the column a list page, its HTMX fragment and its export share (no web, no app)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    """A table column: its key in a row, its heading, and whether people may sort by it."""

    key: str
    label: Any
    sortable: bool = True
    numeric: bool = False
    # Hidden on a phone's narrow screen (the row keeps its most telling columns).
    wide_only: bool = False
