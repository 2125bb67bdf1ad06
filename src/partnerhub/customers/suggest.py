"""Suggestions under the query box: keys, their values, the partner's tags and customer names."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.policy import customer_scope
from partnerhub.customers.filtersets import KEYS, Suggestion, split_last_token
from partnerhub.customers.statuses import Status
from partnerhub.tags.selectors import tag_names_starting

MAX_SUGGESTIONS = 8
KEY_HINTS: dict[str, Any] = {
    "status": gettext_lazy("status"),
    "product": gettext_lazy("product"),
    "tag": gettext_lazy("tag"),
    "managedby": gettext_lazy("managed by: partner or external"),
    "type": gettext_lazy("subscription type"),
    "kpi": gettext_lazy("counted by a subscriptions analytics KPI"),
}


def _value_hint(key: str, value: str) -> str:
    if key == "status":
        return str(Status(value).label)
    return str(KEY_HINTS[key])


def suggestions(*, user: Any, query: str) -> list[Suggestion]:
    """What the person may mean by the token being typed at the end of `query`."""
    head, token = split_last_token(query or "")
    out: list[Suggestion] = []
    if ":" in token:
        key, _sep, partial = token.partition(":")
        key = key.lower()
        partial = partial.strip('"')
        if key not in KEYS:
            return []
        values = KEYS[key]
        if values is None:
            candidates = tag_names_starting(user=user, prefix=partial, limit=MAX_SUGGESTIONS)
        else:
            candidates = [v for v in values if v.startswith(partial.lower())] or [
                v for v in values if partial.lower() in v
            ]
        for value in candidates[:MAX_SUGGESTIONS]:
            shown = f'"{value}"' if " " in value else value
            out.append(
                Suggestion(
                    label=f"{key}:{shown}",
                    query=f"{head}{key}:{shown} ",
                    hint=_value_hint(key, value) if key != "tag" else _("tag"),
                    complete=True,
                )
            )
        return out
    lowered = token.lower()
    for key in KEYS:
        if key.startswith(lowered):
            out.append(
                Suggestion(
                    label=f"{key}:", query=f"{head}{key}:", hint=str(KEY_HINTS[key]), complete=False
                )
            )
    if len(token) >= 2:
        names = (
            customer_scope(user)
            .filter(name__icontains=token)
            .order_by("name")
            .values_list("name", flat=True)[: MAX_SUGGESTIONS - len(out)]
        )
        for name in names:
            text = f'"{name}"' if " " in name else name
            out.append(
                Suggestion(label=name, query=f"{head}{text} ", hint=_("customer"), complete=True)
            )
    return out[:MAX_SUGGESTIONS]
