"""Rendering guide pages: Markdown to HTML, links between pages made in-app, then sanitised."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension
from markdown.extensions.toc import slugify as toc_slugify
from markdown.treeprocessors import Treeprocessor

from partnerhub.resources.models import GUIDE_DEFAULT_LANGUAGE, guide_url

_PAGE_LINK = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)\.md(?P<anchor>#[\w-]*)?$")
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol",
    "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul", "del", "dl", "dt",
    "dd", "span", "div", "sup", "sub", "kbd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "th": {"align", "class"}, "td": {"align", "class"}, "table": {"class"},
    "code": {"class"}, "div": {"class"}, "span": {"class"},
}  # fmt: skip


class _GuideLinks(Treeprocessor):
    """`[Tags](tags.md#x)` → the in-app guide page, in the language of the page that links;
    tables get Tabler's classes."""

    def __init__(self, md: markdown.Markdown, language: str) -> None:
        super().__init__(md)
        self.language = language

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            if element.tag == "a":
                match = _PAGE_LINK.match(element.get("href", ""))
                if match:
                    url = guide_url(match["slug"], self.language)
                    element.set("href", url + (match["anchor"] or ""))
            elif element.tag == "table":
                element.set("class", "table table-sm table-bordered")


class _GuideLinksExtension(Extension):
    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_GuideLinks(md, self.language), "partnerhub_guide_links", 5)


def heading_anchor(heading: str, separator: str = "-") -> str:
    """A heading's id, in ASCII: diacritics go ("Wersje próbne" → "wersje-probne") and "ł",
    which has none to lose, reads "l" ("Wygasł" → "wygasl") instead of vanishing."""
    return toc_slugify(heading.replace("ł", "l").replace("Ł", "L"), separator)


def guide_html(body: str, *, language: str = GUIDE_DEFAULT_LANGUAGE) -> str:
    """The page's Markdown as safe HTML (nothing a page holds can run script); its links to
    other pages open them in `language`, the page's own."""
    html = markdown.markdown(
        body,
        extensions=[
            "tables",
            "fenced_code",
            "sane_lists",
            TocExtension(slugify=heading_anchor),
            _GuideLinksExtension(language),
        ],
        output_format="html",
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
