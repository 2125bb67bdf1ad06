"""`{% load audit_display %}`: an audit entry's changes in words (core/audit_changes.py)."""

from __future__ import annotations

from typing import Any

from django import template

from partnerhub.core.audit_changes import Change, audit_changes

register = template.Library()


@register.filter(name="audit_changes")
def audit_changes_filter(entry: Any) -> list[Change]:
    """The changed fields of an entry that `audit_entries` produced (already redacted)."""
    return audit_changes(entry)


@register.filter(name="lookup")
def lookup(mapping: Any, key: Any) -> Any:
    """`mapping[key]`, or "" when absent (e.g. a customer's name by its id)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
