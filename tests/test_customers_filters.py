"""The query-based filter: parsing the query box, and what each token selects (filters.md)."""

from __future__ import annotations

from typing import Any

import pytest

from partnerhub.customers.filtersets import CustomerFilter, split_last_token
from partnerhub.customers.selectors import customer_list
from partnerhub.customers.suggest import suggestions
from tests.customers_factories import D, assign, day, login_on, tag
from tests.factories import CustomerFactory, ExternalAdminFactory, ItemFactory


def test_a_query_mixes_free_text_and_tokens() -> None:
    flt = CustomerFilter.parse('acme Status:Expiring_Soon product:calling tag:"key accounts" corp')
    assert flt.text == "acme corp"
    assert flt.statuses == ["expiring_soon"]
    assert flt.products == ["calling"]
    assert flt.tags == ["key accounts"]
    assert flt.errors == []


def test_repeated_keys_collect_every_value_once() -> None:
    flt = CustomerFilter.parse(
        "status:suspended status:license_overage status:suspended tag:a tag:A"
    )
    assert flt.statuses == ["suspended", "license_overage"]
    assert flt.tags == ["a"]


def test_a_bad_value_is_reported_and_ignored() -> None:
    flt = CustomerFilter.parse("status:bogus type:trial")
    assert flt.statuses == []
    assert flt.types == ["trial"]
    assert "bogus" in flt.errors[0] and "expiring_soon" in flt.errors[0]


def test_an_unknown_key_is_free_text_and_an_empty_value_is_ignored() -> None:
    flt = CustomerFilter.parse("foo:bar status:")
    assert flt.text == "foo:bar"
    assert flt.statuses == []
    assert flt.errors == []


def test_the_canonical_query_round_trips() -> None:
    query = (
        'acme status:suspended status:trial product:calling tag:"key accounts" tag:gold '
        "managedby:external type:trial"
    )
    flt = CustomerFilter.parse(query)
    assert flt.to_query() == query
    assert CustomerFilter.parse(flt.to_query()) == flt


def test_the_token_being_typed_is_split_off_respecting_quotes() -> None:
    assert split_last_token("acme sta") == ("acme ", "sta")
    assert split_last_token('tag:"key acc') == ("", 'tag:"key acc')
    assert split_last_token("acme ") == ("acme ", "")


@pytest.mark.django_db
class TestWhatTokensSelect:
    """Five customers of the partner plus one external one, as of D."""

    @pytest.fixture(autouse=True)
    def _data(self, full_admin: Any, other_partner: Any) -> None:
        partner = full_admin.partner
        self.user = full_admin
        self.alpha = CustomerFactory(partner=partner, name="Alpha Calling")
        ItemFactory(customer=self.alpha, end=day(10), lines={"calling": 5})  # expiring, sub
        login_on(self.alpha, -1)
        tag(self.alpha, "gold")
        tag(self.alpha, "EMEA")
        self.beta = CustomerFactory(partner=partner, name="Beta Meetings")
        ItemFactory(customer=self.beta, is_trial=True, end=day(60), lines={"meetings": 5})
        login_on(self.beta, -1)
        tag(self.beta, "gold")
        self.gamma = CustomerFactory(partner=partner, name="Gamma")
        over = ItemFactory(customer=self.gamma, auto_renew=True, lines={"calling": 1})
        assign(over, 2)  # overage; no sign-in
        self.delta = CustomerFactory(partner=partner, name="delta (ended)")
        ItemFactory(customer=self.delta, end=day(-5), lines={"calling": 5})  # expired
        login_on(self.delta, -1)
        self.external = CustomerFactory(partner=other_partner, name="Omega External")
        ItemFactory(customer=self.external, is_trial=True, end=day(5), lines={"calling": 5})
        ExternalAdminFactory(customer=self.external, user=full_admin)
        tag(self.external, "gold", partner=other_partner)  # the other partner's tag: invisible

    def names(self, query: str) -> list[str]:
        flt = CustomerFilter.parse(query)
        return list(
            customer_list(user=self.user, day=D, flt=flt, sort="name").values_list(
                "name", flat=True
            )
        )

    def test_free_text_matches_the_name_in_any_case(self) -> None:
        assert self.names("ALPHA") == ["Alpha Calling"]
        # Names sort as people read them, whatever their case.
        assert self.names("a") == [
            "Alpha Calling",
            "Beta Meetings",
            "delta (ended)",
            "Gamma",
            "Omega External",
        ]

    def test_repeated_statuses_mean_any_of(self) -> None:
        assert self.names("status:expiring_soon") == ["Alpha Calling", "Omega External"]
        assert self.names("status:license_overage status:expired") == ["delta (ended)", "Gamma"]
        assert self.names("status:no_recent_activity") == ["Gamma", "Omega External"]

    def test_different_keys_must_all_match(self) -> None:
        assert self.names("status:expiring_soon type:trial") == ["Omega External"]
        assert self.names("status:expiring_soon managedby:partner") == ["Alpha Calling"]

    def test_product_means_an_item_in_force_with_that_product(self) -> None:
        assert self.names("product:calling") == ["Alpha Calling", "Gamma", "Omega External"]
        assert self.names("product:meetings product:calling") == [
            "Alpha Calling",
            "Beta Meetings",
            "Gamma",
            "Omega External",
        ]

    def test_repeated_tags_must_all_match_and_ignore_case(self) -> None:
        assert self.names("tag:GOLD") == ["Alpha Calling", "Beta Meetings"]
        assert self.names("tag:gold tag:emea") == ["Alpha Calling"]

    def test_managed_by_external_is_the_other_partners_customers(self) -> None:
        assert self.names("managedby:external") == ["Omega External"]
        assert self.names("managedby:partner managedby:external") == self.names("")

    def test_type_subscription_or_trial(self) -> None:
        assert self.names("type:trial") == ["Beta Meetings", "Omega External"]
        assert self.names("type:subscription") == ["Alpha Calling", "Gamma"]

    def test_sort_by_status_puts_the_most_urgent_first(self) -> None:
        flt = CustomerFilter()
        ordered = customer_list(user=self.user, day=D, flt=flt, sort="status")
        # Gamma: overage (64) > expiring ones (32…) > Beta (trial 4) > delta (expired 1).
        assert [c.name for c in ordered] == [
            "Gamma",
            "Omega External",
            "Alpha Calling",
            "Beta Meetings",
            "delta (ended)",
        ]
        reverse = customer_list(user=self.user, day=D, flt=flt, sort="-status")
        assert next(c.name for c in reverse) == "delta (ended)"

    def test_suggestions_offer_keys_values_tags_and_names(self) -> None:
        assert [s.label for s in suggestions(user=self.user, query="st")] == ["status:"]
        labels = [s.label for s in suggestions(user=self.user, query="acme status:exp")]
        assert labels == ["status:expiring_soon", "status:expired"]
        tag_hint = suggestions(user=self.user, query="tag:e")
        assert [s.label for s in tag_hint] == ["tag:EMEA"]
        assert tag_hint[0].query == "tag:EMEA "
        names = suggestions(user=self.user, query="gam")
        assert [s.label for s in names] == ["Gamma"]


def test_kpi_token_narrows_the_list_to_the_customers_a_kpi_counts(partner, full_admin):
    """`kpi:expiring_soon` (what the analytics cards link to) lists exactly what the KPI counts."""
    import datetime as dt

    today = dt.date(2026, 11, 26)
    soon = CustomerFactory(partner=partner, name="Soon")
    ItemFactory(customer=soon, end=today + dt.timedelta(days=90), lines={"calling": 5})
    later = CustomerFactory(partner=partner, name="Later")
    ItemFactory(customer=later, end=today + dt.timedelta(days=91), lines={"calling": 5})
    flt = CustomerFilter.parse("kpi:expiring_soon")
    assert flt.to_query() == "kpi:expiring_soon" and not flt.errors
    names = [c.name for c in customer_list(user=full_admin, day=today, flt=flt)]
    assert names == ["Soon"]
    assert CustomerFilter.parse("kpi:nonsense").errors
