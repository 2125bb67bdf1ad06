"""The code cites the repository's own reference (docs/reference/), and every citation resolves."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"docs/reference/([a-z-]+\.md)(?:#([a-z0-9-]+))?")
BARE = re.compile(r"(?<![/\w-])(rules|metrics|dataset|events)\.md")


def _anchors(page: Path) -> set[str]:
    heads = [line.lstrip("#").strip() for line in page.read_text().splitlines() if line[:1] == "#"]
    return {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in heads}


def _sources() -> list[Path]:
    return [*ROOT.joinpath("src").rglob("*.py"), *ROOT.joinpath("tests").rglob("*.py")]


def test_every_citation_names_an_existing_page_and_heading() -> None:
    broken = []
    for path in _sources():
        for page, anchor in CITATION.findall(path.read_text(encoding="utf-8")):
            target = ROOT / "docs" / "reference" / page
            if not target.exists() or (anchor and anchor not in _anchors(target)):
                broken.append(f"{path.relative_to(ROOT)}: {page}#{anchor}")
    assert broken == []


def test_no_code_cites_a_specification_that_is_not_in_the_repository() -> None:
    bare = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _sources()
        if path.name != Path(__file__).name
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BARE.search(line)
    ]
    assert bare == []
