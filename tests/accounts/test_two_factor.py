"""Two-factor sign-in with TOTP and recovery codes (issue 19)."""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa

from portal.accounts.services import totp
from portal.core.audit import AuditEvent
from portal.organisations.models import Association, AssociationPerson
from tests.conftest import csrf_token, login, post
from tests.factories import PASSWORD

SECRET_RE = re.compile(r"<code>([A-Z2-7]{32})</code>")
CODES_RE = re.compile(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>")


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _enable(client):
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1)
    assert "<svg" in page  # the QR code, inline
    response = post(
        client,
        "/account/two-factor",
        {"code": pyotp.TOTP(secret).now()},
        token_page="/account/two-factor",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return secret, CODES_RE.findall(response.get_data(as_text=True))


def _password_step(client, email):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return response.headers["Location"]


def _code_step(client, code):
    return post(client, "/login/code", {"code": code}, token_page="/login/code")


@pytest.fixture
def enrolled(app, client, f, db_session):
    person = f.user(f.association())
    login(client, person.email)
    secret, codes = _enable(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    # The code used to turn it on is spent; the next step's code signs in.
    db_session.refresh(person)
    person.totp_last_step = None
    db_session.commit()
    return person, secret, codes


def test_turning_it_on_stores_an_encrypted_secret_and_ten_codes(client, f, db_session):
    person = f.user()
    login(client, person.email)
    secret, codes = _enable(client)
    db_session.refresh(person)
    assert person.totp_secret is not None
    assert secret not in person.totp_secret
    assert len(codes) == 10
    assert len(set(codes)) == 10
    stored = db_session.execute(sa.text("SELECT code_hash FROM recovery_codes")).scalars().all()
    assert not set(stored) & {c.replace("-", "") for c in codes}


def test_the_password_alone_does_not_sign_in(client, enrolled):
    person, secret, _codes = enrolled
    assert _password_step(client, person.email) == "/login/code"
    assert not _signed_in(client)
    assert (
        _code_step(
            client, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
        ).status_code
        == 400
    )
    assert not _signed_in(client)
    code = pyotp.TOTP(secret).now()
    assert _code_step(client, code).status_code == 302
    assert _signed_in(client)

    # The same code cannot be used a second time.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _password_step(client, person.email)
    assert _code_step(client, code).status_code == 400
    assert not _signed_in(client)


def test_a_recovery_code_works_once(client, enrolled):
    person, _secret, codes = enrolled
    _password_step(client, person.email)
    assert _code_step(client, codes[0].upper()).status_code == 302
    assert _signed_in(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _password_step(client, person.email)
    assert _code_step(client, codes[0]).status_code == 400


def test_five_wrong_codes_start_the_sign_in_over(client, enrolled):
    person, _secret, _codes = enrolled
    _password_step(client, person.email)
    for _ in range(4):
        assert _code_step(client, "12345x").status_code == 400
    response = _code_step(client, "12345x")
    assert response.headers["Location"] == "/login"
    assert client.get("/login/code").headers["Location"] == "/login"
    assert not _signed_in(client)


def test_an_association_can_require_it_of_admins(client, f, db_session):
    association = f.association()
    association.require_two_factor = True
    admin = f.admin(association)
    member = f.user(association)
    db_session.commit()

    login(client, member.email)
    assert _signed_in(client)  # not an admin or board member: not required
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, admin.email)
    response = client.get(f"/a/{association.slug}/people/")
    assert response.headers["Location"] == "/account/two-factor"
    _enable(client)
    assert client.get(f"/a/{association.slug}/people/").status_code == 200
    # It cannot be turned off while required.
    assert "Stäng av" not in client.get("/account/two-factor").get_data(as_text=True)


def test_an_admin_reset_is_audited_and_signs_the_person_out(app, client, f, db_session, enrolled):
    person, secret, _codes = enrolled
    association = db_session.scalars(
        sa.select(Association)
        .join(AssociationPerson, AssociationPerson.association_id == Association.id)
        .where(AssociationPerson.user_id == person.id)
    ).one()
    admin = f.admin(association)
    _password_step(client, person.email)
    _code_step(client, pyotp.TOTP(secret).now())
    assert _signed_in(client)

    other = app.test_client()
    login(other, admin.email)
    post(other, f"/a/{association.slug}/people/{person.id}/two-factor/reset")

    db_session.refresh(person)
    assert not totp.is_enabled(person)
    assert not _signed_in(client)
    event = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "two_factor.reset")
    ).one()
    assert event.actor_id == admin.id
