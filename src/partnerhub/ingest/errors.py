"""What a refused load reports: every bad line (up to 100) with its line, field and reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# docs/reference/dataset.md#all-or-nothing: "the error names every bad line (up to 100)".
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
            where = (
                f"{self.file}:{self.line}"
                if self.file is not None
                else _("line %(line)s") % {"line": self.line}
            )
        text = f"{self.field}: {self.msg}" if self.field else self.msg
        return f"{where}: {text}" if where else text


class SourceError(Exception):
    """An input that cannot be read at all (missing, unreadable, a broken gzip stream)."""


class TooLarge(Exception):
    """An input over a size limit (API bodies): refused whole, before anything is written."""

    def __init__(self, limit: int, setting: str) -> None:
        self.limit = limit
        self.setting = setting
        super().__init__(self.message())

    def message(self) -> str:
        """What the person reads: the limit and the setting that makes it."""
        if self.setting == "INGEST_MAX_BODY_BYTES":
            text = _("The body is larger than %(limit)s bytes (setting %(setting)s).")
        else:
            text = _("The body unpacks to more than %(limit)s bytes (setting %(setting)s).")
        return text % {"limit": f"{self.limit:,}", "setting": self.setting}


class TooSlow(Exception):
    """Reading and checking the lines took longer than the caller allowed; nothing was written."""


class LoadError(Exception):
    """A refused load: nothing was written. `errors` holds the first 100, `total` all of them."""

    def __init__(
        self, errors: list[LineError], total: int, *, stopped_at: int | None = None
    ) -> None:
        self.errors = errors
        self.total = total
        self.stopped_at = stopped_at  # the line after which reading stopped (too many errors)
        super().__init__(self.summary())

    @property
    def not_shown(self) -> int:
        return max(0, self.total - len(self.errors))

    def summary(self) -> str:
        """One line saying how many errors there were and that nothing was written."""
        return ngettext(
            "The load was refused, nothing was written: %(n)s error.",
            "The load was refused, nothing was written: %(n)s errors.",
            self.total,
        ) % {"n": f"{self.total:,}"}

    def more_note(self) -> str:
        """The note about errors beyond the first 100 ('' when all are listed)."""
        notes = []
        if self.not_shown:
            notes.append(
                ngettext(
                    "… and %(n)s more error not listed.",
                    "… and %(n)s more errors not listed.",
                    self.not_shown,
                )
                % {"n": f"{self.not_shown:,}"}
            )
        if self.stopped_at is not None:
            notes.append(
                _("Reading stopped after line %(line)d; later lines were not checked.")
                % {"line": self.stopped_at}
            )
        return " ".join(notes)

    def as_dict(self) -> dict[str, Any]:
        """The 422 body of `POST /api/v1/ingest`."""
        body: dict[str, Any] = {
            "detail": [e.as_dict() for e in self.errors],
            "error_count": self.total,
        }
        if self.not_shown or self.stopped_at is not None:
            body["note"] = self.more_note()
        return body
