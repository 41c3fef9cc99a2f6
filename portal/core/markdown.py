"""Markdown to safe HTML: render with Python-Markdown, then sanitize with nh3.

Raw HTML in the source is escaped by the sanitizer's allow-list, not trusted: only
the tags Markdown itself produces survive, links get ``rel="noopener noreferrer"``
and only http(s) and mailto URLs are kept.
"""

from __future__ import annotations

import markdown as md  # type: ignore[import-untyped]
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render(source: str) -> Markup:
    """Markdown as sanitized HTML, safe to put in a page."""
    html = md.markdown(source or "", extensions=["tables", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitized by nh3 just above
