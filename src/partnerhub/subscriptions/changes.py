"""The ledger of changed items: how a write reaches the analytics snapshot without calling up.

A service that changes an item's dates, state, lines or assignments calls `items_changed()`
inside its transaction. The snapshot (`analytics.services`) is built or refreshed before any page
reads it, and then first recomputes, on every stored day, the items of the ledger rows appended
since its watermark: a committed write is never hidden, and the writer knows nothing about the
analytics.

Exactness needs one lock. The snapshot moves its watermark to the newest ledger row it has seen;
a row whose id was drawn before but whose transaction commits after would fall below it unseen.
So on PostgreSQL a writer takes the snapshot's advisory lock before its ledger rows and holds it
until it commits, and the snapshot takes the same lock before it reads the ledger: while it
reads, no ledger row is waiting to commit. (SQLite runs one write transaction at a time.)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from partnerhub.subscriptions.models import ItemChange

# Serialises the snapshot's writes with the ledger's writers on PostgreSQL ("SNAP").
SNAPSHOT_LOCK_KEY = 0x534E4150


def items_changed(*, item_ids: Iterable[int]) -> None:
    """Record that these items changed, inside the write's transaction (one statement, two on
    PostgreSQL: the lock is held until the write commits)."""
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SNAPSHOT_LOCK_KEY])
    ItemChange.objects.bulk_create(ItemChange(item_id=i) for i in ids)
