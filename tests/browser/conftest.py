"""Browser fixtures: a live portal, headless Chromium and axe-core on every page.

The live server is a second app instance on its own database (or, on PostgreSQL,
the suite's database). Its rows are committed for real, so browser tests never use
the rolled-back ``db_session``/``client`` fixtures; every table is emptied after
each test instead.

Every page a test sees must pass axe-core (WCAG 2.1 A/AA and best practice).
``Visitor.visit`` navigates and checks, ``Visitor.submit`` and ``Visitor.swap`` click and
check what comes back, ``Visitor.check`` checks whatever the page shows now, and a
tracker fails the test for any navigation or htmx swap that was not followed by a
check. Pages are served under the portal's real Content-Security-Policy: axe arrives
as an init script, which the policy does not govern, and anything the policy blocks
fails the test. Pages seen without JavaScript are checked in a mirror page that has it.

Beyond axe, every check runs the rules in ``tests/browser/pagechecks.py`` (unique ids,
an accessible name on every control, reflow at 320 px, chart text size) and keeps the
page's HTML; the Nu Html Checker reads all of it in one run when the session ends.
Set ``PORTAL_PAGE_REPORT=<dir>`` to collect every problem into that directory instead of
failing at the first (the HTML, ``problems.jsonl`` and ``vnu.json``).

Run them alone with ``pytest tests/browser`` or leave them out with ``-m "not browser"``.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from flask import Flask, session
from flask_login import login_user
from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Locator,
    Page,
    Playwright,
    Response,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import BaseWSGIServer, make_server

from portal import create_app
from portal.extensions import db, limiter
from tests import factories
from tests.browser.pagechecks import HtmlLog, PageCheckError, format_html_errors, page_problems
from tests.conftest import TEST_CONFIG, reset_database

T = TypeVar("T")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_SOURCE = (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text(
    encoding="utf-8"
)
# Tell Python when htmx has swapped something in, so the swap gets checked too, and
# when the Content-Security-Policy blocked something (an inline style or script, eval).
# One response is one thing shown, however many elements it settles (out-of-band
# swaps settle their own targets with the same response's xhr).
PAGE_HOOKS = """
const portalSettled = new WeakSet();
document.addEventListener("htmx:afterSettle", (e) => {
  const xhr = e.detail && e.detail.xhr;
  if (xhr) { if (portalSettled.has(xhr)) { return; } portalSettled.add(xhr); }
  if (window.__portalSwapped) { window.__portalSwapped(location.pathname); }
});
document.addEventListener("securitypolicyviolation", (e) => {
  if (window.__portalBlocked) {
    window.__portalBlocked(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
      + ` at ${e.sourceFile || location.pathname}:${e.lineNumber}`);
  }
});
"""
AXE_RUN = """
async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}
"""
LIMITER_STATE = ("enabled", "initialized", "_storage", "_limiter")
HTMX_IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
REPORT_DIR = os.environ.get("PORTAL_PAGE_REPORT")


# --- the live server ----------------------------------------------------------


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    """A throw-away test database need not survive a power cut: skip fsync on commit."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


@pytest.fixture(scope="session")
def live_app(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A second portal instance for the browser, with a sign-in limit it never reaches."""
    if os.environ.get("TEST_DATABASE_URL"):
        # The session's ``app`` fixture has migrated this database already.
        url = str(app.config["SQLALCHEMY_DATABASE_URI"])
        migrate = False
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'live.sqlite'}"
        migrate = True
    # The one ``limiter`` is shared and re-initialised by every create_app, so
    # RATELIMIT_ENABLED=False here would switch it off for the ``app`` fixture too. Keep
    # the suite's limiter as it was, and raise the sign-in limit, which is read from the
    # serving app's config per request.
    saved = {name: getattr(limiter, name, None) for name in LIMITER_STATE}
    live = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "LOGIN_RATE_LIMIT": "10000 per minute"}
    )
    for name, value in saved.items():
        setattr(limiter, name, value)
    if migrate:
        with live.app_context():
            sa.event.listen(db.engine, "connect", _no_fsync)
        reset_database(live)
    yield live
    with live.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve the live app on a free local port; yields its base URL."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-portal", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


class LiveDB:
    """Run code against the live app's database and commit it for real."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def run(self, fn: Callable[[factories.Factory], T]) -> T:
        """Call ``fn`` with factories, commit, and return what it returned.

        Return plain values (ids, names), not ORM objects: the session ends here.
        """
        with self.app.app_context():
            result = fn(factories.Factory(db.session))
            db.session.commit()
            return result

    def scalar(self, statement: Any) -> Any:
        """One value read in a fresh session."""
        with self.app.app_context():
            return db.session.scalar(statement)

    def empty(self) -> None:
        """Delete every row of every table, children first."""
        with self.app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())


@pytest.fixture
def live_db(live_app: Flask, live_server: str) -> Iterator[LiveDB]:
    """The live database; emptied after the test so other tests see nothing of it."""
    database = LiveDB(live_app)
    try:
        yield database
    finally:
        database.empty()


@dataclass(frozen=True)
class World:
    """The usual association for browser tests, as plain values."""

    slug: str
    association_id: int
    association_name: str
    admin_email: str
    admin_name: str
    platform_admin_email: str
    group_id: int
    group_name: str
    municipality_id: int
    municipality_name: str
    state_agency_id: int
    state_agency_name: str
    member_id: int
    member_name: str
    membership_id: int
    newcomer_id: int
    newcomer_name: str


@pytest.fixture
def world(live_db: LiveDB) -> World:
    """An association with an admin, two agencies, a group with one member, and a
    registered person who is in no group yet; plus a platform administrator."""

    def build(f: factories.Factory) -> World:
        from portal.organisations.models import AgencyKind

        association = f.association(name="Samordningsförbundet Gävleborg")
        municipality = f.agency(association, name="Hudiksvalls kommun")
        state = f.agency(association, name="Försäkringskassan", kind=AgencyKind.STATE)
        admin = f.admin(association, name="Anna Administratör")
        platform_admin = f.user(name="Petra Plattform", platform_admin=True)
        group = f.group(association, name="Mysam Hudiksvall", municipalities=[municipality])
        member = f.user(association, name="Maja Medlem")
        membership = f.membership(group, member, municipality, valid_from=dt.date(2020, 1, 1))
        newcomer = f.user(association, name="Nils Nykomling")
        return World(
            slug=association.slug,
            association_id=association.id,
            association_name=association.name,
            admin_email=admin.email,
            admin_name=admin.name,
            platform_admin_email=platform_admin.email,
            group_id=group.id,
            group_name=group.name,
            municipality_id=municipality.id,
            municipality_name=municipality.name,
            state_agency_id=state.id,
            state_agency_name=state.name,
            member_id=member.id,
            member_name=member.name,
            membership_id=membership.id,
            newcomer_id=newcomer.id,
            newcomer_name=newcomer.name,
        )

    return live_db.run(build)


# --- the browser ----------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    runner = sync_playwright().start()
    yield runner
    runner.stop()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


class AccessibilityError(AssertionError):
    """axe-core found accessibility problems on a page."""


def format_violations(where: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe-core found {len(violations)} problem(s) on {where}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"      {target}" for target in v["nodes"][:10])
    return "\n".join(lines)


@dataclass
class Tracker:
    """What the page has shown since it was last checked."""

    unchecked: str | None = None
    missed: list[str] = field(default_factory=list)

    def saw(self, what: str) -> None:
        if self.unchecked is not None:
            self.missed.append(self.unchecked)
        self.unchecked = what


class Visitor:
    """One browser context with one page, checked by axe-core after every step.

    The context keeps the portal's real Content-Security-Policy (axe arrives as an init
    script, which the policy does not govern), and anything the policy blocks fails
    the test: the pages must work under it.
    """

    def __init__(
        self,
        context: BrowserContext,
        base_url: str,
        *,
        js: bool,
        checker: Callable[[Page, bool], list[dict[str, Any]]],
        session_cookie: Callable[[str], dict[str, Any]],
        html_log: HtmlLog,
    ) -> None:
        self.context = context
        self.base_url = base_url
        self.js = js
        self._checker = checker
        self._session_cookie = session_cookie
        self._html_log = html_log
        self._documents: list[Response] = []
        self.tracker = Tracker()
        self._last_url: str | None = None
        self.page: Page = context.new_page()
        self._cdp: CDPSession = context.new_cdp_session(self.page)
        self.page.on("framenavigated", self._navigated)
        self.page.on("response", self._responded)
        self.csp_violations: list[str] = []
        if js:
            self.page.expose_function("__portalSwapped", self._swapped)
            self.page.expose_function("__portalBlocked", self._blocked)

    def _navigated(self, frame: Any) -> None:
        if frame != self.page.main_frame:
            return
        url, last = frame.url, self._last_url
        self._last_url = url
        if "#" in url and last is not None and url.split("#")[0] == last.split("#")[0]:
            return  # an in-page link (the skip link): same document, nothing new to check
        self.tracker.saw(f"page {url}")

    def _responded(self, response: Response) -> None:
        """Remember each page the main frame loads, for the HTML checker."""
        request = response.request
        if (
            request.is_navigation_request()
            and request.frame == self.page.main_frame
            and not 300 <= response.status < 400
            and "text/html" in response.headers.get("content-type", "")
        ):
            self._documents.append(response)

    def _blocked(self, what: str) -> None:
        self.csp_violations.append(what)

    def _swapped(self, path: str) -> None:
        self.tracker.saw(f"htmx swap on {path}")

    def url(self, path: str) -> str:
        return self.base_url + path

    def visit(self, path: str, status: int = 200) -> Response:
        """Go to ``path``, expect ``status``, and check the page with axe."""
        response = self.page.goto(self.url(path))
        assert response is not None
        assert response.status == status, f"{path}: {response.status} (expected {status})"
        self.check()
        return response

    def check(self) -> None:
        """Run axe-core on what the page shows now; fail on any violation."""
        self.page.wait_for_load_state()
        if self.js:
            self.page.wait_for_function(HTMX_IDLE)
            self.page.evaluate("1")  # let pending swap notifications arrive first
        where = self.page.url
        violations = self._checker(self.page, self.js)
        self.tracker.unchecked = None
        if violations:
            raise AccessibilityError(format_violations(where, violations))
        assert not self.csp_violations, f"the CSP blocked something: {self.csp_violations}"
        problems = page_problems(self.page, self._cdp)
        if problems and REPORT_DIR:
            with open(os.path.join(REPORT_DIR, "problems.jsonl"), "a", encoding="utf-8") as out:
                out.write(json.dumps({"page": where, "problems": problems}) + "\n")
        elif problems:
            raise PageCheckError(f"{where}:\n  " + "\n  ".join(problems))
        self._keep_html(where)

    def _keep_html(self, where: str) -> None:
        """Hand the checker what came from the server, or else what the page shows now."""
        documents, self._documents = self._documents, []
        kept = False
        for response in documents:
            try:
                self._html_log.add(response.url, response.text())
                kept = True
            except PlaywrightError:
                pass  # the body is gone (the page moved on): the DOM below stands in
        if not kept:
            self._html_log.add(f"{where} (as shown)", self.page.content())

    def submit(self, button: Locator) -> Response:
        """Click a button that loads a new page (no htmx); check the page it ends on."""
        main_frame = self.page.main_frame

        def is_final_document(response: Response) -> bool:
            request = response.request
            return (
                request.is_navigation_request()
                and request.frame == main_frame
                and not 300 <= response.status < 400
            )

        with self.page.expect_response(is_final_document) as info:
            button.click()
        self.check()
        return info.value

    def swap(self, action: Callable[[], Any]) -> Response:
        """Do something that makes an htmx request; check the page after the swap."""
        with self.page.expect_response(
            lambda r: r.request.headers.get("hx-request") == "true"
        ) as info:
            action()
        self.check()
        return info.value

    def login(self, email: str, password: str = factories.PASSWORD) -> None:
        """Sign in through the form (checking the login page and the start page)."""
        self.visit("/login")
        self.page.locator("input[name=email]").fill(email)
        self.page.locator("input[name=password]").fill(password)
        response = self.submit(self.page.locator("main form button[type=submit]"))
        assert response.url == self.url("/"), f"sign-in ended on {response.url}"

    def sign_in_as(self, email: str) -> None:
        """Start signed in without the form: set the cookie Flask-Login would have set.

        Tests about signing in use ``login``; the others save a password hash and two
        page loads this way.
        """
        self.context.add_cookies([self._session_cookie(email)])

    def assert_all_checked(self) -> None:
        """Fail if a page or swap was shown and never checked."""
        if not self.page.is_closed():
            self.page.evaluate("1")  # deliver swap notifications still on their way
        missed = [*self.tracker.missed]
        if self.tracker.unchecked is not None:
            missed.append(self.tracker.unchecked)
        assert not missed, "shown but never checked with axe: " + ", ".join(missed)


@pytest.fixture(scope="session")
def axe_checker(
    browser: Browser, live_server: str
) -> Iterator[Callable[[Page, bool], list[dict[str, Any]]]]:
    """Runs axe in the page. A page without JavaScript is shown again, at its own
    address, in a mirror page that has JavaScript, and checked there."""
    mirror: dict[str, Any] = {}

    def mirror_page() -> Page:
        if "page" not in mirror:
            context = browser.new_context(locale="sv-SE")
            context.add_init_script(script=AXE_SOURCE)
            page = context.new_page()

            def serve(route: Route) -> None:
                request = route.request
                if request.is_navigation_request() and request.url == mirror.get("url"):
                    route.fulfill(status=200, content_type="text/html", body=mirror["html"])
                else:
                    route.continue_()

            page.route("**/*", serve)
            mirror.update(context=context, page=page)
        return mirror["page"]

    def run(page: Page, js: bool) -> list[dict[str, Any]]:
        if not js:
            mirror.update(url=page.url, html=page.content())
            page = mirror_page()
            page.goto(mirror["url"])
        elif not page.evaluate("typeof axe !== 'undefined'"):
            page.add_script_tag(content=AXE_SOURCE)
        return page.evaluate(AXE_RUN, AXE_TAGS)

    yield run
    if "context" in mirror:
        mirror["context"].close()


@pytest.fixture(scope="session")
def html_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HtmlLog]:
    """Every document the browser tests saw; the Nu Html Checker reads them at the end."""
    directory = Path(REPORT_DIR) if REPORT_DIR else tmp_path_factory.mktemp("html")
    directory.mkdir(parents=True, exist_ok=True)
    log = HtmlLog(directory)
    yield log
    if not log.sources:
        return
    errors = log.validate()
    if REPORT_DIR:
        (directory / "vnu.json").write_text(json.dumps(errors, indent=1), encoding="utf-8")
        (directory / "sources.json").write_text(json.dumps(log.sources, indent=1), "utf-8")
    elif errors:
        raise PageCheckError(format_html_errors(errors))


@pytest.fixture(scope="session")
def session_cookie(live_app: Flask, live_server: str) -> Callable[[str], dict[str, Any]]:
    """The signed session cookie of a person signed in with Flask-Login's own ``login_user``."""

    def make(email: str) -> dict[str, Any]:
        from portal.accounts.services.passwords import user_by_email

        with live_app.test_request_context():
            user = user_by_email(email)
            assert user is not None, email
            login_user(user)  # starts a session record: committed for the live server
            data = dict(session)
            db.session.commit()
            db.session.remove()
        serializer = live_app.session_interface.get_signing_serializer(live_app)  # type: ignore[attr-defined]
        return {
            "name": live_app.config["SESSION_COOKIE_NAME"],
            "value": serializer.dumps(data),
            "url": live_server,
        }

    return make


@pytest.fixture
def new_visitor(
    browser: Browser,
    live_server: str,
    live_db: LiveDB,
    axe_checker: Callable[[Page, bool], list[dict[str, Any]]],
    session_cookie: Callable[[str], dict[str, Any]],
    html_log: HtmlLog,
) -> Iterator[Callable[..., Visitor]]:
    """Make visitors (browser contexts); each is closed and audited after the test."""
    made: list[Visitor] = []

    def make(*, js: bool = True) -> Visitor:
        context = browser.new_context(locale="sv-SE", java_script_enabled=js, base_url=live_server)
        context.set_default_timeout(5000)
        if js:
            # axe is in every document from the start, so each check only runs it.
            context.add_init_script(script=AXE_SOURCE)
            context.add_init_script(script=PAGE_HOOKS)
        visitor = Visitor(
            context,
            live_server,
            js=js,
            checker=axe_checker,
            session_cookie=session_cookie,
            html_log=html_log,
        )
        made.append(visitor)
        return visitor

    yield make
    try:
        for visitor in made:
            visitor.assert_all_checked()
    finally:
        for visitor in made:
            visitor.context.close()


@pytest.fixture
def visitor(new_visitor: Callable[..., Visitor]) -> Visitor:
    """A JavaScript-enabled visitor."""
    return new_visitor()


__all__ = ["AccessibilityError", "LiveDB", "Visitor", "World"]
