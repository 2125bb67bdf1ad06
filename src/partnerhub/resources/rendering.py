"""Rendering guide pages: Markdown to HTML, links between pages made in-app, then sanitised."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import markdown
import nh3
from django.urls import reverse
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

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
    """`[Tags](tags.md#x)` → the in-app guide page; tables get Tabler's classes."""

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            if element.tag == "a":
                match = _PAGE_LINK.match(element.get("href", ""))
                if match:
                    url = reverse("resources:guide", kwargs={"slug": match["slug"]})
                    element.set("href", url + (match["anchor"] or ""))
            elif element.tag == "table":
                element.set("class", "table table-sm table-bordered")


class _GuideLinksExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_GuideLinks(md), "partnerhub_guide_links", 5)


def guide_html(body: str) -> str:
    """The page's Markdown as safe HTML (nothing a page holds can run script)."""
    html = markdown.markdown(
        body,
        extensions=["tables", "fenced_code", "sane_lists", "toc", _GuideLinksExtension()],
        output_format="html",
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
