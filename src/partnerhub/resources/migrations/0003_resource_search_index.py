"""The GIN index of the weighted full-text document (PostgreSQL only; SQLite scores matches)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX_NAME = "resource_search_gin"


def _index() -> GinIndex:
    # The same expression as partnerhub.resources.selectors.search_vector(), so the planner uses it.
    return GinIndex(
        SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body", weight="C", config="english"),
        name=INDEX_NAME,
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.add_index(apps.get_model("resources", "Resource"), _index())


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.remove_index(apps.get_model("resources", "Resource"), _index())


class Migration(migrations.Migration):
    dependencies = [("resources", "0002_resource_click")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
