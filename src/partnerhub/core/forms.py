"""Form helpers: Tabler classes on every widget."""

from __future__ import annotations

from typing import Any

from django import forms


class StyledForm(forms.Form):
    """A form whose widgets carry Tabler's classes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)


def style_fields(form: forms.BaseForm) -> None:
    """Put Tabler's classes on a form's widgets (and is-invalid on fields with errors)."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(
            widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect
        ):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
