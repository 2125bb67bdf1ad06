"""`/api/v1/sign-ins` and `/api/v1/sessions`: the sign-in audit and a person's sessions
(docs/reference/api.md#sign-ins-and-sessions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from partnerhub.accounts.policy import Action, require
from partnerhub.core.paging import page_slice
from partnerhub.signins.models import Method, Outcome
from partnerhub.signins.schemas import SessionOut, SignInPageOut
from partnerhub.signins.selectors import own_sessions, sign_in_list
from partnerhub.signins.services import SESSION_DATA, own_session_end

router = Router(tags=["sign-ins"])


class SignInQuery(Schema):
    person: str = ""
    method: Method | None = None
    outcome: Outcome | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1
    page_size: int = 50


def _current_id(request: HttpRequest) -> int | None:
    """The asking browser's own session (none for a token)."""
    if "authorization" in request.headers:
        return None
    session = getattr(request, "session", None)
    data = session.get(SESSION_DATA) if session is not None else None
    return int(data["id"]) if isinstance(data, dict) and data.get("id") else None


@router.get("/sign-ins", response=SignInPageOut)
def list_sign_ins(request: HttpRequest, filters: Query[SignInQuery]) -> dict[str, Any]:
    """The partner's sign-ins, newest first (partner full administrators): every sign-in, failed
    sign-in, password reset and token use per day, with time, IP, user agent, method, outcome."""
    rows = sign_in_list(
        request.user,
        person=filters.person.strip(),
        method=filters.method or "",
        outcome=filters.outcome or "",
        since=filters.since,
        until=filters.until,
    )
    page = page_slice(rows, filters.page, filters.page_size)
    page["items"] = [
        {
            "at": row.at,
            "email": row.email,
            "name": row.user.name if row.user is not None else "",
            "method": row.method,
            "outcome": row.outcome,
            "ip": row.ip,
            "user_agent": row.user_agent,
            "device": row.device,
        }
        for row in page["items"]
    ]
    return page


@router.get("/sessions", response=list[SessionOut])
def list_sessions(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's own signed-in browsers, most recently seen first."""
    require(request.user, Action.VIEW_OWN_ORG)
    current = _current_id(request)
    return [
        {
            "id": row.pk,
            "device": row.device,
            "ip": row.ip,
            "user_agent": row.user_agent,
            "created": row.created,
            "last_seen": row.last_seen,
            "current": row.pk == current,
        }
        for row in own_sessions(request.user)
    ]


@router.delete("/sessions/{id}", response={204: None})
def end_session(request: HttpRequest, id: int) -> tuple[int, None]:
    """End one of the caller's other sessions: that browser's next request signs in again.
    404 for a session that is not the caller's, is over, or is the asking browser's own."""
    require(request.user, Action.VIEW_OWN_ORG)
    own_session_end(user=request.user, session_id=id, current_id=_current_id(request))
    return 204, None
