"""The Filters guide documents every key and value the query box accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from partnerhub.customers.filtersets import KEYS

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide" / "filters.md"


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_query_key_and_its_values_are_in_the_filters_guide(key: str) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert f"`{key}`" in text
    for value in KEYS[key] or ():
        assert f"`{value}`" in text, f"{key}:{value} is not documented"
        if key == "kpi":
            assert f"`kpi:{value}`" in text, f"kpi:{value} has no explanation"
