"""Forms of the Partner Helpdesk; the services do the real validation and name the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partnerhub.core.forms import StyledForm
from partnerhub.helpdesk.attachments import ALLOWED_LABEL, MAX_FILES, attachments_check
from partnerhub.helpdesk.models import Area, CaseStatus, Severity
from partnerhub.helpdesk.selectors import helpdesk_team


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


# Translated when the form is shown (in the reader's language), not when this module loads.
_files_help = lazy(
    lambda: (
        ngettext(
            "Up to %(n)d file of at most 10 MB: %(types)s.",
            "Up to %(n)d files of at most 10 MB each: %(types)s.",
            MAX_FILES,
        )
        % {"n": MAX_FILES, "types": ALLOWED_LABEL}
    ),
    str,
)


def _attachments_field() -> MultipleFileField:
    return MultipleFileField(label=_("Attachments"), required=False, help_text=_files_help())


class _AttachmentsMixin:
    """Refuse bad files with the form's other errors, before anything is stored."""

    cleaned_data: dict[str, Any]

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data.get("attachments") or []
        _checked, errors = attachments_check(files)
        if errors:
            raise ValidationError(errors)
        return files


class CaseForm(_AttachmentsMixin, StyledForm):
    """The case form the helpdesk icon opens."""

    area = forms.ChoiceField(label=_("Area"), choices=Area.choices, widget=forms.RadioSelect)
    severity = forms.TypedChoiceField(
        label=_("Severity"), choices=Severity.choices, coerce=int, widget=forms.RadioSelect
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What happens, since when, how many users are affected, and what you have tried."
        ),
    )
    customer = forms.CharField(
        label=_("Customer"),
        required=False,
        max_length=64,
        help_text=_("Optional: the id of the customer the case is about (type to search)."),
    )
    attachments = _attachments_field()


class CommentForm(_AttachmentsMixin, StyledForm):
    """A comment on a case's thread, with optional files."""

    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = _attachments_field()


class StatusForm(StyledForm):
    """The helpdesk team moves a case to another status."""

    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)


class AssignForm(StyledForm):
    """The helpdesk team gives the case to one of its members."""

    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=helpdesk_team(), required=False, empty_label=_("Unassigned")
    )
