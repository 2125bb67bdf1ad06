"""Loading dataset lines (dataset.md): the one entry point for the CLI, the API and the demo."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from partnerhub.analytics.services import snapshot_build, snapshot_invalidate
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.ingest.loader import Loader, LoadResult
from partnerhub.ingest.progress import Progress
from partnerhub.ingest.reader import Source, file_source


def dataset_load(
    *,
    sources: list[Source] | None = None,
    paths: list[str] | None = None,
    partner: Any = None,
    actor: Any = None,
    progress: Progress | None = None,
    **tuning: int,
) -> LoadResult:
    """Load files or streams all or nothing; `partner` limits the lines to its own customers.

    Raises `LoadError` naming the bad lines when anything is wrong; then nothing is written.
    """
    all_sources = [*(sources or ()), *(file_source(p) for p in paths or ())]
    with transaction.atomic():
        result = Loader(all_sources, partner=partner, progress=progress, **tuning).run()
        # A load may change anything the analytics snapshot holds: forget it with the load,
        # and build today's days again once it is committed.
        snapshot_invalidate()
        transaction.on_commit(lambda: snapshot_build(as_of=clock.today()), robust=True)
        audit_record(
            actor=actor,
            action="dataset.load",
            obj_type="dataset",
            obj_id=", ".join(s.label or "body" for s in all_sources)[:128],
            partner=partner,
            after={"lines": result.lines, "counts": result.counts},
        )
    return result
