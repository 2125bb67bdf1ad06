"""Base pieces of every page: sign-in and policy checks, HTMX fragments, sorting (paging:
`core.paging`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from partnerhub.accounts.policy import Action, can, is_partner_admin
from partnerhub.core.tables import Column

F = TypeVar("F", bound=Callable[..., HttpResponse])


def partner_view(action: Action) -> Callable[[F], F]:
    """Sign-in required; the role must allow `action` (403 otherwise). Scope is the view's job."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_partner_admin(request.user) or not can(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def is_htmx(request: HttpRequest) -> bool:
    """True for an HTMX request that wants only a fragment: not a boosted full page, and not
    HTMX restoring a page from history after a cache miss (that needs the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(
    request: HttpRequest, page: str, fragment: str, context: dict[str, Any]
) -> HttpResponse:
    """The same view answers the whole page, or just the table fragment to HTMX."""
    return render(request, fragment if is_htmx(request) else page, context)


def sort_key_from(request: HttpRequest, columns: Sequence[Column], default: str) -> str:
    """The validated `?sort=` value (`key` or `-key`), else `default`."""
    raw = request.GET.get("sort", default)
    key = raw.lstrip("-")
    if any(c.key == key and c.sortable for c in columns):
        return raw
    return default


def sort_rows(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Sort already-computed rows (analytics tables) by a column, None last either way."""
    key = sort.lstrip("-")
    reverse = sort.startswith("-")
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]

    def value(row: dict[str, Any]) -> Any:
        v = row[key]
        return v.lower() if isinstance(v, str) else v

    return sorted(present, key=value, reverse=reverse) + missing


def forbid_unless(condition: bool) -> None:
    """403 unless `condition` holds."""
    if not condition:
        raise PermissionDenied
