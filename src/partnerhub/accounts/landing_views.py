"""The landing page of a person who signed in without an administrator role (role `user`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from partnerhub.accounts.people_selectors import partner_role_givers


def no_role(request: HttpRequest) -> HttpResponse:
    """What Partner Hub is, that the account has no administrator role, what the person can still
    do, and who can give them a role (their partner's full administrators) — not a bare 403."""
    user: Any = request.user
    return render(
        request,
        "accounts/no_role.html",
        {"partner": user.partner, "role_givers": list(partner_role_givers(user=user)[:20])},
    )
