"""Users › Roles and security › Security (the partner's requirement, who has a second step) and
a full administrator's reset of a person's second step."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerhub.accounts.models import User
from partnerhub.accounts.people_selectors import person_of_partner
from partnerhub.accounts.policy import Action
from partnerhub.core.views import partner_view
from partnerhub.twostep.selectors import people_two_step, people_without_two_step
from partnerhub.twostep.services import partner_require_two_step, two_step_reset

PEOPLE_SHOWN = 500


@partner_view(Action.MANAGE_ROLES)
def security(request: HttpRequest) -> HttpResponse:
    """The partner's requirement (a checkbox) and every person's second steps."""
    user: Any = request.user
    if request.method == "POST":
        require = request.POST.get("require_two_step") == "on"
        partner_require_two_step(actor=user, require=require)
        messages.success(
            request,
            _("Two-step sign-in is now required of every person of your organization.")
            if require
            else _("Two-step sign-in is now each person's own choice."),
        )
        return redirect("twostep:security")
    people = list(
        User.objects.filter(partner_id=user.partner_id, is_active=True).order_by("email")[
            :PEOPLE_SHOWN
        ]
    )
    methods = people_two_step(people)
    rows: list[dict[str, Any]] = [
        {"person": person, "methods": methods[person.pk]} for person in people
    ]
    context = {
        "partner": user.partner,
        "operator_requires": settings.PARTNERHUB_REQUIRE_MFA,
        "rows": rows,
        "without": people_without_two_step(user.partner_id),
        "truncated": len(people) == PEOPLE_SHOWN,
    }
    return render(request, "twostep/security.html", context)


@require_POST
@partner_view(Action.MANAGE_ROLES)
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a person's authenticator app, security keys and recovery codes (audited, e-mailed)."""
    person = person_of_partner(user=request.user, pk=pk)
    removed = two_step_reset(actor=request.user, person=person)
    if removed:
        messages.success(
            request,
            _("%(person)s's two-step sign-in was reset; they were e-mailed and signed out.")
            % {"person": person.display_name},
        )
    else:
        messages.info(
            request,
            _("%(person)s has no two-step sign-in to reset.") % {"person": person.display_name},
        )
    return redirect("accounts:user_detail", pk=person.pk)
