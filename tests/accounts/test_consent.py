"""Issue 19, items 2 and 7: an association admin learns nothing about other tenants'
accounts, registers nobody without consent, and cannot move a sign-in address alone."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.accounts.models import LoginToken, TokenPurpose, User
from portal.accounts.services.passwords import issue_token
from portal.core.audit import AuditEvent
from portal.organisations.models import AssociationPerson
from portal.people.models import EmailChange
from tests.accounts.conftest import flashes, outbox
from tests.conftest import csrf_token, login, post

JOIN_RE = re.compile(r"http://portal\.test(/join/[A-Za-z0-9_-]+)")
CONFIRM_RE = re.compile(r"http://portal\.test(/account/email/[A-Za-z0-9_-]+)")


def _add(client, slug, name, email):
    response = post(client, f"/a/{slug}/people/new", {"name": name, "email": email})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return response, page


def test_adding_another_associations_person_reveals_nothing(app, client, f, db_session):
    ours, theirs = f.association(), f.association()
    admin = f.admin(ours)
    other = f.user(theirs, name="Bertil Verkligtnamn", email="bertil@example.org")
    pending = f.user(theirs, name="Cecilia Inbjuden", email="cecilia@example.org", password=False)
    their_link = issue_token(pending, TokenPurpose.INVITE, 48)
    db_session.commit()
    login(client, admin.email)

    answers = []
    for email in ("bertil@example.org", "ny.person@example.org", "cecilia@example.org"):
        response, page = _add(client, ours.slug, "Skriven Namn", email)
        answers.append(
            (response.status_code, response.headers["Location"], flashes(page.replace(email, "X")))
        )
    assert answers[0] == answers[1] == answers[2]

    register = client.get(f"/a/{ours.slug}/people/").get_data(as_text=True)
    for text in ("Bertil Verkligtnamn", "Cecilia Inbjuden"):
        assert text not in register
    # Nobody is registered before they accept; no account was created or changed.
    assert db_session.get(AssociationPerson, (ours.id, other.id)) is None
    assert db_session.scalar(sa.select(User).where(User.email == "ny.person@example.org")) is None
    # Their own association's invitation still works.
    assert client.get(f"/password/set/{their_link}").status_code == 200
    assert [m.recipient for m in outbox(db_session)] == [
        "bertil@example.org",
        "ny.person@example.org",
        "cecilia@example.org",
    ]


def test_an_existing_account_joins_only_when_signed_in_as_itself(app, client, f, db_session):
    ours, theirs = f.association(), f.association()
    admin = f.admin(ours)
    person = f.user(theirs, email="bertil@example.org")
    stranger = f.user(theirs)
    db_session.commit()
    login(client, admin.email)
    _add(client, ours.slug, "Bertil", person.email)
    link = JOIN_RE.search(outbox(db_session)[-1].body_text).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    assert client.get(link).status_code == 302  # to the sign-in page
    login(client, stranger.email)
    assert client.get(link).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, person.email)
    assert post(client, link, token_page=link).status_code == 302
    assert db_session.get(AssociationPerson, (ours.id, person.id)) is not None
    assert client.get(link).status_code == 410  # used


def test_a_new_address_joins_by_choosing_a_password(app, client, f, db_session):
    ours = f.association()
    admin = f.admin(ours)
    login(client, admin.email)
    _add(client, ours.slug, "Nils Ny", "nils@example.org")
    link = JOIN_RE.search(outbox(db_session)[-1].body_text).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    password = "a long enough password"
    response = post(
        client,
        link,
        {"name": "Nils Ny", "password": password, "confirm": password},
        token_page=link,
    )
    assert response.status_code == 302
    user = db_session.scalar(sa.select(User).where(User.email == "nils@example.org"))
    assert db_session.get(AssociationPerson, (ours.id, user.id)) is not None
    assert client.get("/").status_code == 200


def test_no_password_link_for_a_person_other_associations_share(client, f, db_session):
    ours, theirs = f.association(), f.association()
    admin = f.admin(ours)
    shared = f.user(ours, password=False)
    db_session.add(AssociationPerson(association_id=theirs.id, user_id=shared.id))
    their_link = issue_token(shared, TokenPurpose.INVITE, 48)
    db_session.commit()
    login(client, admin.email)

    post(client, f"/a/{ours.slug}/people/{shared.id}/invite")

    assert outbox(db_session) == []
    assert client.get(f"/password/set/{their_link}").status_code == 200


def _change_email(client, slug, person, new):
    page = client.get(f"/a/{slug}/people/{person.id}").get_data(as_text=True)
    version = re.search(r'name="lock_version"[^>]*value="(\d+)"', page).group(1)
    return post(
        client,
        f"/a/{slug}/people/{person.id}",
        {"name": person.name, "email": new, "lock_version": version},
    )


def test_an_admin_cannot_move_a_sign_in_alone(app, client, f, db_session):
    ours = f.association()
    admin, second = f.admin(ours), f.admin(ours)
    person = f.user(ours, email="anna@example.org")
    db_session.commit()
    login(client, admin.email)

    assert _change_email(client, ours.slug, person, "admin.owns@example.org").status_code == 302
    db_session.refresh(person)
    assert person.email == "anna@example.org"
    [mail] = outbox(db_session)
    assert mail.recipient == "admin.owns@example.org"
    # The asking admin cannot approve it themselves.
    post(client, f"/a/{ours.slug}/people/{person.id}/email-change")
    db_session.refresh(person)
    assert person.email == "anna@example.org"
    # Following the link needs the person's own sign-in.
    link = CONFIRM_RE.search(mail.body_text).group(1)
    assert client.get(link).status_code == 410
    actions = db_session.scalars(sa.select(AuditEvent.action)).all()
    assert "email.change_requested" in actions

    other = app.test_client()
    login(other, second.email)
    post(other, f"/a/{ours.slug}/people/{person.id}/email-change")
    db_session.refresh(person)
    assert person.email == "admin.owns@example.org"
    event = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "email.change_confirmed")
    ).one()
    assert event.actor_id == second.id


def test_the_person_confirms_their_new_address(app, client, f, db_session):
    ours = f.association()
    admin = f.admin(ours)
    person = f.user(ours, email="anna@example.org")
    db_session.commit()
    login(client, admin.email)
    _change_email(client, ours.slug, person, "anna.ny@example.org")
    link = CONFIRM_RE.search(outbox(db_session)[-1].body_text).group(1)

    own = app.test_client()
    login(own, person.email)
    assert own.get(link).status_code == 200
    post(own, link, token_page=link)
    db_session.refresh(person)
    assert person.email == "anna.ny@example.org"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(EmailChange)) == 0


def test_an_unclaimed_account_changes_address_at_once(client, f, db_session):
    ours = f.association()
    admin = f.admin(ours)
    person = f.user(ours, email="ny@example.org", password=False)
    db_session.commit()
    login(client, admin.email)
    _change_email(client, ours.slug, person, "ratt@example.org")
    db_session.refresh(person)
    assert person.email == "ratt@example.org"
    assert not db_session.scalars(sa.select(LoginToken)).all()
