"""Names sort as people read them, on SQLite and PostgreSQL alike, in English and in Polish."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from partnerhub.accounts.people_selectors import partner_people
from partnerhub.core.choices import Role
from partnerhub.core.collation import sort_key
from partnerhub.customers.filtersets import CustomerFilter
from partnerhub.customers.selectors import customer_list
from tests.customers_factories import D
from tests.factories import CustomerFactory, UserFactory

NAMES = ["Zawisza", "Donau", "Dąbrowski", "Łukasz", "Lwów", "Mazur", "dąb", "Dab", "Daz", "10 Bits"]
# Root order: accents are secondary (dąb right after Dab), ł sorts as an l.
ENGLISH = ["10 Bits", "Dab", "dąb", "Dąbrowski", "Daz", "Donau", "Łukasz", "Lwów", "Mazur"]
ENGLISH.append("Zawisza")
# Polish: ą and ł are letters of their own, after a and l.
POLISH = ["10 Bits", "Dab", "Daz", "dąb", "Dąbrowski", "Donau", "Lwów", "Łukasz", "Mazur"]
POLISH.append("Zawisza")


def test_the_sort_keys_follow_each_languages_rules() -> None:
    assert sorted(NAMES, key=lambda n: sort_key(n, "root")) == ENGLISH
    assert sorted(NAMES, key=lambda n: sort_key(n, "pl")) == POLISH


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("en", ENGLISH), ("pl", POLISH)])
def test_the_customer_list_sorts_names_in_the_persons_language(
    full_admin: Any, language: str, expected: list[str]
) -> None:
    for name in NAMES:
        CustomerFactory(partner=full_admin.partner, name=name)
    with translation.override(language):
        names = [
            c.name for c in customer_list(user=full_admin, day=D, flt=CustomerFilter(), sort="name")
        ]
        assert names == expected
        descending = customer_list(user=full_admin, day=D, flt=CustomerFilter(), sort="-name")
        assert [c.name for c in descending] == expected[::-1]


@pytest.mark.django_db
def test_people_sort_by_name_the_same_way(full_admin: Any) -> None:
    full_admin.name = "Anna"
    full_admin.save()
    for name in ("Donau Ops", "Dąbrowski Jan"):
        UserFactory(partner=full_admin.partner, role=Role.USER, name=name)
    with translation.override("en"):
        names = [p.name for p in partner_people(user=full_admin, sort="name")]
    assert names.index("Dąbrowski Jan") < names.index("Donau Ops")
