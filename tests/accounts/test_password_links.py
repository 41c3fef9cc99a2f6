"""Invitation and reset links: the e-mail, the stored hash, single use and expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale, gettext

from portal.accounts.models import LoginToken, TokenPurpose, User
from portal.accounts.services import passwords as services
from portal.core.audit import AuditEvent
from portal.db import utcnow
from tests.accounts.conftest import flashes, outbox
from tests.conftest import csrf_token, login, post, send_requested_resets
from tests.factories import PASSWORD

NEW_PASSWORD = "a brand new password, long enough"
LINK_RE = re.compile(r"(http://portal\.test/password/set/([A-Za-z0-9_-]+))(?=\s|$)")


def _forgot(client, email):
    """Ask for a reset link, then run the sender's first step (``mail send``)."""
    token = csrf_token(client, "/password/forgot")
    response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
    send_requested_resets(client.application)
    return response


def _link_token(body: str) -> str:
    """The raw token of the one set-password link in a mail body."""
    links = LINK_RE.findall(body)
    assert len(links) == 1, body
    return links[0][1]


def _choose(client, token, password=NEW_PASSWORD, confirm=None):
    url = f"/password/set/{token}"
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(
        url,
        data={
            "password": password,
            "confirm": password if confirm is None else confirm,
            "csrf_token": csrf_token(client, url),
        },
    )


def _tokens(db_session, user):
    return list(
        db_session.scalars(
            sa.select(LoginToken).where(LoginToken.user_id == user.id).order_by(LoginToken.id)
        )
    )


def test_forgot_password_queues_one_link_for_a_known_address(client, f, db_session):
    user = f.user()

    response = _forgot(client, user.email.upper())

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    [message] = outbox(db_session)
    assert message.recipient == user.email
    assert message.association_id is None
    token = _link_token(message.body_text)
    assert f"http://portal.test/password/set/{token}" in message.body_text
    [row] = _tokens(db_session, user)
    assert row.purpose is TokenPurpose.RESET
    assert row.used_at is None
    assert dt.timedelta(hours=47) < row.expires_at - utcnow() <= dt.timedelta(hours=48)


def test_forgot_password_for_an_unknown_address_says_the_same_and_sends_nothing(app, f, db_session):
    known = f.user()
    replies = []
    for email in (known.email, "nobody@example.org"):
        client = app.test_client()
        response = _forgot(client, email)
        page = client.get(response.headers["Location"])
        replies.append((response.status_code, response.headers["Location"], flashes(page.text)))

    assert replies[0] == replies[1]
    assert replies[0][2], "no flash message shown"
    assert len(outbox(db_session)) == 1  # the known address's only


def test_forgot_password_sends_nothing_to_an_inactive_account(client, f, db_session):
    user = f.user()
    user.active = False
    db_session.commit()

    response = _forgot(client, user.email)

    assert response.status_code == 302
    assert outbox(db_session) == []


def test_forgot_password_with_a_malformed_address_reshows_the_form(client, db_session):
    response = _forgot(client, "not an address")

    assert response.status_code == 400
    assert 'name="email"' in response.text
    assert outbox(db_session) == []


def test_only_the_hash_of_the_token_is_stored(client, f, db_session):
    user = f.user()
    _forgot(client, user.email)
    raw = _link_token(outbox(db_session)[0].body_text)

    [row] = _tokens(db_session, user)

    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = db_session.execute(sa.text("SELECT * FROM login_tokens")).all()
    assert stored
    assert all(raw not in str(value) for record in stored for value in record)


def test_link_works_once(client, f, db_session):
    user = f.user()
    _forgot(client, user.email)
    token = _link_token(outbox(db_session)[0].body_text)

    response = _choose(client, token)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    [row] = _tokens(db_session, user)
    assert row.used_at is not None

    again = client.get(f"/password/set/{token}")
    assert again.status_code == 410
    reuse = client.post(
        f"/password/set/{token}",
        data={
            "password": "yet another password",
            "confirm": "yet another password",
            "csrf_token": csrf_token(client, "/"),  # signed in now
        },
    )
    assert reuse.status_code == 410


def test_new_password_replaces_the_old_one(app, f, db_session):
    user = f.user()
    services.send_password_link(
        user, TokenPurpose.RESET, link_for=lambda t: f"http://portal.test/x/{t}", lifetime_hours=1
    )
    raw = outbox(db_session)[0].body_text.split("http://portal.test/x/")[1].split()[0]
    assert _choose(app.test_client(), raw).status_code == 302

    assert services.authenticate(user.email, NEW_PASSWORD) == user
    assert services.authenticate(user.email, PASSWORD) is None
    assert user.password_hash.startswith("$argon2id$")
    assert (
        db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "password.set")).actor_id
        == user.id
    )


def test_expired_link_is_gone(client, f, db_session):
    user = f.user()
    _forgot(client, user.email)
    token = _link_token(outbox(db_session)[0].body_text)
    db_session.execute(
        sa.update(LoginToken)
        .where(LoginToken.user_id == user.id)
        .values(expires_at=utcnow() - dt.timedelta(minutes=1))
    )
    db_session.commit()

    assert client.get(f"/password/set/{token}").status_code == 410
    response = client.post(
        f"/password/set/{token}",
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert response.status_code == 410
    db_session.refresh(user)
    assert services.authenticate(user.email, PASSWORD) == user


def test_garbage_and_overlong_tokens(client):
    assert client.get("/password/set/not-a-token").status_code == 410
    assert client.get("/password/set/" + "a" * 129).status_code == 404


def test_a_new_link_kills_the_older_unused_one(client, f, db_session):
    user = f.user()
    _forgot(client, user.email)
    _forgot(client, user.email)
    first, second = (_link_token(m.body_text) for m in outbox(db_session))

    assert client.get(f"/password/set/{first}").status_code == 410
    assert client.get(f"/password/set/{second}").status_code == 200


def test_a_reset_link_kills_an_unused_invitation(client, f, db_session):
    user = f.user(password=False)
    invitation = services.issue_token(user, TokenPurpose.INVITE, 48)
    db_session.commit()

    _forgot(client, user.email)
    reset = _link_token(outbox(db_session)[0].body_text)

    assert client.get(f"/password/set/{invitation}").status_code == 410
    assert client.get(f"/password/set/{reset}").status_code == 200


def test_setting_a_password_voids_every_other_link(app, f, db_session):
    user = f.user()
    reset = services.issue_token(user, TokenPurpose.RESET, 48)
    # Issued directly so both exist: the normal flow retires the older one itself.
    db_session.add(
        LoginToken(
            user_id=user.id,
            purpose=TokenPurpose.INVITE,
            token_hash=hashlib.sha256(b"older-invitation").hexdigest(),
            created_at=utcnow(),
            expires_at=utcnow() + dt.timedelta(hours=1),
        )
    )
    db_session.commit()

    client = app.test_client()
    assert _choose(client, reset).status_code == 302
    assert client.get("/password/set/older-invitation").status_code == 410


def test_invitation_signs_in_and_ends_other_sessions(app, f, db_session):
    user = f.user()
    elsewhere, here = app.test_client(), app.test_client()
    login(elsewhere, user.email)
    assert elsewhere.get("/").status_code == 200
    version = user.session_version
    token = services.issue_token(user, TokenPurpose.INVITE, 48)
    db_session.commit()

    response = _choose(here, token)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert [c for c, _t in flashes(here.get("/").text)] == ["success"]
    assert here.get("/").status_code == 200
    db_session.refresh(user)
    assert user.session_version == version + 1
    gone = elsewhere.get("/")
    assert gone.status_code == 302
    assert gone.headers["Location"].startswith("/login")


def test_setting_a_password_replaces_whoever_was_signed_in(client, f, db_session):
    someone_else = f.user()
    user = f.user(password=False)
    login(client, someone_else.email)
    token = services.issue_token(user, TokenPurpose.INVITE, 48)
    db_session.commit()

    assert _choose(client, token).status_code == 302

    assert user.name in client.get("/").text
    assert someone_else.name not in client.get("/").text


@pytest.mark.parametrize(
    ("password", "confirm"),
    [
        ("too short", "too short"),
        (NEW_PASSWORD, NEW_PASSWORD + " but different"),
        ("", ""),
    ],
    ids=["too-short", "mismatch", "empty"],
)
def test_invalid_password_reshows_the_form_and_keeps_nothing(
    client, f, db_session, password, confirm
):
    user = f.user(password=False)
    token = services.issue_token(user, TokenPurpose.INVITE, 48)
    db_session.commit()

    response = _choose(client, token, password, confirm)

    assert response.status_code == 400
    html = response.text
    assert 'name="password"' in html
    assert 'name="confirm"' in html
    assert "error" in html
    db_session.refresh(user)
    assert user.password_hash is None
    assert user.session_version == 1
    [row] = _tokens(db_session, user)
    assert row.used_at is None
    assert client.get(f"/password/set/{token}").status_code == 200
    assert client.get("/").status_code == 302  # not signed in
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_mail_is_swedish_by_default(app, f, db_session):
    user = f.user()
    with app.test_request_context("/"):
        services.send_password_link(
            user,
            TokenPurpose.RESET,
            link_for=lambda t: f"http://portal.test/l/{t}",
            lifetime_hours=2,
        )
        with force_locale("sv"):
            swedish_subject = gettext("Reset your password for Samverkansportalen")
    [message] = outbox(db_session)
    assert message.recipient == user.email
    assert message.subject == swedish_subject
    assert "http://portal.test/l/" in message.body_text


def test_mail_follows_the_persons_saved_language(app, f, db_session):
    user = f.user()
    user.locale = "en"
    with app.test_request_context("/"):
        services.send_password_link(
            user,
            TokenPurpose.INVITE,
            link_for=lambda t: f"http://portal.test/l/{t}",
            lifetime_hours=2,
        )
    [message] = outbox(db_session)
    assert message.subject == "Welcome to Samverkansportalen"
    assert message.body_text.startswith(f"Hello {user.name},")


def test_mail_language_does_not_follow_the_senders_interface(client, f, db_session):
    association = f.association()
    admin = f.admin(association)
    person = f.user(association, password=False)
    login(client, admin.email)
    post(client, "/language", {"locale": "en", "next": "/"})

    post(client, f"/a/{association.slug}/people/{person.id}/invite")

    [message] = outbox(db_session)
    with client.application.test_request_context("/"), force_locale("sv"):
        assert message.subject == gettext("Welcome to Samverkansportalen")


# --- invitations sent by an association admin ------------------------------------------


def test_admin_invites_a_person_without_password(client, f, db_session):
    association = f.association()
    admin = f.admin(association)
    person = f.user(association, password=False)
    login(client, admin.email)

    response = post(client, f"/a/{association.slug}/people/{person.id}/invite")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/a/{association.slug}/people/{person.id}"
    [message] = outbox(db_session)
    assert message.recipient == person.email
    assert message.association_id == association.id
    token = _link_token(message.body_text)
    [row] = _tokens(db_session, person)
    assert row.purpose is TokenPurpose.INVITE

    invited = client.application.test_client()
    assert _choose(invited, token).status_code == 302
    assert invited.get("/").status_code == 200
    db_session.refresh(person)
    assert person.password_hash.startswith("$argon2id$")


def test_admin_invite_to_a_person_with_a_password_sends_a_reset(client, f, db_session):
    association = f.association()
    admin = f.admin(association)
    person = f.user(association)
    login(client, admin.email)

    post(client, f"/a/{association.slug}/people/{person.id}/invite")

    [row] = _tokens(db_session, person)
    assert row.purpose is TokenPurpose.RESET
    assert [m.recipient for m in outbox(db_session)] == [person.email]


def test_admin_cannot_invite_someone_outside_the_association(client, f, db_session):
    association = f.association()
    admin = f.admin(association)
    outsider = f.user(f.association(), password=False)
    login(client, admin.email)

    response = post(client, f"/a/{association.slug}/people/{outsider.id}/invite")

    assert response.status_code == 404
    assert outbox(db_session) == []


def test_board_member_cannot_invite(client, f, db_session):
    association = f.association()
    board = f.board(association)
    person = f.user(association, password=False)
    login(client, board.email)

    response = post(client, f"/a/{association.slug}/people/{person.id}/invite")

    assert response.status_code == 404
    assert outbox(db_session) == []


def test_invite_needs_csrf(client, f, db_session):
    association = f.association()
    admin = f.admin(association)
    person = f.user(association, password=False)
    login(client, admin.email)

    response = client.post(f"/a/{association.slug}/people/{person.id}/invite")

    assert response.status_code == 400
    assert outbox(db_session) == []


def test_user_model_is_what_the_links_change(app: Flask, f, db_session):
    """Guard for the tests above: a fresh user starts at session version 1, no locale."""
    user = f.user(password=False)
    fresh = db_session.get(User, user.id)
    assert fresh.session_version == 1
    assert fresh.locale is None


def test_a_reset_request_does_the_same_work_for_known_and_unknown_addresses(app, f, count_queries):
    """Issue 19: a known address answered slower (its link was made in the request)."""
    known = f.user()
    statements = []
    for email in (known.email, "nobody@example.org"):
        client = app.test_client()
        token = csrf_token(client, "/password/forgot")
        with count_queries() as counter:
            response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
        assert response.status_code == 302
        statements.append(counter.statements)
    assert statements[0] == statements[1]
    assert not any("users" in statement for statement in statements[0])
