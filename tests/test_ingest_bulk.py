"""Loads that dwarf the tables: indexes rebuilt once at the end, usage recomputed in one pass."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from partnerhub.accounts.models import Partner
from partnerhub.activity.models import Call, MeetingParticipant, UsageDay
from partnerhub.ingest import loader
from partnerhub.ingest.errors import LoadError
from partnerhub.ingest.merge import names
from tests.ingest_factories import BASE, base, load, table_counts

pytestmark = pytest.mark.django_db
BIG = ("call", "meeting", "participant", "cuser", "assignment", "login", "invoice", "usage")


@pytest.fixture
def every_load_is_bulk(monkeypatch):
    monkeypatch.setattr(loader, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr(loader, "BULK_SHARE", 0.0)


def schema() -> set[tuple[str, str]]:
    """Index and foreign-key definitions of the tables a load may dwarf."""
    tables = [names()[key] for key in BIG]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                f"SELECT tbl_name, coalesce(sql, name) FROM sqlite_master "
                f"WHERE type = 'index' AND tbl_name IN ({marks})",
                tables,
            )
            out = set(cursor.fetchall())
            for table in tables:
                cursor.execute(f"PRAGMA foreign_key_list({table})")
                out |= {(table, repr(row)) for row in cursor.fetchall()}
            return out
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables]
        )
        out = set(cursor.fetchall())
        cursor.execute(
            "SELECT conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        return out | set(cursor.fetchall())


def usage_days() -> set[tuple[str, str, dt.date]]:
    return set(UsageDay.objects.values_list("user__ext_id", "product", "day"))


EXPECTED_USAGE = {
    ("U1", "calling", dt.date(2026, 11, 20)),
    ("U1", "meetings", dt.date(2026, 11, 20)),
    ("U2", "meetings", dt.date(2026, 11, 20)),
    ("U2", "calling", dt.date(2026, 11, 22)),
}


@pytest.mark.usefixtures("every_load_is_bulk")
def test_a_bulk_load_writes_the_same_records_and_usage():
    result = load(BASE, chunk_lines=5, batch_lines=2)

    assert usage_days() == EXPECTED_USAGE
    assert table_counts()["activity.Call"] == 3
    assert list(MeetingParticipant.objects.values_list("user__ext_id", flat=True)) == ["U2"]
    if connection.vendor == "postgresql":
        assert names()["call"] in result.bulk_tables


@pytest.mark.usefixtures("every_load_is_bulk")
def test_a_bulk_load_twice_changes_nothing():
    load(BASE, chunk_lines=5)
    before = table_counts()

    load(BASE, chunk_lines=5)

    after = table_counts()
    assert after.pop("core.AuditEvent") == before.pop("core.AuditEvent") + 1
    # One `ingest.completed` per partner in the outbox for the second load too.
    assert after.pop("core.Event") - before.pop("core.Event") == Partner.objects.count()
    assert after == before
    assert usage_days() == EXPECTED_USAGE


@pytest.mark.usefixtures("every_load_is_bulk")
def test_a_bulk_load_recomputes_usage_of_replaced_calls():
    load(BASE)
    lines = base()
    lines[19]["start"] = "2026-11-18T09:00:00Z"  # K1 moves two days earlier

    load(lines)

    assert ("U1", "calling", dt.date(2026, 11, 18)) in usage_days()
    assert ("U1", "calling", dt.date(2026, 11, 20)) not in usage_days()


@pytest.mark.usefixtures("every_load_is_bulk")
def test_a_bulk_load_puts_back_every_index_and_foreign_key():
    before = schema()
    load(BASE[:12], chunk_lines=3)  # rows with deferred FK checks exist before bulk mode starts

    load(BASE, chunk_lines=3)

    assert schema() == before
    assert Call.objects.count() == 3


@pytest.mark.usefixtures("every_load_is_bulk")
def test_a_refused_bulk_load_leaves_tables_indexes_and_keys_as_they_were():
    before_schema, before_counts = schema(), table_counts()

    with pytest.raises(LoadError):
        load([*BASE, {**BASE[19], "id": "K9", "user": "U9"}], chunk_lines=5)

    assert schema() == before_schema
    assert table_counts() == before_counts


def test_an_ordinary_load_does_not_switch_to_bulk_mode():
    result = load(BASE)

    assert result.bulk_tables == []
