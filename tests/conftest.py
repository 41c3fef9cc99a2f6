"""Shared fixtures.

The suite runs against ``TEST_DATABASE_URL`` (PostgreSQL in CI) or, by default, a
fresh SQLite file. Migrations run once per session; each test then runs inside a
transaction on one connection, and every commit the app makes is a savepoint in
it, so nothing a test writes outlives the test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import scoped_session, sessionmaker

from portal import create_app
from portal.core import direct
from portal.extensions import db
from tests import factories
from tests.i18n_support import compile_catalogues
from tests.support.edit_world import World as EditWorld
from tests.support.edit_world import build_edit_world
from tests.support.foundation import World, build_world
from tests.support.meetings import MeetingWorld, build_meeting_world
from tests.support.plans import PlanWorld, build_plan_world
from tests.support.reporting import ReportWorld, build_report_world
from tests.support.sessions import sign_in_user
from tests.support.surveys import SurveyWorld, build_survey_world

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Pages render in Swedish only once the catalogue is compiled."""
    compile_catalogues()


def database_url(tmp_dir: Path, name: str = "test") -> str:
    """The database the suite uses: TEST_DATABASE_URL or a new SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_dir / f'{name}.sqlite'}"


def reset_database(app: Flask) -> None:
    """Drop everything (tables and Alembic's version table), then migrate to head."""
    from flask_migrate import upgrade

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        else:
            meta = sa.MetaData()
            meta.reflect(bind=engine)
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                meta.drop_all(bind=conn)
        upgrade()


TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "PORTAL_ENV": "testing",
    "SECRET_KEY": "test-secret-key-not-used-anywhere-else",
    "RATELIMIT_STORAGE_URI": "memory://",
    "MAIL_BACKEND": "smtp",
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 1,  # nothing listens: a test that sends mail must start a server
    "PORTAL_BASE_URL": "http://portal.test",
    "SERVER_NAME": None,
    "SURVEY_VACUUM_AT_CLOSE": False,  # the adversary tests turn it on (their own commits)
}


def _fresh_request_globals() -> None:
    """Give every test request its own ``g``, as production does.

    ``db_session`` keeps one app context open for the whole test, and Flask reuses
    it for each test-client request, so caches on ``g`` (signed-in user, locale,
    the permission principal) would otherwise leak from one request to the next.
    """
    from flask import g

    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app, on a freshly migrated database."""
    url = database_url(tmp_path_factory.mktemp("db"))
    application = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    application.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)
    reset_database(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[scoped_session[sa.orm.Session]]:
    """A session whose commits are savepoints in a transaction rolled back afterwards."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        original = db.session
        db.session = session
        try:
            yield session
        finally:
            session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _reset_rate_limits() -> None:
    """Every test starts with fresh sign-in counters (they are per client address)."""
    from portal.extensions import limiter

    if getattr(limiter, "initialized", False):
        limiter.reset()


@pytest.fixture
def client(app: Flask, db_session: Any) -> FlaskClient:
    """A test client; the database is the test's own transaction."""
    return app.test_client()


@pytest.fixture
def f(db_session: Any) -> factories.Factory:
    """Factories that build rows in the test's transaction."""
    return factories.Factory(db_session)


@pytest.fixture
def world(f: factories.Factory, db_session: Any) -> World:
    """The foundation world (tests/support/foundation.py)."""
    return build_world(f, db_session)


# The domains' worlds, served here so that any package's tests may use them without
# importing another package's conftest (each is built in tests/support/<domain>.py).


@pytest.fixture
def mworld(f: factories.Factory, db_session: Any) -> MeetingWorld:
    """A group with a process leader, members from three agencies, people in every role."""
    return build_meeting_world(f, db_session)


@pytest.fixture
def pworld(f: factories.Factory, db_session: Any) -> PlanWorld:
    """The meetings' kind of group, with goal areas and a published plan template."""
    return build_plan_world(f, db_session)


@pytest.fixture
def sworld(f: factories.Factory, db_session: Any) -> SurveyWorld:
    """Two groups, members from three agency kinds, and the demo survey instrument."""
    return build_survey_world(f, db_session)


@pytest.fixture
def eworld(app: Flask, db_session: Any) -> EditWorld:
    """Something of every kind a person edits, with ``SPECS`` to edit each
    (tests/support/edit_world.py)."""
    with app.test_request_context("/"):
        return build_edit_world(app)


@pytest.fixture
def rworld(f: factories.Factory, db_session: Any) -> ReportWorld:
    """The board summary's small data set, every figure known."""
    return build_report_world(f, db_session)


def csrf_token(client: FlaskClient, page: str = "/login") -> str:
    """A CSRF token for the client's session, read from a rendered form."""
    response = client.get(page)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page} ({response.status_code})"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, email: str, password: str = factories.PASSWORD) -> None:
    """Sign in through the real form."""
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def put_session(client: FlaskClient, user_id: int) -> None:
    """Sign the person in without the form (``tests.support.sessions.sign_in_user``)."""
    sign_in_user(client, user_id)


def send_requested_resets(app: Flask) -> int:
    """What ``mail send`` does first: turn reset requests into queued mails."""
    from portal.accounts.views.signin import send_requested_resets as send

    with app.test_request_context():
        queued = send()
    db.session.commit()  # as the command does
    return queued


def post(
    client: FlaskClient,
    url: str,
    data: dict[str, Any] | None = None,
    token_page: str = "/",
    **kwargs: Any,
) -> Any:
    """POST with a valid CSRF token (taken from ``token_page``)."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, token_page)
    return client.post(url, data=payload, **kwargs)


class QueryCounter:
    """Counts the SQL statements sent to the database while active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.statements.append(statement)

    def direct(self, statement: str) -> None:
        """A statement ``portal.core.direct`` sent to psycopg itself."""
        self(None, None, statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask, db_session: Any) -> Iterator[Any]:
    """A context factory: ``with count_queries() as counter: ...``."""
    from contextlib import contextmanager

    @contextmanager
    def _counter() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        engine = db.engine  # db_session keeps the app context open
        sa.event.listen(engine, "before_cursor_execute", counter)
        direct.WATCHERS.append(counter.direct)  # statements sent past SQLAlchemy
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)
            direct.WATCHERS.remove(counter.direct)

    return _counter
