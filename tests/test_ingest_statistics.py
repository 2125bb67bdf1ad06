"""After a large load PostgreSQL gets fresh planner statistics at once (not minutes later)."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from partnerhub.ingest import services
from partnerhub.ingest.services import dataset_load

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_large_load_analyzes_the_tables(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "ANALYZE_AFTER_LINES", 2)
    data = tmp_path / "d.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(line)
            for line in [
                {"kind": "partner", "id": "P9", "name": "Stats Partners"},
                {
                    "kind": "customer",
                    "id": "C9",
                    "partner": "P9",
                    "name": "Contoso",
                    "created": "2026-01-05",
                },
            ]
        )
        + "\n"
    )
    dataset_load(paths=[str(data)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s",
                ["customers_customer"],
            )
            assert cursor.fetchone() == (True,)
    else:  # SQLite plans without statistics: nothing to do, and nothing fails
        assert services.connection.vendor == "sqlite"
