"""Every page a signed-in person can reach by links, on the Gävleborg demo, passes every
check: axe, unique ids, accessible names, reflow at 320 px, chart text size and (at the
end of the session) the Nu Html Checker.

One address per kind of page (numbers and keys in the path and the query's values do
not make a new kind), reached by four people who see different things: the
association's admin, a process leader, a board member and the platform administrator;
each kind is visited by the first of them who reaches it. Downloads
and the API are left out. The pages are templates, not database work, so the crawl
runs in the SQLite half of the suite only.
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import current_app

from tests import factories
from tests.browser.conftest import LiveDB, Visitor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        bool(os.environ.get("TEST_DATABASE_URL")), reason="templates: the SQLite half crawls"
    ),
]

PEOPLE = (
    "forbundschef@gavleborg.example.org",
    "processledare.gavle@gavleborg.example.org",
    "styrelse1@gavleborg.example.org",
    "plattform@gavleborg.example.org",
)
# Not pages: files, the API, feeds; and the sign-in pages (signed-in people are sent on).
SKIP = re.compile(r"\.(xlsx|csv|ics|json)$|/api/|/export|/feed|/calendar/\w+\.|^/login|^/password")
MAX_PAGES = 400


def kind_of(path: str, query: str) -> str:
    """A page's kind: its path with numbers and keys as N, and its query's names."""
    keys = ",".join(sorted({k for k, _v in parse_qsl(query)}))
    return re.sub(r"/[0-9a-f]*\d[0-9a-f]*(?=/|$)", "/N", path) + ("?" + keys if keys else "")


def links(visitor: Visitor) -> list[str]:
    # A link marked ``download`` (an attached document) is a file, not a page.
    hrefs: list[str] = visitor.page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map((a) => a.href)"
    )
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if href.startswith(visitor.base_url) and not SKIP.search(parts.path):
            found.append(parts.path + ("?" + parts.query if parts.query else ""))
    return found


def crawl(visitor: Visitor, seen: dict[str, str]) -> list[str]:
    """From the start page, visit every kind of page not in ``seen`` once, noting its
    title there; the paths visited."""
    visitor.visit("/")
    queue, visited = links(visitor), ["/"]
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        parts = urlsplit(path)
        kind = kind_of(parts.path, parts.query)
        if kind in seen:
            continue
        visitor.visit(path)
        # The page's own kind: where it ended (after a redirect), whatever its query.
        seen[kind] = f"{kind_of(urlsplit(visitor.page.url).path, '')} {visitor.page.title()}"
        visited.append(path)
        queue.extend(links(visitor))
    return visited


@pytest.fixture
def demo(live_db: LiveDB) -> None:
    def build(_f: factories.Factory) -> None:
        from portal.cli.demo import load

        with current_app.test_request_context("/"):
            load()

    live_db.run(build)


def test_every_page_of_the_demo_passes_every_check(new_visitor, demo: None) -> None:
    total: list[str] = []
    seen: dict[str, str] = {}  # kind → "page title"; seen by whoever reaches it first
    for email in PEOPLE:
        visitor: Visitor = new_visitor()
        visitor.sign_in_as(email)
        total += crawl(visitor, seen)
    assert len(seen) > 60, sorted(seen)  # the demo has that many kinds of page
    # Pages of different things never share a title.
    kinds_by_title: dict[str, set[str]] = {}
    for page in seen.values():
        kind, title = page.split(" ", 1)
        kinds_by_title.setdefault(title, set()).add(kind)
    shared = {title: kinds for title, kinds in kinds_by_title.items() if len(kinds) > 1}
    assert not shared, "\n".join(f"{title}: {kinds}" for title, kinds in shared.items())
    print(f"crawled {len(total)} pages of {len(seen)} kinds")  # noqa: T201 - shown with -s
