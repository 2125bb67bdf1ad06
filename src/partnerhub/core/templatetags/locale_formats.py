"""`{% load locale_formats %}`: percentages and counts in the reader's language.

Whole numbers take humanize's `intcomma` (grouped the language's way: 1,234 / 1 234); these add
what it does not: a percentage, and a count of licenses with the language's plural forms.
"""

from __future__ import annotations

from typing import Any

from django import template

from partnerhub.core.language import license_count, percent

register = template.Library()


@register.filter(name="percent")
def percent_filter(value: Any, decimals: int = 1) -> str:
    """`{{ share|percent }}`: "12.5%" / "12,5%"; "—" for no value."""
    return percent(value, decimals)


@register.filter(name="license_count")
def license_count_filter(value: Any) -> str:
    """`{{ licenses|license_count }}`: "5 licenses" / "5 licencji"."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return str(value)
    return license_count(n)
