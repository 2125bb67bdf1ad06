"""Tag rules (docs/reference/rules.md#tags): names, limits, life cycle, audit, concurrent edits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from partnerhub.core.models import AuditEvent
from partnerhub.tags.models import CustomerTag, Tag
from partnerhub.tags.services import (
    customer_set_tags,
    tag_assign,
    tag_delete,
    tag_remove,
    tag_rename,
)
from tests.customers_factories import tag
from tests.factories import CustomerFactory, PartnerFactory, UserFactory


def busy_retry(call: Callable[[], Any]) -> Any:
    """Run `call`, waiting while another writer holds SQLite's lock.

    A file database waits by itself (busy_timeout); SQLite's in-memory *test* database answers
    "table is locked" at once instead, so the tests wait here the way the busy handler would.
    PostgreSQL never needs this: the competing transaction blocks on the row lock.
    """
    for _ in range(400):
        try:
            return call()
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            time.sleep(0.01)
    raise AssertionError("the database stayed locked")


def names(customer: Any) -> list[str]:
    return sorted(CustomerTag.objects.filter(customer=customer).values_list("tag__name", flat=True))


@pytest.fixture
def customer(full_admin: Any) -> Any:
    return CustomerFactory(partner=full_admin.partner, name="Contoso")


@pytest.mark.django_db
class TestNames:
    def test_a_name_of_25_characters_is_accepted(self, full_admin: Any, customer: Any) -> None:
        tag_assign(actor=full_admin, customer=customer, name="x" * 25)
        assert names(customer) == ["x" * 25]

    def test_a_name_of_26_characters_is_refused_naming_the_field(
        self, full_admin: Any, customer: Any
    ) -> None:
        with pytest.raises(ValidationError) as err:
            tag_assign(actor=full_admin, customer=customer, name="x" * 26)
        assert "name" in err.value.message_dict
        assert "26 characters" in err.value.message_dict["name"][0]
        assert not Tag.objects.exists()

    def test_an_empty_name_is_refused(self, full_admin: Any, customer: Any) -> None:
        with pytest.raises(ValidationError, match="empty"):
            tag_assign(actor=full_admin, customer=customer, name="   ")

    def test_surrounding_spaces_are_dropped(self, full_admin: Any, customer: Any) -> None:
        tag_assign(actor=full_admin, customer=customer, name="  key   accounts ")
        assert names(customer) == ["key accounts"]

    def test_names_are_unique_per_partner_ignoring_case(
        self, full_admin: Any, customer: Any
    ) -> None:
        other = CustomerFactory(partner=full_admin.partner)
        tag_assign(actor=full_admin, customer=customer, name="Gold")
        tag_assign(actor=full_admin, customer=other, name="GOLD")
        assert Tag.objects.filter(partner=full_admin.partner).count() == 1
        assert names(other) == ["Gold"]

    def test_two_partners_may_use_the_same_name(self, full_admin: Any, stranger: Any) -> None:
        mine = CustomerFactory(partner=full_admin.partner)
        theirs = CustomerFactory(partner=stranger.partner)
        tag_assign(actor=full_admin, customer=mine, name="gold")
        tag_assign(actor=stranger, customer=theirs, name="gold")
        assert Tag.objects.filter(name="gold").count() == 2


@pytest.mark.django_db
class TestLimits:
    def test_a_sixth_tag_is_refused_with_a_clear_message(
        self, full_admin: Any, customer: Any
    ) -> None:
        for n in range(5):
            tag_assign(actor=full_admin, customer=customer, name=f"t{n}")
        with pytest.raises(ValidationError) as err:
            tag_assign(actor=full_admin, customer=customer, name="t5")
        assert err.value.message_dict["tags"] == [
            "Contoso already carries 5 tags, the most a customer can carry. Remove one first."
        ]
        assert len(names(customer)) == 5
        assert not Tag.objects.filter(name="t5").exists()

    def test_adding_a_tag_already_carried_changes_nothing(
        self, full_admin: Any, customer: Any
    ) -> None:
        tag_assign(actor=full_admin, customer=customer, name="gold")
        tag_assign(actor=full_admin, customer=customer, name="GOLD")
        assert names(customer) == ["gold"]
        assert AuditEvent.objects.filter(action="tag.assign").count() == 1

    def test_another_partners_tags_do_not_count_towards_the_limit(
        self, full_admin: Any, stranger: Any, customer: Any
    ) -> None:
        for n in range(5):
            tag(customer, f"theirs{n}", partner=stranger.partner)
        tag_assign(actor=full_admin, customer=customer, name="mine")
        assert "mine" in names(customer)

    def test_set_tags_refuses_six_names_and_writes_nothing(
        self, full_admin: Any, customer: Any
    ) -> None:
        tag(customer, "keep")
        with pytest.raises(ValidationError) as err:
            customer_set_tags(
                actor=full_admin, customer=customer, names=[f"n{i}" for i in range(6)]
            )
        assert "at most 5 tags; 6 were given" in err.value.message_dict["tags"][0]
        assert names(customer) == ["keep"]


@pytest.mark.django_db
class TestLifeCycle:
    def test_removing_a_tag_from_its_last_customer_deletes_it(
        self, full_admin: Any, customer: Any
    ) -> None:
        other = CustomerFactory(partner=full_admin.partner)
        gold = tag_assign(actor=full_admin, customer=customer, name="gold")
        tag_assign(actor=full_admin, customer=other, name="gold")
        tag_remove(actor=full_admin, customer=customer, tag=gold)
        assert Tag.objects.filter(pk=gold.pk).exists()
        tag_remove(actor=full_admin, customer=other, tag=gold)
        assert not Tag.objects.filter(pk=gold.pk).exists()

    def test_removing_a_tag_the_customer_does_not_carry_is_refused(
        self, full_admin: Any, customer: Any
    ) -> None:
        other = CustomerFactory(partner=full_admin.partner)
        gold = tag(other, "gold")
        with pytest.raises(ValidationError, match="does not carry"):
            tag_remove(actor=full_admin, customer=customer, tag=gold)

    def test_set_tags_replaces_and_cleans_up_orphans(self, full_admin: Any, customer: Any) -> None:
        tag(customer, "old")
        tag(customer, "keep")
        result = customer_set_tags(actor=full_admin, customer=customer, names=["Keep", "new"])
        assert result == ["keep", "new"]
        assert not Tag.objects.filter(name="old").exists()
        event = AuditEvent.objects.get(action="tag.set")
        assert event.before == {"tags": ["keep", "old"]}
        assert event.after == {"tags": ["keep", "new"]}
        assert event.customer == customer

    def test_renaming_renames_it_on_every_customer(self, full_admin: Any, customer: Any) -> None:
        other = CustomerFactory(partner=full_admin.partner)
        gold = tag(customer, "gold")
        tag(other, "gold")
        tag_rename(actor=full_admin, tag=gold, name="Platinum")
        assert names(customer) == names(other) == ["Platinum"]
        event = AuditEvent.objects.get(action="tag.rename")
        assert (event.before, event.after) == ({"name": "gold"}, {"name": "Platinum"})

    def test_renaming_onto_an_existing_name_is_refused(
        self, full_admin: Any, customer: Any
    ) -> None:
        gold = tag(customer, "gold")
        tag(customer, "silver")
        with pytest.raises(ValidationError, match="already exists"):
            tag_rename(actor=full_admin, tag=gold, name="SILVER")
        gold.refresh_from_db()
        assert gold.name == "gold"

    def test_renaming_only_the_case_is_allowed(self, full_admin: Any, customer: Any) -> None:
        gold = tag(customer, "gold")
        tag_rename(actor=full_admin, tag=gold, name="Gold")
        assert names(customer) == ["Gold"]

    def test_deleting_a_tag_removes_it_from_every_customer(
        self, full_admin: Any, customer: Any
    ) -> None:
        other = CustomerFactory(partner=full_admin.partner)
        gold = tag(customer, "gold")
        tag(other, "gold")
        assert tag_delete(actor=full_admin, tag=gold) == 2
        assert names(customer) == names(other) == []
        event = AuditEvent.objects.get(action="tag.delete")
        assert event.before["name"] == "gold" and len(event.before["customers"]) == 2

    def test_a_tag_of_another_partner_cannot_be_renamed(
        self, full_admin: Any, stranger: Any
    ) -> None:
        theirs = tag(CustomerFactory(partner=stranger.partner), "gold")
        with pytest.raises(Tag.DoesNotExist):
            tag_rename(actor=full_admin, tag=theirs, name="mine")


@pytest.mark.django_db(transaction=True)
def test_concurrent_tagging_cannot_exceed_five_tags() -> None:
    """Six people add a different tag at the same moment to a customer with 4 tags: the row lock
    on the customer serialises them, so exactly one succeeds and five are told the limit."""
    partner = PartnerFactory()
    actor = UserFactory(partner=partner)
    customer = CustomerFactory(partner=partner, name="Contoso")
    for n in range(4):
        tag(customer, f"t{n}")
    barrier = threading.Barrier(6)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        try:
            barrier.wait()
            busy_retry(lambda: tag_assign(actor=actor, customer=customer, name=f"new{i}"))
            result = "ok"
        except ValidationError:
            result = "limit"
        except Exception as exc:  # a database error would be a failure of the guarantee
            result = f"error: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["limit"] * 5 + ["ok"]
    assert CustomerTag.objects.filter(customer=customer).count() == 5
    assert Tag.objects.filter(partner=partner).count() == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_of_one_new_name_makes_one_tag() -> None:
    partner = PartnerFactory()
    actor = UserFactory(partner=partner)
    customers = [CustomerFactory(partner=partner) for _ in range(4)]
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def worker(c: Any) -> None:
        try:
            barrier.wait()
            busy_retry(lambda: tag_assign(actor=actor, customer=c, name="Gold"))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(c,)) for c in customers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert Tag.objects.filter(partner=partner).count() == 1
    assert CustomerTag.objects.count() == 4
