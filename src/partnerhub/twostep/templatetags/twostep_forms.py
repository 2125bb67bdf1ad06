"""Dressing allauth's form fields in Tabler's classes (twostep's allauth element templates)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def tabler_widget(field: Any) -> SafeString:
    """The field's widget with Tabler's class, marked invalid and tied to its error message."""
    widget = field.field.widget
    checkbox = getattr(widget, "input_type", "") in ("checkbox", "radio")
    css = "form-check-input" if checkbox else "form-control"
    attrs: dict[str, str] = {"class": f"{widget.attrs.get('class', '')} {css}".strip()}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        described.append(f"{field.auto_id}_error")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)  # type: ignore[no-any-return]
