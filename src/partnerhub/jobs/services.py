"""Writes of background jobs: created by a request, advanced by the task that does the work.

Each write is one short statement of its own (no long transaction): a job's progress must be
visible to the person polling it while the work is still running.
"""

from __future__ import annotations

from typing import Any

from partnerhub.core import clock
from partnerhub.jobs.models import Job, JobState


def job_create(
    *, partner: Any, created_by: Any, kind: str, params: dict[str, Any] | None = None
) -> Job:
    """A queued job of `partner`, started by `created_by`."""
    return Job.objects.create(
        partner=partner, created_by=created_by, kind=kind, params=params or {}
    )


def job_start(*, job: Job) -> None:
    """Mark the job running (a worker picked it up)."""
    job.state = JobState.RUNNING
    job.started_at = clock.now()
    job.save(update_fields=["state", "started_at"])


def job_progress(*, job: Job, done: int, total: int | None = None) -> None:
    """Record how far the job got (`total` once it is known)."""
    job.done = done
    fields = ["done"]
    if total is not None:
        job.total = total
        fields.append("total")
    job.save(update_fields=fields)


def job_finish(
    *, job: Job, result: Any, results: list[Any] | None = None, total: int | None = None
) -> None:
    """The job succeeded: its summary (and per-item outcomes), all of it done."""
    job.state = JobState.DONE
    job.result = result
    if results is not None:
        job.results = results
    if total is not None:
        job.total = total
    if job.total is not None:
        job.done = job.total
    job.finished_at = clock.now()
    job.save(update_fields=["state", "result", "results", "total", "done", "finished_at"])


def job_fail(*, job: Job, error: str, result: Any = None) -> None:
    """The job gave up: why (said to the person), and any details of the refusal."""
    job.state = JobState.FAILED
    job.error = error
    job.result = result
    job.finished_at = clock.now()
    job.save(update_fields=["state", "error", "result", "finished_at"])
