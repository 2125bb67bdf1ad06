"""`{% load choice_labels %}`: stored codes (a product of an order line) in the reader's words."""

from __future__ import annotations

from typing import Any

from django import template

from partnerhub.core.choices import Product

register = template.Library()


@register.filter(name="product_label")
def product_label(code: Any) -> Any:
    """`{{ line.product|product_label }}`: "calling" → "Webex Calling"; an unknown code as it is."""
    try:
        return Product(code).label
    except ValueError:
        return code
