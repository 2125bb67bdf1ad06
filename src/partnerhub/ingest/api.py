"""`POST /api/v1/ingest`: a partner's own feed of dataset lines (full administrators only)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router

from partnerhub.accounts.policy import Action, require
from partnerhub.api.errors import ErrorOut
from partnerhub.ingest.body import Body, body_receive, body_source
from partnerhub.ingest.errors import LoadError, SourceError, TooLarge, TooSlow
from partnerhub.ingest.schemas import IngestErrorOut, IngestOut
from partnerhub.ingest.services import dataset_load
from partnerhub.ingest.tasks import dataset_load_enqueue
from partnerhub.jobs.schemas import JobAcceptedOut

router = Router(tags=["ingest"])

_NDJSON_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-ndjson": {
                "schema": {
                    "type": "string",
                    "description": "JSON Lines of docs/reference/dataset.md, plain or gzip",
                }
            }
        },
    }
}


@router.post(
    "/ingest",
    response={200: IngestOut, 202: JobAcceptedOut, 413: ErrorOut, 422: IngestErrorOut},
    openapi_extra=_NDJSON_BODY,
    summary="Load dataset lines about your own customers",
    description=(
        "All or nothing. A small body is loaded at once: 200 with the counts, or 422 naming "
        "every bad line (up to 100). A body over INGEST_INLINE_MAX_BYTES unpacked, or whose "
        "lines take longer than INGEST_INLINE_MAX_SECONDS to check, becomes a background job: "
        "202 with its id and a Location header; GET /api/v1/jobs/{id} answers its progress and, "
        "when done, the same counts or errors in `result`. A body over INGEST_MAX_BODY_BYTES, or "
        "unpacking to more than INGEST_MAX_UNPACKED_BYTES, answers 413 and nothing is written."
    ),
)
def ingest(request: HttpRequest, response: HttpResponse) -> Any:
    """Load the JSON Lines body all or nothing, now or as a background job."""
    user: Any = request.user
    require(user, Action.INGEST)
    try:
        body = body_receive(request)
    except TooLarge as exc:
        return 413, {"detail": exc.message()}
    if body.unpacked > settings.INGEST_INLINE_MAX_BYTES:
        return _accepted(user, body, response)
    deadline = time.monotonic() + settings.INGEST_INLINE_MAX_SECONDS
    try:
        result = dataset_load(
            sources=[body_source(body.path)], partner=user.partner, actor=user, deadline=deadline
        )
    except TooSlow:  # nothing written yet: the same body goes on as a job
        return _accepted(user, body, response)
    except LoadError as exc:
        body.discard()
        return 422, exc.as_dict()
    except SourceError as exc:
        body.discard()
        return 422, {"detail": [{"line": None, "field": None, "msg": str(exc)}], "error_count": 1}
    except TooLarge as exc:
        body.discard()
        return 413, {"detail": exc.message()}
    except BaseException:
        body.discard()
        raise
    body.discard()
    return 200, {"lines": result.lines, "counts": result.counts}


def _accepted(user: Any, body: Body, response: HttpResponse) -> tuple[int, dict[str, Any]]:
    """202: the body goes on as a background job; Location is where to poll it."""
    job = dataset_load_enqueue(person=user, path=body.path)
    job.refresh_from_db(fields=["state"])  # the immediate backend has run it already
    url = reverse("api:job_detail", kwargs={"id": job.public_id})
    response["Location"] = url
    return 202, {"id": job.public_id, "state": job.state, "url": url}
