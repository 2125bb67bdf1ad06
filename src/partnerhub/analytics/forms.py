"""The page's two choices: the toggled product and the as-of date."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partnerhub.core import clock
from partnerhub.core.forms import StyledForm

PRODUCT_CHOICES = [("meetings", _("Meetings")), ("calling", _("Calling"))]


class AnalyticsForm(StyledForm):
    """`?product=meetings|calling&as_of=YYYY-MM-DD` (defaults: meetings, today)."""

    product = forms.ChoiceField(label=_("Product"), choices=PRODUCT_CHOICES)
    as_of = forms.DateField(
        label=_("As of"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )

    @classmethod
    def from_query(cls, query: Any) -> AnalyticsForm:
        """Bound to the query string, with the defaults filled in where a value is missing."""
        data = {
            "product": query.get("product") or "meetings",
            "as_of": query.get("as_of") or clock.today().isoformat(),
        }
        return cls(data)
