"""A load of dataset lines, all or nothing in one transaction (docs/reference/dataset.md).

The reader thread parses and checks lines and stages them in batches. Every `CHUNK_LINES` lines the
loading thread merges the chunk into the real tables (`merge.py`) and empties the staging tables,
so neither this process nor the staging tables grow with the file. The first bad line stops the
writing: from then on lines are only staged, and at the end `checks.py` names every bad reference
next to the lines the reader refused; the load raises `LoadError` and the transaction rolls back.

For partners' loads (the API) every line is read and checked first, into a spool, with no
transaction open; the transaction then only stages and merges ready rows (`Loader.run`), so
SQLite's one write lock is never held while their lines are parsed.
"""

from __future__ import annotations

import bisect
import contextlib
import queue
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext as _

from partnerhub.core.sql import in_list, set_local
from partnerhub.ingest import usage
from partnerhub.ingest.checks import any_bad, run_checks
from partnerhub.ingest.errors import MAX_REPORTED_ERRORS, LineError, LoadError, TooSlow
from partnerhub.ingest.kinds import Chunk, Context
from partnerhub.ingest.merge import CHECKED_FIRST, MERGE_ORDER, Merger, names
from partnerhub.ingest.progress import Progress
from partnerhub.ingest.reader import Batch, Reader, Source, Summary
from partnerhub.ingest.spool import Spool
from partnerhub.ingest.stage import STAGE_CHILDREN, BulkMode, backend_for

CHUNK_LINES = 100_000
# A load "dwarfs" a table when it stages at least this many rows and this share of its size: then
# its secondary indexes are rebuilt once at the end, and usage days are recomputed in one pass.
BULK_MIN_ROWS = 20_000
BULK_SHARE = 0.25
# staging table -> real table key of merge.names(), for the tables a load can dwarf
BIG_TABLES = {
    "call": "call",
    "meeting": "meeting",
    "participant": "participant",
    "user": "cuser",
    "assignment": "assignment",
    "admin_login": "login",
    "invoice": "invoice",
}
ACTIVITY = ("call", "meeting", "participant")
# kind of a reference -> (real table key, column) for the forward-reference test
_REF_TABLES = {
    "partner": ("partner", "ext_id"),
    "customer": ("customer", "ext_id"),
    "partner_user": ("person", "email"),
    "item": ("item", "ext_id"),
    "user": ("cuser", "ext_id"),
    "call_queue": ("queue", "ext_id"),
}


def pause_for_tests(point: str) -> None:
    """Hold the load at `point` when settings.TEST_LOAD_PAUSE_AT names it (said on stderr first):
    tests only (tests/reliability/test_load_faults.py), where a load waits to be killed."""
    if point != settings.TEST_LOAD_PAUSE_AT:
        return
    sys.stderr.write(f"PARTNERHUB_TEST_PAUSE_AT: paused at {point}\n")
    sys.stderr.flush()
    time.sleep(600)


@dataclass
class LoadResult:
    """A successful load: lines read, valid lines per kind, seconds taken."""

    lines: int
    counts: dict[str, int]
    seconds: float
    bulk_tables: list[str] = field(default_factory=list)
    # seconds the loading thread spent waiting for lines, staging, merging and finishing
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0


class Loader:
    """Loads `sources` into the default database; `partner` limits them to its own customers."""

    def __init__(
        self,
        sources: list[Source],
        *,
        partner: Any = None,
        progress: Progress | None = None,
        batch_lines: int | None = None,
        chunk_lines: int = CHUNK_LINES,
        read_first: bool | None = None,
        deadline: float | None = None,
        on_lines: Callable[[int], None] | None = None,
        max_errors: int | None = None,
        on_written: Callable[[LoadResult], None] | None = None,
    ) -> None:
        self.sources = sources
        self.partner = partner
        self.pid: int | None = partner.pk if partner is not None else None
        self.progress = progress
        self.backend = backend_for(connection)
        # Read and check every line before the transaction opens (see `run`) for partners'
        # loads: their input is untrusted, and on SQLite the one write lock would otherwise be
        # held while it is parsed, however slow that is. The operator's loads keep reading while
        # the database writes: on the 500-customer demo file (SQLite) reading first took 25.5 s
        # against 14.6 s, for a write phase of 11.5 s (writing, not parsing, holds the lock there).
        if read_first is None:
            read_first = partner is not None
        self.read_first = read_first
        self.deadline = deadline  # time.monotonic() by which reading must be done (TooSlow)
        self.on_lines = on_lines  # told the lines read so far, from the loading thread
        self.max_errors = max_errors
        self.on_written = on_written
        self.batch_lines = batch_lines or self.backend.batch_lines
        self.chunk_lines = max(chunk_lines, 1)
        self.bulk = BulkMode()
        self.usage_bulk = False
        self.stopped = False
        self.mismatch: tuple[str, int, int] | None = None  # (table, first, last line of chunk)
        self.chunk_first_seq = 1
        self.errors: list[LineError] = []
        self.error_count = 0
        self.unmerged: Counter[str] = Counter()  # staged rows not merged yet, per staging table
        self.staged_total: Counter[str] = Counter()
        self.existing: dict[str, int] = {}
        self.bulk_done: list[str] = []
        self.phases: defaultdict[str, float] = defaultdict(float)
        self.share_read: float | None = None

    # --- the run --------------------------------------------------------------------------

    def run(self) -> LoadResult:
        """Load everything or raise `LoadError` (nothing written).

        Read first: every line is parsed and checked into a spool with no transaction open, and
        only then is the transaction opened to stage and merge the ready rows, so the write phase
        is as short as the database allows. A load whose lines already showed errors only stages
        them to name bad references too, outside any write transaction on SQLite.
        Otherwise the reader thread parses while the loading thread writes (both cores busy).
        """
        started = time.monotonic()
        ctx = Context(
            scope_partner=self.partner.ext_id if self.partner is not None else None,
            ts=self.backend.ts,
            day=self.backend.day,
        )
        encode = self.backend.encoder()
        if not self.read_first:
            # Encoded batches are compact: room for about a chunk, so that the reader reads the
            # next chunk while this one is merged. Batches of Python tuples weigh several times
            # more.
            room = self.chunk_lines // max(self.batch_lines, 1) + 1 if encode else 2
            handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=max(2, room))
            reader = self.reader(ctx, handoff, encode)
            return self.write(started, handoff.get, reader=reader)
        spool = Spool()
        try:
            clock = time.monotonic()
            bad_lines = self.read_all(ctx, encode, spool)
            self.phases["read and check"] += time.monotonic() - clock
            return self.write(started, spool.replay().__next__, stage_only=bad_lines)
        finally:
            spool.close()

    def reader(self, ctx: Context, out: queue.Queue[tuple[str, Any]], encode: Any) -> Reader:
        return Reader(
            self.sources,
            ctx,
            out,
            batch_lines=self.batch_lines,
            chunk_lines=self.chunk_lines,
            progress=self.progress,
            encode=encode,
            max_errors=self.max_errors,
        )

    def read_all(self, ctx: Context, encode: Any, spool: Spool) -> bool:
        """Read and check every line into `spool` (no database work); whether some were bad.

        Raises `TooSlow` past the deadline, and whatever the reader raised (`SourceError`,
        `TooLarge`).
        """
        handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=4)
        reader = self.reader(ctx, handoff, encode)
        reader.start()
        bad = False
        try:
            while True:
                try:
                    tag, item = handoff.get(timeout=0.1)
                except queue.Empty:
                    tag, item = "", None
                if self.deadline is not None and time.monotonic() > self.deadline:
                    raise TooSlow
                if not tag:
                    continue
                if tag == "error":
                    raise item
                spool.add((tag, item))
                if tag == "done":
                    return bad
                bad = bad or bool(item.error_count)
                if self.on_lines is not None:
                    self.on_lines(item.last_seq)
        finally:
            reader.stop.set()
            reader.join()

    def write(
        self,
        started: float,
        next_item: Callable[[], tuple[str, Any]],
        *,
        reader: Reader | None = None,
        stage_only: bool = False,
    ) -> LoadResult:
        """Stage and merge the batches `next_item` hands over, in one transaction."""
        # Staging only writes temporary tables, which SQLite keeps apart from the database
        # file: without a transaction no other writer waits for this one.
        temp_only = stage_only and self.backend.vendor == "sqlite"
        atomic: Any = contextlib.nullcontext() if temp_only else transaction.atomic()
        with atomic, connection.cursor() as cursor:
            self.backend.create(cursor)
            set_local(cursor, work_mem="64MB")
            self.measure_tables(cursor)
            self.merger = Merger(self.backend, cursor, self.pid)
            self.stopped = stage_only
            if reader is not None:
                reader.start()
            try:
                summary = self.consume(cursor, next_item)
                if self.stopped:
                    self.raise_errors(cursor, summary)
            finally:
                if reader is not None:
                    reader.stop.set()
                    reader.join()
                if temp_only:  # no transaction to roll them back
                    self.backend.drop(cursor)
            clock = time.monotonic()
            self.finish(cursor)
            self.phases["finish"] += time.monotonic() - clock
            self.backend.drop(cursor)
            result = LoadResult(
                lines=summary.lines,
                counts=dict(sorted(summary.counts.items())),
                seconds=time.monotonic() - started,
                bulk_tables=list(self.bulk_done),
                phases={k: round(v, 2) for k, v in self.phases.items()},
            )
            if self.on_written is not None:  # in the load's transaction (the audit row …)
                self.on_written(result)
        return result

    def consume(self, cursor: CursorWrapper, next_item: Callable[[], tuple[str, Any]]) -> Summary:
        """Stage every batch; merge every finished chunk until something is wrong."""
        while True:
            clock = time.monotonic()
            tag, item = next_item()
            self.phases["wait for lines"] += time.monotonic() - clock
            if tag == "error":
                raise item
            if tag == "done":
                return item  # type: ignore[no-any-return]
            batch: Batch = item
            if batch.error_count:
                self.errors.extend(batch.errors)
                self.error_count += batch.error_count
                self.stopped = True
            clock = time.monotonic()
            for table, rows in batch.rows.items():
                if rows:
                    self.backend.write(cursor, table, rows)
                    self.unmerged[table] += batch.counts[table]
            self.phases["stage"] += time.monotonic() - clock
            if batch.bad_ids:
                self.backend.write(cursor, "badid", batch.bad_ids)
            if batch.chunk is not None and not self.stopped:
                self.share_read = batch.share_read
                clock = time.monotonic()
                if self.merge_chunk(cursor, batch.chunk, batch.last_seq):
                    self.backend.empty(cursor, list(self.unmerged))
                    self.unmerged.clear()
                    pause_for_tests("chunk-merged")  # written to the real tables, not committed
                else:
                    self.stopped = True
                self.phases["merge"] += time.monotonic() - clock
            if batch.chunk is not None:
                self.chunk_first_seq = batch.last_seq + 1

    # --- one chunk --------------------------------------------------------------------------

    def merge_chunk(self, cursor: CursorWrapper, chunk: Chunk, last_seq: int) -> bool:
        """Merge the staged chunk; False (nothing more is written) when a line turned out bad."""
        if self.forward_references(cursor, chunk):
            return False
        staged = self.unmerged
        for table in sorted(chunk.dups):
            staged[table] -= self.backend.dedupe(cursor, table)
            for child, parent in STAGE_CHILDREN.items():
                if parent == table and staged[child]:
                    cursor.execute(f"SELECT count(*) FROM ingest_{child}")  # noqa: S608 — tables of names(); values bound
                    staged[child] = int(cursor.fetchone()[0])
        self.grow_bulk(cursor, staged)
        users_mapped = False
        for table in MERGE_ORDER:
            if not staged.get(table):
                continue
            if table in ("assignment", "meeting", "call") and not users_mapped:
                self.merger.map_users(staged)
                users_mapped = True
            checked: tuple[str, ...]
            if table == "partner_user" and staged.get("pu_customer"):
                checked = ("pu_customer",)
            else:
                checked = (table,) if table in CHECKED_FIRST else ()
            if any(any_bad(cursor, self.pid, t) for t in checked) or not self.merger.merge(
                table, staged[table], staged
            ):
                self.mismatch = (table, self.chunk_first_seq, last_seq)
                return False
        if not self.usage_bulk:
            usage.add_chunk(self.merger, staged)
        if users_mapped:
            self.backend.empty(cursor, ["users"])
        return True

    def forward_references(self, cursor: CursorWrapper, chunk: Chunk) -> bool:
        """Whether a line refers to a record defined only on a later line of its chunk."""
        n = names()
        for kind, refs in chunk.forward_refs().items():
            table, column = _REF_TABLES[kind]
            wanted = [ext_id for ext_id, _seq, _field in refs]
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks, params = in_list(part)
                found = f"SELECT count(*) FROM {n[table]} WHERE {column} IN ({marks})"  # noqa: S608 — tables of names(); values bound
                cursor.execute(found, params)
                if int(cursor.fetchone()[0]) < len(part):
                    return True
        return False

    # --- large loads ------------------------------------------------------------------------

    def measure_tables(self, cursor: CursorWrapper) -> None:
        """Rows in the tables a load may dwarf, from their id range (instant, an upper bound)."""
        n = names()
        for key in {*BIG_TABLES.values(), "usage"}:
            cursor.execute(f"SELECT coalesce(max(id) - min(id) + 1, 0) FROM {n[key]}")  # noqa: S608 — tables of names(); values bound
            self.existing[key] = int(cursor.fetchone()[0])

    def dwarfs(self, staged: int, existing: int) -> bool:
        return staged >= BULK_MIN_ROWS and staged >= BULK_SHARE * existing

    def grow_bulk(self, cursor: CursorWrapper, staged: Counter[str]) -> None:
        """Switch tables this load dwarfs to bulk mode (PostgreSQL, operator loads only).

        Decided before a table's first rows are written when the input's size is known: the rows
        staged so far are projected onto the whole input.
        """
        if self.pid is not None:
            return
        for table in BIG_TABLES:
            self.staged_total[table] += staged.get(table, 0)
        scale = 1 / self.share_read if self.share_read else 1.0
        projected = {t: int(n * scale) for t, n in self.staged_total.items()}
        n = names()
        if self.backend.vendor == "postgresql":
            for table, key in BIG_TABLES.items():
                if n[key] not in self.bulk.tables and self.dwarfs(
                    projected.get(table, 0), self.existing[key]
                ):
                    # participants are only ever inserted, never upserted: their key can go too
                    self.bulk.enter(cursor, n[key], unique=table == "participant")
        activity = sum(projected.get(t, 0) for t in ACTIVITY)
        existing = sum(self.existing[BIG_TABLES[t]] for t in ACTIVITY)
        if not self.usage_bulk and self.dwarfs(activity, existing):
            self.usage_bulk = True
            self.merger.track_usage = False
            if self.backend.vendor == "postgresql":
                self.bulk.enter(cursor, n["usage"], unique=True)
                self.bulk.enter(cursor, n["callweek"], unique=True)

    def finish(self, cursor: CursorWrapper) -> None:
        """After the last chunk: usage days and user-week call counts in one pass if needed, then
        rebuild dropped indexes."""
        if self.usage_bulk:
            if self.progress is not None:
                self.progress.phase(_("Computing usage days…"))
            clock = time.monotonic()
            usage.recompute_all(self.merger)
            self.phases["usage days"] += time.monotonic() - clock
        if self.bulk.tables and self.progress is not None:
            self.progress.phase(_("Rebuilding indexes and checking foreign keys…"))
        self.bulk_done = list(self.bulk.tables)
        clock = time.monotonic()
        self.bulk.finish(cursor)
        self.phases["rebuild indexes"] += time.monotonic() - clock

    # --- errors -----------------------------------------------------------------------------

    def raise_errors(self, cursor: CursorWrapper, summary: Summary) -> None:
        """Name every bad line (up to 100) and refuse the load."""
        tables = {t for t, count in self.unmerged.items() if count}
        found = run_checks(cursor, self.pid, tables)
        errors = list(self.errors)
        total = self.error_count + sum(f.total for f in found)
        for f in found:
            errors.extend(self.line_error(summary, seq, fld, msg) for seq, fld, msg in f.rows)
        if total == 0:  # a safety net: every refused write should have been named above
            table, first, last = self.mismatch or ("?", 1, summary.lines)
            msg = _(
                "some %(kind)s lines of lines %(first)d to %(last)d could not be written "
                "(their references did not resolve)"
            ) % {"kind": table, "first": first, "last": last}
            errors.append(LineError(last, None, msg))
            total = 1
        errors.sort(key=lambda e: (e.seq, e.field or ""))
        raise LoadError(errors[:MAX_REPORTED_ERRORS], total, stopped_at=summary.stopped_at)

    @staticmethod
    def line_error(summary: Summary, seq: int, field_name: str, msg: str) -> LineError:
        starts = summary.starts
        i = bisect.bisect_right([s for s, _label in starts], seq) - 1
        first, label = starts[max(i, 0)]
        return LineError(seq, field_name, msg, label, seq - first + 1)
