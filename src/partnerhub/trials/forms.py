"""The Start trial form: a new or an existing customer, licenses per product, 30/60/90 days."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from partnerhub.accounts.policy import Action, customer_scope_for
from partnerhub.core.choices import Product
from partnerhub.core.forms import style_fields
from partnerhub.customers.models import Customer
from partnerhub.trials.services import TRIAL_LENGTHS, TRIAL_MAX_LICENSES

NEW, EXISTING = "new", "existing"

# Where a service error about a field shows in this form.
SERVICE_FIELDS = {
    "customer_id": "customer",
    "new_customer.name": "name",
    "new_customer.admin_email": "admin_email",
    "new_customer.country": "country",
    "days": "days",
    "lines": None,
}


def licenses_field_name(product: str) -> str:
    return f"licenses_{product}"


# "30 days" in the language of whoever reads the form (translated when shown, not at import).
_days_label = lazy(lambda n: ngettext("%(n)d day", "%(n)d days", n) % {"n": n}, str)


class TrialStartForm(forms.Form):
    """Start a trial; `user` scopes the existing customers one may choose."""

    customer_mode = forms.ChoiceField(
        label=gettext_lazy("Customer"),
        choices=[
            (NEW, gettext_lazy("A new customer")),
            (EXISTING, gettext_lazy("An existing customer")),
        ],
        widget=forms.RadioSelect,
        initial=NEW,
    )
    customer = forms.CharField(
        label=gettext_lazy("Existing customer"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Type the customer's name or id."),
    )
    name = forms.CharField(label=gettext_lazy("Company name"), required=False, max_length=200)
    admin_email = forms.EmailField(
        label=gettext_lazy("Administrator e-mail"),
        required=False,
        help_text=gettext_lazy("The customer's administrator gets the invitation e-mail."),
    )
    country = forms.CharField(
        label=gettext_lazy("Country"),
        required=False,
        max_length=2,
        help_text=gettext_lazy("Two-letter code, e.g. PL."),
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("Length"),
        coerce=int,
        choices=[(n, _days_label(n)) for n in TRIAL_LENGTHS],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.TRIAL_DEFAULT_DAYS
        message = gettext_lazy("Give 1 to 1,000 licenses, or leave it empty.")
        for product in Product:
            self.fields[licenses_field_name(product.value)] = forms.IntegerField(
                label=product.label,
                required=False,
                min_value=1,
                max_value=TRIAL_MAX_LICENSES,
                error_messages={"min_value": message, "max_value": message, "invalid": message},
                widget=forms.NumberInput(
                    attrs={"min": 1, "max": TRIAL_MAX_LICENSES, "style": "max-width:9rem"}
                ),
            )
        self.fields["country"].widget.attrs.update(
            {"autocomplete": "country", "style": "max-width:6rem"}
        )
        self.fields["customer"].widget.attrs.update(
            {
                "list": "customer-options",
                "autocomplete": "off",
                "hx-get": reverse("trials:customer_options"),
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": "#customer-options",
                "hx-swap": "innerHTML",
            }
        )
        # Styled last: every field exists by now (styling a bound form validates it).
        style_fields(self)

    def product_fields(self) -> list[forms.BoundField]:
        return [self[licenses_field_name(p)] for p in Product.values]

    def clean_country(self) -> str:
        return self.cleaned_data["country"].strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("customer_mode") == EXISTING:
            data["customer_obj"] = self._find_customer(data.get("customer", ""))
        else:
            for field in ("name", "admin_email", "country"):
                if not data.get(field) and field not in self.errors:
                    self.add_error(field, _("This field is required for a new customer."))
        product_errors = any(licenses_field_name(p) in self.errors for p in Product.values)
        if not product_errors and not any(data.get(licenses_field_name(p)) for p in Product.values):
            self.add_error(None, _("Choose at least one product with its number of licenses."))
        return data

    def _find_customer(self, text: str) -> Customer | None:
        text = text.strip()
        if not text:
            self.add_error("customer", _("Choose the customer."))
            return None
        # Only customers one may start a trial for: an external one is its managing partner's.
        matches = list(
            customer_scope_for(self.user, Action.MANAGE_TRIALS)
            .filter(Q(ext_id=text) | Q(name__iexact=text))
            .order_by("ext_id")[:2]
        )
        exact = [c for c in matches if c.ext_id == text]
        if exact:
            return exact[0]
        if not matches:
            self.add_error("customer", _("None of your customers has that name or id."))
            return None
        if len(matches) > 1:
            self.add_error("customer", _("Several customers have that name; give the id instead."))
            return None
        return matches[0]

    def lines(self) -> dict[str, int]:
        """The licenses per product that were filled in."""
        return {
            p: self.cleaned_data[licenses_field_name(p)]
            for p in Product.values
            if self.cleaned_data.get(licenses_field_name(p))
        }

    def new_customer(self) -> dict[str, str] | None:
        if self.cleaned_data.get("customer_mode") == EXISTING:
            return None
        return {k: self.cleaned_data.get(k, "") for k in ("name", "admin_email", "country")}

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's validation errors on the fields they name."""
        for key, messages in exc.message_dict.items():
            self.add_error(SERVICE_FIELDS.get(key), messages)  # type: ignore[arg-type]
