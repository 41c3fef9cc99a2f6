"""Server-side sessions: sign-out ends a session wherever its cookie was copied."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.accounts.models import UserSession
from portal.accounts.services import sessions as session_service
from portal.db import utcnow
from portal.extensions import db
from portal.groups.services import end_membership
from portal.organisations.models import AssociationPerson, AssociationRoleName
from portal.people.services import set_roles
from tests.conftest import csrf_token, login, post

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/140.0 Safari/537.36"
)


def _signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def _copy(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    other = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value)
    return other


@pytest.fixture
def person(f):
    association = f.association()
    return f.user(association)


def test_a_copied_cookie_is_anonymous_after_sign_out(app, client, person):
    login(client, person.email)
    thief = _copy(app, client)
    assert _signed_in(thief)

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    assert not _signed_in(client)
    assert not _signed_in(thief)


def test_sign_out_everywhere_ends_every_session(app, client, person):
    login(client, person.email)
    laptop = app.test_client()
    login(laptop, person.email)

    response = post(client, "/logout/everywhere")

    assert response.status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(laptop)


def test_sign_out_other_sessions_keeps_this_one(app, client, person):
    login(client, person.email)
    laptop = app.test_client()
    login(laptop, person.email)

    post(client, "/account/sessions/end-others")

    assert _signed_in(client)
    assert not _signed_in(laptop)


def test_the_account_page_lists_sessions_and_ends_one(app, client, person, f):
    login(client, person.email)
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = CHROME_ON_WINDOWS
    login(phone, person.email)
    page = client.get("/account").get_data(as_text=True)
    assert "Chrome på Windows" in page
    assert "denna webbläsare" in page
    row = db.session.scalar(
        sa.select(UserSession).where(UserSession.user_agent == CHROME_ON_WINDOWS)
    )

    stranger = f.user(f.association())
    intruder = app.test_client()
    login(intruder, stranger.email)
    assert post(intruder, f"/account/sessions/{row.id}/end").status_code == 404
    assert _signed_in(phone)

    post(client, f"/account/sessions/{row.id}/end")
    assert not _signed_in(phone)
    assert _signed_in(client)


def test_checking_the_session_is_the_one_statement_that_loads_the_person(
    client, person, count_queries
):
    login(client, person.email)
    client.get("/account")
    with count_queries() as counter:
        assert client.get("/account").status_code == 200
    touching = [s for s in counter.statements if "user_sessions" in s]
    # One to check the session (it also loads the person), one to list them on this page.
    assert len(touching) == 2
    assert sum("FROM users JOIN user_sessions" in s for s in counter.statements) == 1


@pytest.mark.parametrize(
    ("field", "age"),
    [("last_seen_at", dt.timedelta(hours=8, minutes=1)), ("created_at", dt.timedelta(days=31))],
)
def test_idle_and_old_sessions_end(client, person, field, age):
    login(client, person.email)
    db.session.execute(sa.update(UserSession).values({field: utcnow() - age}))
    assert not _signed_in(client)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0


def test_use_keeps_a_session_alive(client, person):
    login(client, person.email)
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - dt.timedelta(hours=7)))
    assert _signed_in(client)
    seen = db.session.scalar(sa.select(UserSession.last_seen_at))
    assert utcnow() - seen < dt.timedelta(minutes=1)


def test_a_removed_role_ends_the_persons_sessions(client, f):
    association = f.association()
    admin = f.admin(association)
    board = f.board(association)
    login(client, board.email)
    row = db.session.get(
        AssociationPerson,
        (association.id, board.id),
    )
    set_roles(admin, association, board, set(), row.lock_version)
    assert not _signed_in(client)


def test_adding_a_role_keeps_the_session(client, f):
    association = f.association()
    admin = f.admin(association)
    person = f.user(association)
    login(client, person.email)
    row = db.session.get(
        AssociationPerson,
        (association.id, person.id),
    )
    set_roles(admin, association, person, {AssociationRoleName.BOARD}, row.lock_version)
    assert _signed_in(client)


def test_the_last_ended_membership_ends_the_sessions_but_not_an_earlier_one(client, f):
    association = f.association()
    admin = f.admin(association)
    person = f.user(association)
    first = f.membership(f.group(association), person)
    last = f.membership(f.group(association), person)
    login(client, person.email)
    today = dt.datetime.now(dt.UTC).date()

    end_membership(admin, first, today, first.lock_version)
    assert _signed_in(client)
    end_membership(admin, last, today, last.lock_version)
    assert not _signed_in(client)


def test_the_csrf_token_changes_at_sign_in(client, person):
    before = csrf_token(client, "/login")
    login(client, person.email)
    # The token handed out before sign-in no longer passes.
    response = client.post("/account/sessions/end-others", data={"csrf_token": before})
    assert response.status_code == 400
    assert csrf_token(client, "/") != before


def test_expired_sessions_are_swept(person):
    session_service.start_session(person, "x")
    db.session.execute(sa.update(UserSession).values(created_at=utcnow() - dt.timedelta(days=40)))
    limits = session_service.Timeouts(dt.timedelta(hours=8), dt.timedelta(days=30))
    assert session_service.delete_expired(limits) == 1
