"""Form helpers: Tabler classes on every widget; a list-of-text field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _


class StyledForm(forms.Form):
    """A form whose widgets carry Tabler's classes.

    The classes are set without validating: a subclass may still change its fields (choices
    known only at run time) after this __init__, so validation waits until errors are asked for,
    and then marks the fields in error.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self, mark_errors=False)

    def full_clean(self) -> None:
        super().full_clean()
        mark_invalid_fields(self)


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the fields it names (unknown fields become form-wide
    errors)."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def mark_invalid_fields(form: forms.BaseForm) -> None:
    """Add Bootstrap's is-invalid to the widgets of fields with errors (after validation)."""
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            classes = widget.attrs.get("class", "").split()
            if "is-invalid" not in classes:
                widget.attrs["class"] = " ".join([*classes, "is-invalid"])


def style_fields(form: forms.BaseForm, *, mark_errors: bool = True) -> None:
    """Put Tabler's classes on a form's widgets (and, with `mark_errors`, is-invalid on the fields
    with errors, which validates a bound form)."""
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
        if mark_errors and form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class TextListField(forms.Field):
    """Every value posted under one name (`getlist`, e.g. the ticked rows of a table), each text
    without NUL characters (forms.CharField refuses NUL; a list of values needs the same)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid_list": _("Give a list of values.")}

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        return [str(item) for item in value]

    def run_validators(self, value: Any) -> None:
        check = ProhibitNullCharactersValidator()
        for item in value:
            check(item)
