"""Markdown to safe HTML: render with Python-Markdown, then sanitize with nh3.

Raw HTML in the source is escaped by the sanitizer's allow-list, not trusted: only
the tags Markdown itself produces survive, links get ``rel="noopener noreferrer"``
and only http(s) and mailto URLs are kept.

Headings in the text sit below the page's own: the caller says which level a ``#``
becomes (one below the heading the text stands under; never 1, so a text never adds a
second ``<h1>``), deeper ones follow, and none goes past ``<h6>``.
"""

from __future__ import annotations

import re

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
HEADING_TAG = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def render(source: str, level: int = 2) -> Markup:
    """Markdown as sanitized HTML, safe to put in a page; ``#`` becomes ``<h{level}>``."""
    html = md.markdown(source or "", extensions=["tables", "sane_lists"], output_format="html")
    shift = max(level, 2) - 1
    html = HEADING_TAG.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + shift, 6)}", html)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitized by nh3 just above


def markdown_filter(source: str | None, level: int = 2) -> Markup:
    """The ``markdown`` template filter: ``render`` for text that may be missing."""
    return render(source or "", level)
