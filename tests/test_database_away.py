"""When the database does not answer, every page says so: 503, Retry-After, in Swedish
(English for those who chose it), rendered without the database; htmx requests get the
message to show in place; nothing is half-written; and the portal recovers by itself.

Two ways to lose the database: an app whose database address is a closed port, and
(PostgreSQL) a backend connection terminated with ``pg_terminate_backend`` in the
middle of a request that is saving.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal import create_app
from portal.accounts.models import User
from portal.extensions import db
from portal.organisations.models import Agency, Association
from tests.conftest import TEST_CONFIG, put_session
from tests.factories import Factory
from tests.html_forms import forms

CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"
SWEDISH = "Tjänsten är inte tillgänglig just nu"
ENGLISH = "The service is unavailable"
HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def down_app() -> Iterator[Flask]:
    """The portal with nothing listening where its database should be."""
    application = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": CLOSED_PORT_URL, "WTF_CSRF_ENABLED": False}
    )
    yield application
    with application.app_context():
        db.engine.dispose()


def _signed_in(app: Flask, locale: str | None = None) -> Any:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:1"
        session["_sid"] = "a session key"  # the loader asks the database, which is away
        session["_fresh"] = True
        if locale:
            session["locale"] = locale
    return client


def _assert_unavailable(response: Any, text: str = SWEDISH, *, whole: bool = True) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:400]
    assert int(response.headers["Retry-After"]) > 0
    assert (text if whole else "når inte sin databas") in body
    assert body.lstrip().lower().startswith("<!doctype html") is whole
    assert "Internal Server Error" not in body
    return body


PAGES = [
    "/",
    "/a/gavleborg/groups/1",
    "/a/gavleborg/plans/1",
    "/a/gavleborg/meetings/1/minutes",
    "/a/gavleborg/meetings/1/attendance",
    "/a/gavleborg/reports/2025/texts",
    "/platform/associations",
]


@pytest.mark.parametrize("url", PAGES)
def test_signed_in_pages_answer_503_in_swedish(down_app, url) -> None:
    """The person is loaded from the database: before, the error page itself failed."""
    _assert_unavailable(_signed_in(down_app).get(url))


def test_anonymous_pages_and_forms_answer_503(down_app) -> None:
    client = down_app.test_client()
    survey = client.get("/survey/" + "x" * 43)
    _assert_unavailable(survey)
    login = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
    body = _assert_unavailable(login)
    assert "sparades inte" in body  # a post is told its data was not saved
    assert client.get("/healthz").status_code == 503


def test_a_survey_submit_answers_503_when_the_fast_path_finds_no_database(down_app) -> None:
    """A confirmed review form with a valid slot cookie (the submit's fast path,
    ``surveys.views.fastpath``): its connection fails, so it hands the request on, and
    the view's page says the service is unavailable; the answers stay in the browser's
    form, to be sent again."""
    from portal.surveys.views import slots

    secret = down_app.config["SECRET_KEY"]
    slot = "s" * 32
    value = slots.dump(secret, slots.SlotCookie(slot, "t" * 43, 1, 1))
    client = down_app.test_client()
    client.set_cookie(slots.SLOT_COOKIE, value, path=f"/survey/s/{slot}")
    form = {
        "csrf_token": slots.csrf_token(secret, value),
        "instrument": "1",
        "version": "2026-01-01T00:00:00+00:00",
        "answer-A1": "5",
    }
    _assert_unavailable(client.post(f"/survey/s/{slot}/submit", data=form))


def test_english_when_the_person_chose_english(down_app) -> None:
    response = _signed_in(down_app, "en").get("/a/gavleborg/groups/1")
    body = _assert_unavailable(response, ENGLISH)
    assert '<html lang="en">' in body


def test_htmx_requests_get_the_message_to_show_in_place(down_app) -> None:
    client = _signed_in(down_app)
    fragment = client.post(
        "/a/gavleborg/plans/1/goals/1", data={"title": "Mitt mål", "lock_version": 1}, headers=HX
    )
    body = _assert_unavailable(fragment, whole=False)
    assert "data-unavailable" in body
    assert 'role="alert"' in body
    assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]


def test_the_api_answers_503_in_json(down_app) -> None:
    response = down_app.test_client().get(
        "/api/v1/associations/1/groups", headers={"Authorization": "Bearer svp_" + "x" * 40}
    )
    assert response.status_code == 503
    assert response.get_json()["error"]["status"] == 503
    assert response.headers["Retry-After"]


# --- a connection terminated in the middle of a save (PostgreSQL) ---------------------

needs_postgres = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="pg_terminate_backend is PostgreSQL's",
)


@pytest.fixture
def saved_world(app: Flask) -> Iterator[dict[str, Any]]:
    """A committed association with an admin and an agency; removed afterwards."""
    with app.app_context():
        f = Factory(db.session)
        association = f.association()
        agency = f.agency(association, name="Ockelbo kommun")
        admin = f.admin(association)
        world = {
            "slug": association.slug,
            "association_id": association.id,
            "agency_id": agency.id,
            "admin_id": admin.id,
        }
        db.session.remove()
    yield world
    with app.app_context():
        db.session.execute(sa.delete(Association).where(Association.id == world["association_id"]))
        db.session.execute(sa.delete(User).where(User.id == world["admin_id"]))
        db.session.commit()
        db.session.remove()


@needs_postgres
def test_a_connection_cut_mid_save_writes_nothing_and_the_next_request_works(
    app: Flask, saved_world: dict[str, Any]
) -> None:
    client = app.test_client()
    put_session(client, saved_world["admin_id"])
    url = f"/a/{saved_world['slug']}/agencies/{saved_world['agency_id']}"
    data = forms(client.get(url).get_data(as_text=True))[""].data()
    data["name"] = "Ockelbo kommun (nytt namn)"
    cut = {"done": False}

    def terminate(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # After the UPDATE has been sent, before the commit: end this backend from
        # another connection, as a database restart or an administrator would.
        if cut["done"] or not statement.lstrip().upper().startswith("INSERT INTO AUDIT"):
            return
        cut["done"] = True
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", terminate)
    try:
        response = client.post(url, data=data)
    finally:
        sa.event.remove(engine, "before_cursor_execute", terminate)
    assert cut["done"]
    _assert_unavailable(response)
    with app.app_context():
        assert db.session.get(Agency, saved_world["agency_id"]).name == "Ockelbo kommun"
        db.session.remove()
    # The pool replaces the lost connection: the same save now goes through.
    data = forms(client.get(url).get_data(as_text=True))[""].data()
    data["name"] = "Ockelbo kommun (nytt namn)"
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Agency, saved_world["agency_id"]).name == data["name"]
        db.session.remove()


# --- races no view expected: a 409, never a 500 ---------------------------------------


@pytest.fixture(scope="module")
def racing_app() -> Flask:
    """The portal with three extra routes that lose races the way a save can."""
    from flask_login import AnonymousUserMixin
    from sqlalchemy.orm.exc import StaleDataError

    application = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    def anonymous() -> None:
        from flask import g

        g._login_user = AnonymousUserMixin()

    application.before_request_funcs.setdefault(None, []).insert(0, anonymous)

    def stale() -> str:
        raise StaleDataError("UPDATE statement on table 'x' expected to update 1 row(s)")

    def unique() -> str:
        raise sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key value"))

    def at_commit() -> str:
        def fail() -> None:
            raise sa.exc.IntegrityError("COMMIT", {}, Exception("duplicate key value"))

        db.session.commit = fail  # type: ignore[method-assign]
        return "saved"

    for view in (stale, unique, at_commit):
        view.is_public = True  # type: ignore[attr-defined]
        application.add_url_rule(f"/race/{view.__name__}", view.__name__, view)

    @application.teardown_request
    def _restore(_error: BaseException | None) -> None:
        vars(db.session).pop("commit", None)  # the shared session's own commit again

    return application


@pytest.mark.parametrize("route", ["stale", "unique", "at_commit"])
def test_a_race_no_view_expected_answers_409_with_words(racing_app, route) -> None:
    response = racing_app.test_client().get(f"/race/{route}")
    body = response.get_data(as_text=True)
    assert response.status_code == 409, body[:300]
    assert "Någon annan sparade i samma ögonblick" in body
    assert "Inget av det du skickade sparades" in body
    assert "commit" not in vars(db.session)  # the stand-in is gone again
