"""PostgreSQL only: extended statistics on activity_call for the refresh's grouped passes.

Without them the planner multiplies per-column distinct counts, expects millions of groups for
GROUP BY (week, customer) and similar, and neither hashes nor parallelises well (PERFORMANCE.md).
"""

from django.db import migrations

STATISTICS = {
    "calling_call_week_customer": "week, customer_id",
    "calling_call_week_user": "week, user_id",
    "calling_call_week_endpoint": "week, endpoint",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in STATISTICS.items():
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {name} (ndistinct) ON {columns} FROM activity_call"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("calling", "0001_initial"),
        ("activity", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
