"""The customer filter: one definition for the query box, the filter panel and the API.

A query mixes free text (the name contains it, any case) with `key:value` tokens:
`status:expiring_soon product:calling tag:gold managedby:external type:trial`.
Repeated keys mean "any of", except `tag`, which means "all of" (docs/guide/filters.md).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerhub.accounts.policy import partner_customer_scope
from partnerhub.core.choices import Product
from partnerhub.customers.models import Customer
from partnerhub.customers.statuses import STATUS_ORDER, any_status_q
from partnerhub.subscriptions.kpis import KPI_KEYS, customers_counted_by
from partnerhub.subscriptions.models import Item, ItemLine
from partnerhub.subscriptions.selectors import in_force_q
from partnerhub.tags.models import CustomerTag

PRODUCTS: tuple[str, ...] = tuple(p.value for p in Product)
MANAGED_BY: tuple[str, ...] = ("partner", "external")
TYPES: tuple[str, ...] = ("subscription", "trial")
# Query-box keys and the values each accepts (tags are free values).
KEYS: dict[str, tuple[str, ...] | None] = {
    "status": STATUS_ORDER,
    "product": PRODUCTS,
    "tag": None,
    "managedby": MANAGED_BY,
    "type": TYPES,
    # The first KPI row of the subscriptions analytics (its cards open the list with these).
    "kpi": KPI_KEYS,
}
SORTS: tuple[str, ...] = ("name", "-name", "created", "-created", "status", "-status")

_TOKEN = re.compile(
    r'(?P<key>[A-Za-z_]+):(?:"(?P<qval>[^"]*)"?|(?P<val>\S*))'
    r'|"(?P<qtext>[^"]*)"?'
    r"|(?P<word>\S+)"
)


def _quote(value: str) -> str:
    return f'"{value}"' if (" " in value or not value) else value


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


@dataclass
class CustomerFilter:
    """What the customer list is narrowed to; `errors` lists tokens that were not understood."""

    text: str = ""
    statuses: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    managed_by: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    kpis: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # key:value terms given so far (repeats included), bounded by settings.QUERY_MAX_TERMS.
    terms: int = field(default=0, compare=False)

    @classmethod
    def parse(cls, query: str) -> CustomerFilter:
        """Parse the query box; unknown keys are free text, bad values are reported in errors."""
        flt = cls()
        words: list[str] = []
        for match in _TOKEN.finditer(query or ""):
            key = (match.group("key") or "").lower()
            if key and key in KEYS:
                value = match.group("qval")
                if value is None:
                    value = match.group("val") or ""
                flt.add(key, value.strip())
            elif match.group("qtext") is not None:
                if match.group("qtext").strip():
                    words.append(match.group("qtext").strip())
            else:
                words.append(match.group(0))
        flt.text = " ".join(words)
        return flt

    def add(self, key: str, value: str) -> None:
        """Add one `key:value` condition (an empty value is ignored: the person is typing);
        past settings.QUERY_MAX_TERMS terms the rest are dropped with one error naming the
        limit (each tag is a subquery: a thousand of them overflowed the database)."""
        if not value:
            return
        self.terms += 1
        if self.terms > settings.QUERY_MAX_TERMS:
            if self.terms == settings.QUERY_MAX_TERMS + 1:
                self.errors.append(too_many_terms_message())
            return
        if key == "tag":
            if not any(t.lower() == value.lower() for t in self.tags):
                self.tags.append(value)
            return
        allowed = KEYS[key] or ()
        normal = value.lower()
        if normal not in allowed:
            self.errors.append(
                _("Unknown %(key)s “%(value)s”: use one of %(allowed)s.")
                # whole tokens, as they are typed in any language (`status:expiring_soon`)
                % {"key": key, "value": value, "allowed": ", ".join(f"{key}:{a}" for a in allowed)}
            )
            return
        target = {
            "status": self.statuses,
            "product": self.products,
            "managedby": self.managed_by,
            "type": self.types,
            "kpi": self.kpis,
        }[key]
        _add(target, normal)

    def to_query(self) -> str:
        """The canonical query text (what the URL holds)."""
        parts: list[str] = [self.text] if self.text else []
        parts += [f"status:{v}" for v in sorted(self.statuses, key=STATUS_ORDER.index)]
        parts += [f"product:{v}" for v in self.products]
        parts += [f"tag:{_quote(v)}" for v in self.tags]
        parts += [f"managedby:{v}" for v in self.managed_by]
        parts += [f"type:{v}" for v in self.types]
        parts += [f"kpi:{v}" for v in self.kpis]
        return " ".join(parts)

    @property
    def is_empty(self) -> bool:
        return not (
            self.text
            or self.statuses
            or self.products
            or self.tags
            or self.managed_by
            or self.types
            or self.kpis
        )

    def apply(self, qs: QuerySet[Customer], *, user: Any, day: dt.date) -> QuerySet[Customer]:
        """Narrow a (scoped) customer queryset; every condition runs in the database."""
        if self.text:
            qs = qs.filter(name__icontains=self.text)
        if self.statuses:
            qs = qs.filter(any_status_q(day, self.statuses))
        if self.products:
            lines = ItemLine.objects.filter(
                item__customer_id=OuterRef("pk"), product__in=self.products
            ).filter(in_force_q(day, "item__"))
            qs = qs.filter(Exists(lines))
        if self.types and set(self.types) != set(TYPES):
            items = Item.objects.filter(
                customer_id=OuterRef("pk"), is_trial=self.types[0] == "trial"
            )
            qs = qs.filter(Exists(items.filter(in_force_q(day))))
        if self.managed_by and set(self.managed_by) != set(MANAGED_BY):
            if self.managed_by[0] == "partner":
                qs = qs.filter(partner_id=user.partner_id)
            else:
                qs = qs.exclude(partner_id=user.partner_id)
        if self.kpis:
            own = partner_customer_scope(user)  # the customers the analytics count
            counted = Q()
            for kpi in self.kpis:
                counted |= Q(id__in=customers_counted_by(kpi, customers=own, as_of=day))
            qs = qs.filter(counted)
        for name in self.tags:
            carried = CustomerTag.objects.filter(
                customer_id=OuterRef("pk"), tag__partner_id=user.partner_id, tag__name__iexact=name
            )
            qs = qs.filter(Exists(carried))
        return qs


def too_many_terms_message() -> str:
    """The error of a query with more key:value terms than settings.QUERY_MAX_TERMS."""
    limit = settings.QUERY_MAX_TERMS
    return ngettext(
        "A query may hold at most %(max)d condition (key:value term); remove some.",
        "A query may hold at most %(max)d conditions (key:value terms); remove some.",
        limit,
    ) % {"max": limit}


def merge_panel(flt: CustomerFilter, params: Any) -> CustomerFilter:
    """The filter panel is authoritative for its keys; the free text stays from the query box."""
    merged = CustomerFilter(text=flt.text, kpis=list(flt.kpis), terms=len(flt.kpis))
    for key, name in (
        ("status", "status"),
        ("product", "product"),
        ("tag", "tag"),
        ("managedby", "managedby"),
        ("type", "type"),
    ):
        for value in params.getlist(name):
            merged.add(key, value)
    return merged


@dataclass
class Suggestion:
    """One suggestion under the query box: the text it puts in the box, and what it is."""

    label: str
    query: str
    hint: str
    complete: bool


def split_last_token(query: str) -> tuple[str, str]:
    """(everything before the token being typed, the token being typed)."""
    if query.endswith(" ") or not query:
        return query, ""
    # A quoted value may contain spaces: the last token starts at the last unquoted space.
    in_quotes = False
    cut = 0
    for i, ch in enumerate(query):
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == " " and not in_quotes:
            cut = i + 1
    return query[:cut], query[cut:]
