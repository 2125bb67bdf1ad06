"""Loading dataset lines (docs/reference/dataset.md): one entry point for the CLI, API and demo."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Partner
from partnerhub.accounts.policy import Action, can
from partnerhub.analytics.services import snapshot_build, snapshot_invalidate
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.events import NewEvent, emit_events, figures_changed
from partnerhub.ingest.body import body_source
from partnerhub.ingest.errors import LoadError, SourceError, TooLarge
from partnerhub.ingest.loader import Loader, LoadResult
from partnerhub.ingest.progress import Progress
from partnerhub.ingest.reader import Source, file_source
from partnerhub.ingest.spool import work_dir
from partnerhub.jobs.models import Job
from partnerhub.jobs.services import job_fail, job_finish, job_progress, job_start

log = logging.getLogger(__name__)

# A load this large changes the tables' statistics enough that the planner must see new ones
# at once (autovacuum would get there minutes later; until then a 20,000-customer page could
# pick nested loops sized for an empty table).
ANALYZE_AFTER_LINES = 50_000
# A partner's load stops reading after this many errors: it is refused anyway, and counting every
# bad line of a large body of junk would keep a worker busy for nothing.
MAX_PARTNER_ERRORS = 10_000
# A job's progress is written at most this often (each is a short write of its own).
JOB_PROGRESS_EVERY_S = 1.0


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
    deadline: float | None = None,
    on_lines: Callable[[int], None] | None = None,
    **tuning: Any,
) -> LoadResult:
    """Load files or streams all or nothing; `partner` limits the lines to its own customers.

    Raises `LoadError` naming the bad lines when anything is wrong; then nothing is written.
    With a `deadline` (time.monotonic()), raises `TooSlow` if reading and checking the lines takes
    longer; nothing is written then either (no transaction is open while lines are read).
    """
    all_sources = [*(sources or ()), *(file_source(p) for p in paths or ())]

    def written(result: LoadResult) -> None:
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
        # One `ingest.completed` per partner whose data this was (every partner for the
        # operator's dataset load); then, once committed, the alerts evaluate the new figures.
        partner_ids = (
            [partner.pk]
            if partner is not None
            else list(Partner.objects.values_list("pk", flat=True))
        )
        emit_events(
            NewEvent(
                "ingest.completed",
                pk,
                {"lines": result.lines, "counts": result.counts},
                actor=actor,
            )
            for pk in partner_ids
        )
        transaction.on_commit(
            lambda: figures_changed.send(
                sender=LoadResult,
                partner_ids=None if partner is None else {partner.pk},
                as_of=clock.today(),
            ),
            robust=True,
        )

    # The loader opens its own transaction, and only once the lines are read (loader.Loader.run).
    if partner is not None:
        tuning.setdefault("max_errors", MAX_PARTNER_ERRORS)
    return Loader(
        all_sources,
        partner=partner,
        progress=progress,
        deadline=deadline,
        on_lines=on_lines,
        on_written=written,
        **tuning,
    ).run()


def dataset_load_job(*, job: Job) -> None:
    """Run a queued ingest job: load its body file as the person who sent it, all or nothing,
    recording progress (lines read) and the outcome the request would have answered."""
    path = work_dir() / Path(job.params.get("file", "")).name
    job_start(job=job)
    person = job.created_by
    try:
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            if (
                person is None
                or person.partner_id != job.partner_id
                or not can(person, Action.INGEST)
            ):
                job_fail(job=job, error=_("The person who sent this load may no longer load."))
                return
            if not path.is_file():
                job_fail(job=job, error=_("The body of this load is no longer available."))
                return
            _run_load_job(job, path, person)
    finally:
        path.unlink(missing_ok=True)


def _run_load_job(job: Job, path: Path, person: Any) -> None:
    shown = 0.0

    def on_lines(lines: int) -> None:
        nonlocal shown
        now = time.monotonic()
        if now - shown >= JOB_PROGRESS_EVERY_S:
            shown = now
            job_progress(job=job, done=lines)

    try:
        result = dataset_load(
            sources=[body_source(path)], partner=job.partner, actor=person, on_lines=on_lines
        )
    except LoadError as exc:
        job_fail(job=job, error=exc.summary(), result=exc.as_dict())
    except SourceError as exc:
        detail = {"detail": [{"line": None, "field": None, "msg": str(exc)}], "error_count": 1}
        job_fail(job=job, error=str(exc), result=detail)
    except TooLarge as exc:
        job_fail(job=job, error=exc.message())
    except Exception:
        log.exception("ingest job %s failed", job.public_id)
        job_fail(job=job, error=_("The load failed unexpectedly; nothing was written."))
    else:
        outcome = {"lines": result.lines, "counts": result.counts}
        job_finish(job=job, result=outcome, total=result.lines)
