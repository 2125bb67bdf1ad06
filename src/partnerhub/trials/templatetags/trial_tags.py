"""`{% trial_extension trial as extension %}`: what extending a trial today would do, for pages
that list trials (the customer's Trials tab) and so have no extension of their own in context."""

from __future__ import annotations

from django import template

from partnerhub.subscriptions.models import Item
from partnerhub.trials.services import TrialExtension, trial_extension_preview

register = template.Library()


@register.simple_tag
def trial_extension(trial: Item) -> TrialExtension:
    """The trial's end now and after extending today (the one rule, from the one clock)."""
    return trial_extension_preview(trial=trial)
