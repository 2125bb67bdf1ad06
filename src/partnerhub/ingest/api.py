"""`POST /api/v1/ingest`: a partner's own feed of dataset lines (full administrators only)."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpRequest
from ninja import Router

from partnerhub.accounts.policy import Action, require
from partnerhub.ingest.errors import LoadError, SourceError
from partnerhub.ingest.reader import stream_source
from partnerhub.ingest.schemas import IngestErrorOut, IngestOut
from partnerhub.ingest.services import dataset_load

router = Router(tags=["ingest"])

_NDJSON_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "JSON Lines of dataset.md"}
            }
        },
    }
}


@router.post(
    "/ingest",
    response={200: IngestOut, 422: IngestErrorOut},
    openapi_extra=_NDJSON_BODY,
    summary="Load dataset lines about your own customers",
)
def ingest(request: HttpRequest) -> Any:
    """Load the JSON Lines body all or nothing; 422 names every bad line (up to 100)."""
    user: Any = request.user
    require(user, Action.INGEST)
    # The body is streamed, not read whole, unless something has read it already.
    body: Any = io.BytesIO(request.body) if hasattr(request, "_body") else request
    try:
        result = dataset_load(sources=[stream_source(body)], partner=user.partner, actor=user)
    except LoadError as exc:
        return 422, exc.as_dict()
    except SourceError as exc:
        body = {"detail": [{"line": None, "field": None, "msg": str(exc)}], "error_count": 1}
        return 422, body
    return 200, {"lines": result.lines, "counts": result.counts}
