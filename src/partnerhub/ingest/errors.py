"""What a refused load reports: every bad line (up to 100) with its line, field and reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

# dataset.md: "the error names every bad line (up to 100)".
MAX_REPORTED_ERRORS = 100


@dataclass(frozen=True, order=True)
class LineError:
    """One reason why one line is bad; `seq` orders lines across all files of a load."""

    seq: int
    field: str | None
    msg: str
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the API answer (`file` only when the load had named files)."""
        out: dict[str, Any] = {"line": self.line, "field": self.field, "msg": self.msg}
        if self.file is not None:
            out["file"] = self.file
        return out

    def __str__(self) -> str:
        if self.line is None:
            where = self.file or ""
        else:
            where = f"{self.file}:{self.line}" if self.file is not None else f"line {self.line}"
        text = f"{self.field}: {self.msg}" if self.field else self.msg
        return f"{where}: {text}" if where else text


class SourceError(Exception):
    """An input that cannot be read at all (missing, unreadable, a broken gzip stream)."""


class LoadError(Exception):
    """A refused load: nothing was written. `errors` holds the first 100, `total` all of them."""

    def __init__(self, errors: list[LineError], total: int) -> None:
        self.errors = errors
        self.total = total
        super().__init__(self.summary())

    @property
    def not_shown(self) -> int:
        return max(0, self.total - len(self.errors))

    def summary(self) -> str:
        """One line saying how many errors there were and that nothing was written."""
        return _("The load was refused, nothing was written: %(n)d error(s).") % {"n": self.total}

    def more_note(self) -> str:
        """The note about errors beyond the first 100 ('' when all are listed)."""
        if not self.not_shown:
            return ""
        return _("… and %(n)d more error(s) not listed.") % {"n": self.not_shown}

    def as_dict(self) -> dict[str, Any]:
        """The 422 body of `POST /api/v1/ingest`."""
        body: dict[str, Any] = {
            "detail": [e.as_dict() for e in self.errors],
            "error_count": self.total,
        }
        if self.not_shown:
            body["note"] = self.more_note()
        return body
