"""The search and filter form of All resources."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partnerhub.core.choices import Product
from partnerhub.core.forms import StyledForm
from partnerhub.resources.models import ResourceType

LANGUAGE_NAMES = {"en": _("English"), "pl": _("Polish"), "de": _("German")}


def language_label(code: str) -> Any:
    """A language's name for people (its code when unknown)."""
    return LANGUAGE_NAMES.get(code, code)


class ResourceFilterForm(StyledForm):
    """`q`, `type`, `product`, `language`; an unknown choice is a form error naming the field."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *ResourceType.choices]
    )
    product = forms.ChoiceField(
        label=_("Product"), required=False, choices=[("", _("All products")), *Product.choices]
    )
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            ("", _("All languages")),
            *((code, language_label(code)) for code in languages),
        ]
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Search resources…"), "type": "search", "autocomplete": "off"}
        )

    def filters(self) -> dict[str, str]:
        """The valid filters (an invalid one is left out, and shown as the form's error)."""
        if self.is_valid():
            return {k: self.cleaned_data[k] or "" for k in ("q", "type", "product", "language")}
        return {
            k: self.data.get(k, "")
            for k in ("q", "type", "product", "language")
            if k not in self.errors
        }
