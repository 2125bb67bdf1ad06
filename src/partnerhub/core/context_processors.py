"""What every page's shell needs: the navigation, the partner, the person and their role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.policy import Action, can, is_partner_admin

# Entries whose count HTMX fetches once the page has loaded (a badge beside the label).
BADGES = {"alerts:list": "alerts:badge"}
# (url name, label, icon, action needed); an entry appears once its app has landed.
NAVIGATION: list[tuple[str, Any, str, Action]] = [
    ("orgs:my_org", _("Launch my organization"), "rocket", Action.VIEW_OWN_ORG),
    ("customers:list", _("Customers"), "building", Action.VIEW_CUSTOMERS),
    ("analytics:subscriptions", _("Subscriptions analytics"), "chart-bar", Action.VIEW_CUSTOMERS),
    ("calling:analytics", _("Calling analytics"), "phone", Action.VIEW_CUSTOMERS),
    ("tags:manage", _("Tags"), "tags", Action.VIEW_CUSTOMERS),
    ("accounts:admins", _("Administrators"), "shield", Action.VIEW_OWN_ORG),
    ("accounts:users", _("Users"), "users", Action.VIEW_OWN_ORG),
    # The audit trail: whoever may read it through GET /api/v1/audit (core/api.py).
    ("accounts:activity", _("Activity"), "history", Action.VIEW_CUSTOMERS),
    ("resources:index", _("Resources & help"), "book", Action.VIEW_CUSTOMERS),
    ("helpdesk:cases", _("Helpdesk"), "lifebuoy", Action.HELPDESK),
    ("alerts:list", _("Alerts"), "bell", Action.VIEW_ALERTS),
    ("webhooks:list", _("Webhooks"), "webhook", Action.MANAGE_WEBHOOKS),
    ("webhooks:events", _("Events"), "list-details", Action.VIEW_EVENTS),
    ("signins:sign_ins", _("Sign-ins"), "login", Action.VIEW_SIGN_INS),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    """The left navigation for the signed-in person (only what their role may open)."""
    user = getattr(request, "user", None)
    if user is None or not is_partner_admin(user):
        return {"nav": []}
    nav = []
    for name, label, icon, action in NAVIGATION:
        if not can(user, action):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        nav.append(
            {
                "url": url,
                "label": label,
                "icon": icon,
                "active": request.path.startswith(url),
                "badge_url": reverse(BADGES[name]) if name in BADGES else "",
            }
        )
    return {"nav": nav}
