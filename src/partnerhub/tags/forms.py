"""Forms of the tag pages: what the bulk bar of the customer list posts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from partnerhub.core.forms import TextListField


class TagBulkForm(forms.Form):
    """Add or remove one tag (`name`, checked by the tag services) on the ticked customers."""

    op = forms.ChoiceField(
        label=_("Operation"), choices=[("add", _("Add")), ("remove", _("Remove"))], required=False
    )
    name = forms.CharField(label=_("Tag"), required=False, strip=False)
    customers = TextListField(label=_("Customers"), required=False)
