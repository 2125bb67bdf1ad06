"""Error pages inside the shell, and a friendly 503 while the database is away."""

from __future__ import annotations

import sys

from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def _database_unavailable(exc: BaseException | None) -> bool:
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    # SQLite's "database is locked" is contention, not an outage.
    return "locked" not in str(exc).lower()


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 when the database cannot be reached (it recovers by itself: connections are
    health-checked per request, and the broken one is dropped here)."""
    exc = sys.exc_info()[1]
    if _database_unavailable(exc):
        for conn in connections.all(initialized_only=True):
            try:
                conn.close()
            except Exception:  # noqa: S110 - the connection is already broken
                pass
        title = _("Partner Hub is temporarily unavailable")
        message = _("The database is not reachable right now. Please try again in a minute.")
        status = 503
    else:
        title = _("Something went wrong")
        message = _("Something went wrong on our side. It has been logged.")
        status = 500
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=status)
    else:
        # No database-backed context here: the page must render while the database is away.
        response = HttpResponse(
            render_to_string("503.html", {"title": title, "message": message}), status=status
        )
    if status == 503:
        response["Retry-After"] = "30"
    return response
