"""Background work of the ingest app: large `POST /api/v1/ingest` bodies, through Django's
tasks API (settings.TASKS; production runs them in `partnerhub db_worker`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import translation
from django_tasks import task

from partnerhub.ingest.services import dataset_load_job
from partnerhub.jobs.models import Job
from partnerhub.jobs.services import job_create

JOB_KIND = "ingest"


@task()
def dataset_load_task(job_id: str) -> str:
    """Load the body file of an ingest job (see `services.dataset_load_job`); its final state."""
    job = Job.objects.select_related("partner", "created_by", "created_by__partner").get(
        public_id=job_id
    )
    dataset_load_job(job=job)
    return job.state


def dataset_load_enqueue(*, person: Any, path: Path) -> Job:
    """A queued ingest job of `person`'s partner for the body file at `path` (which it then
    owns and deletes when done); the task starts once the job is committed."""
    job = job_create(
        partner=person.partner,
        created_by=person,
        kind=JOB_KIND,
        params={"file": path.name, "language": translation.get_language()},
    )
    transaction.on_commit(lambda: dataset_load_task.enqueue(job.public_id))
    return job
