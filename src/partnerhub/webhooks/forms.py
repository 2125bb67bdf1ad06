"""Forms of the webhook pages; the services do the real validation and name the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partnerhub.core.events import EVENT_TYPES
from partnerhub.core.forms import StyledForm
from partnerhub.webhooks.delivery import TEST_EVENT


def event_choices(extra: list[str] | None = None) -> list[tuple[str, Any]]:
    """Every event type people may choose, plus "every event" and patterns already chosen."""
    choices: list[tuple[str, Any]] = [("*", _("Every event"))]
    choices += [(key, label) for key, label in EVENT_TYPES.items() if key != TEST_EVENT]
    known = {key for key, _label in choices}
    choices += [(p, p) for p in extra or [] if p not in known]
    return choices


class EndpointForm(StyledForm):
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        help_text=_("https:// only; the address must be reachable from the internet."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args: Any, patterns: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["events"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = event_choices(patterns)
