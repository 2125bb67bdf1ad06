"""Loading dataset lines (dataset.md): the one entry point for the CLI, the API and the demo."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connection, transaction

from partnerhub.analytics.services import snapshot_build, snapshot_invalidate
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.ingest.loader import Loader, LoadResult
from partnerhub.ingest.progress import Progress
from partnerhub.ingest.reader import Source, file_source

# A load this large changes the tables' statistics enough that the planner must see new ones
# at once (autovacuum would get there minutes later; until then a 20,000-customer page could
# pick nested loops sized for an empty table).
ANALYZE_AFTER_LINES = 50_000


def _analyze() -> None:
    """Refresh PostgreSQL's statistics of every Partner Hub table (SQLite plans without them)."""
    if connection.vendor != "postgresql":
        return
    ours = {"accounts", "customers", "subscriptions", "tags", "activity", "resources", "calling"}
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in ours and model._meta.managed
    )
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')


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
        if result.lines >= ANALYZE_AFTER_LINES:
            transaction.on_commit(_analyze, robust=True)
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
