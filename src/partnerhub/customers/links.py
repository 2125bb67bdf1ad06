"""The URLs a customer row links to, each built with `reverse()`.

They were once reversed once per page with placeholders and filled in by string replacement, which
sent customer Z987654321 to customer Z21 (issue 13): a placeholder can occur in an id. `reverse()`
quotes each argument in its own place, so no id can reach another part of the URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import NoReverseMatch, reverse


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the page of another app that has not landed yet
        return ""


def attach_links(customers: Sequence[Any]) -> None:
    """Set detail_url, launch_url, tag_add_url and each tag's remove_url on decorated customers."""
    for customer in customers:
        ext = customer.ext_id
        customer.detail_url = _url("customers:detail", ext)
        customer.launch_url = _url("orgs:customer_org", ext)
        customer.tag_add_url = _url("tags:customer_add", ext)
        for tag in getattr(customer, "tag_list", []):
            tag["remove_url"] = _url("tags:customer_remove", ext, int(tag["id"]))
