"""Polish guide pages (part 2) keep their English twin's shape, commands and query examples.

A translation changes the prose only: headings, tables, lists, code blocks, inline code (field
names, query tokens, API paths) and link targets stay those of the English page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from partnerhub.customers.filtersets import KEYS, CustomerFilter

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide"
PAGES = (
    "administrators-and-roles",
    "api",
    "calling-analytics",
    "cli",
    "dataset-format",
    "filters",
)
# "REST API" reads the same in both languages.
SAME_TITLE = {"api"}
_FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
_HEADING = re.compile(r"^(#{1,6}) ", re.MULTILINE)
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_LIST_ITEM = re.compile(r"^\s*(?:-|\d+\.) ", re.MULTILINE)


def english(page: str) -> str:
    return (GUIDE / f"{page}.md").read_text(encoding="utf-8")


def polish(page: str) -> str:
    return (GUIDE / "pl" / f"{page}.md").read_text(encoding="utf-8")


def prose(text: str) -> str:
    """The page without its fenced code blocks."""
    return _FENCE.sub("", text)


def table_shape(text: str) -> list[int]:
    """Each table row's number of cells, in page order."""
    return [line.count("|") for line in prose(text).splitlines() if line.startswith("|")]


def query_examples(text: str) -> set[str]:
    """Inline code and code-block lines that hold at least one `key:value` filter term."""
    candidates = _CODE_SPAN.findall(prose(text))
    for block in _FENCE.findall(text):
        candidates += [line for line in block.splitlines()[1:-1] if "curl" not in line]
    return {c for c in candidates if CustomerFilter.parse(c).terms}


@pytest.mark.parametrize("page", PAGES)
def test_polish_page_opens_with_title_blank_line_and_summary(page: str) -> None:
    lines = polish(page).splitlines()
    assert lines[0].startswith("# ")
    if page not in SAME_TITLE:
        assert lines[0] != english(page).splitlines()[0], "the title is not translated"
    assert lines[1] == ""
    assert lines[2].strip() and not lines[2].startswith(("#", "-", "|", "`"))
    assert lines[3] == ""


@pytest.mark.parametrize("page", PAGES)
def test_polish_page_keeps_the_english_headings_tables_and_lists(page: str) -> None:
    en, pl = english(page), polish(page)
    assert [len(h) for h in _HEADING.findall(prose(pl))] == [
        len(h) for h in _HEADING.findall(prose(en))
    ]
    assert table_shape(pl) == table_shape(en)
    assert len(_LIST_ITEM.findall(prose(pl))) == len(_LIST_ITEM.findall(prose(en)))


@pytest.mark.parametrize("page", PAGES)
def test_polish_page_keeps_every_code_block_verbatim(page: str) -> None:
    assert _FENCE.findall(polish(page)) == _FENCE.findall(english(page))


@pytest.mark.parametrize("page", PAGES)
def test_polish_page_keeps_every_inline_code_of_the_english_page(page: str) -> None:
    missing = set(_CODE_SPAN.findall(prose(english(page)))) - set(
        _CODE_SPAN.findall(prose(polish(page)))
    )
    assert not missing, f"pl/{page}.md lost {sorted(missing)}"


@pytest.mark.parametrize("page", PAGES)
def test_polish_page_links_to_the_same_pages(page: str) -> None:
    assert _LINK_TARGET.findall(prose(polish(page))) == _LINK_TARGET.findall(prose(english(page)))


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_query_key_and_its_values_are_in_the_polish_filters_guide(key: str) -> None:
    text = polish("filters")
    assert f"`{key}`" in text
    for value in KEYS[key] or ():
        assert f"`{value}`" in text, f"{key}:{value} is not documented"
        if key == "kpi":
            assert f"`kpi:{value}`" in text, f"kpi:{value} has no explanation"


def test_polish_filters_guide_gives_the_english_query_examples_and_all_parse() -> None:
    examples = query_examples(polish("filters"))
    assert examples == query_examples(english("filters"))
    assert "status:expiring_soon type:trial" in examples
    for example in sorted(examples):
        assert CustomerFilter.parse(example).errors == [], example
