"""`GET /api/v1/analytics/calling` (docs/reference/api.md#calling-analytics)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from partnerhub.accounts.policy import Action, require
from partnerhub.api.errors import InputError
from partnerhub.calling.schemas import CallingAnalyticsOut
from partnerhub.calling.selectors import calling_analytics, week_choices
from partnerhub.core import clock

router = Router(tags=["analytics"])


@router.get("/analytics/calling", response=CallingAnalyticsOut)
def calling_analytics_get(
    request: HttpRequest, as_of: str | None = None, week: str | None = None
) -> dict[str, Any]:
    """Calling engagement analytics of the last completed week as of `as_of`, or of `week`
    (the Sunday starting one of the last 8 completed weeks); 404 until it is refreshed."""
    require(request.user, Action.VIEW_CUSTOMERS)
    day = clock.as_of(request)
    weeks = week_choices(day)
    picked = None
    if week:
        try:
            picked = clock.parse_date(week, field="week")
        except clock.AsOfError as exc:
            raise InputError([{"loc": ["query", "week"], "msg": str(exc)}]) from exc
        if picked not in weeks:
            raise InputError(
                [
                    {
                        "loc": ["query", "week"],
                        "msg": _(
                            "week must be the Sunday starting one of the last 8 completed "
                            "weeks: %(weeks)s"
                        )
                        % {"weeks": ", ".join(map(str, weeks))},
                    }
                ]
            )
    data = calling_analytics(user=request.user, as_of=day, week=picked)
    if data is None:
        raise Http404(
            _(
                "Calling analytics for the week starting %(week)s have not been refreshed yet: "
                "run `partnerhub refresh_analytics --as-of %(as_of)s`."
            )
            % {"week": weeks[-1], "as_of": day}
        )
    return data
