"""`GET /api/v1/jobs/{id}` (docs/reference/api.md#background-jobs): a job's state and outcome."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from partnerhub.jobs.models import Job
from partnerhub.jobs.schemas import JobOut
from partnerhub.jobs.selectors import job_get

router = Router(tags=["jobs"])


def job_out(job: Job) -> dict[str, Any]:
    """The API's shape of a job."""
    return {
        "id": job.public_id,
        "kind": job.kind,
        "state": job.state,
        "total": job.total,
        "done": job.done,
        "results": job.results,
        "result": job.result,
        "error": job.error or None,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@router.get(
    "/jobs/{id}",
    response=JobOut,
    url_name="job_detail",
    summary="A background job: state, progress, outcome",
)
def job_detail(request: HttpRequest, id: str) -> dict[str, Any]:
    """A job the caller started, or any job of the partner for its full administrators."""
    return job_out(job_get(request.user, id))
