"""Nothing in the database joins a response to a person; drafts are unreadable without the link."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.surveys import answering, crypto, services
from portal.surveys.models import Ballot, Draft, Invitation, RoundKey, SurveyResponse
from tests.support.surveys import FULL_ANSWERS, links, make_round

ANONYMOUS = {"survey_responses", "survey_answers", "survey_ballots"}
PERSONAL = {
    "users",
    "memberships",
    "survey_invitations",
    "survey_drafts",
    "login_tokens",
    "association_people",
    "association_roles",
    "audit_events",
    "outbox_messages",
}


def parents(table: str) -> set[str]:
    """Every table reachable from ``table`` by following foreign keys to their parents."""
    seen: set[str] = set()
    todo = [table]
    while todo:
        current = db.metadata.tables[todo.pop()]
        for fk in current.foreign_keys:
            name = fk.column.table.name
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


@pytest.mark.parametrize("table", sorted(ANONYMOUS))
def test_no_foreign_key_path_leads_from_an_answer_to_a_person(app, table) -> None:
    reachable = parents(table)
    assert not reachable & PERSONAL, reachable & PERSONAL
    assert reachable <= {"survey_responses", "survey_rounds", "survey_questions",
                         "survey_instruments", "groups", "associations"}  # fmt: skip


def test_nothing_points_at_a_response_but_its_answers(app) -> None:
    for table in db.metadata.tables.values():
        for fk in table.foreign_keys:
            if fk.column.table.name in ANONYMOUS:
                assert table.name in ANONYMOUS, f"{table.name} points at {fk.column.table.name}"


@pytest.mark.parametrize("table", sorted(ANONYMOUS))
def test_no_person_time_or_sequence_column(app, table) -> None:
    columns = db.metadata.tables[table].columns
    for column in columns:
        assert not isinstance(column.type, sa.DateTime | sa.Date), column.name
        for word in ("user", "person", "invitation", "membership", "email", "token", "_at", "time"):
            assert word not in column.name, column.name
        if column.primary_key and column.name == "id":
            assert isinstance(column.type, sa.Uuid)
    assert db.metadata.tables[table].dialect_options["sqlite"]["with_rowid"] is False


def test_the_migrated_tables_have_no_rowid_on_sqlite(app, db_session) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("rowid is SQLite's")
    for table in ANONYMOUS:
        sql = db_session.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
        ).scalar_one()
        assert "WITHOUT ROWID" in sql.upper()


def token_of(world: Any, db_session: Any, role: str = "member") -> str:
    return links(db_session)[world.emails[role]].rsplit("/", 1)[1]


def test_submit_seals_a_ballot_deletes_the_draft_and_marks_the_invitation(
    sworld, db_session
) -> None:
    make_round(db_session, sworld)
    access = answering.find(token_of(sworld, db_session))
    answering.save_draft(access, {"A1": "4"})
    answering.submit(access, FULL_ANSWERS)
    invitation = db_session.get(Invitation, access.invitation.id)
    assert invitation.answered
    assert db_session.get(Draft, invitation.id) is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0
    ballot = db_session.scalar(sa.select(Ballot))
    assert isinstance(ballot.id, uuid.UUID)
    assert ballot.id.version == 4
    assert b"Tydligare" not in ballot.sealed
    assert ballot.round_id == invitation.round_id


def test_closing_writes_the_responses_without_agency_kind_and_forgets_the_keys(
    sworld, db_session
) -> None:
    survey_round = make_round(db_session, sworld, k=1)
    access = answering.find(token_of(sworld, db_session))
    answering.submit(access, FULL_ANSWERS)
    services.close_round(None, survey_round)
    db_session.flush()
    response = db_session.scalar(sa.select(SurveyResponse))
    assert response.group_id == sworld.group_id
    assert response.agency_kind is None  # never recorded: it narrowed the set (issue 15)
    assert response.id.version == 4
    for model in (Ballot, Draft, RoundKey):
        assert db_session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


def test_a_draft_needs_the_link_to_be_read(sworld, db_session, app) -> None:
    make_round(db_session, sworld)
    token = token_of(sworld, db_session)
    access = answering.find(token)
    answering.save_draft(access, {"A1": "7", "F1": "Hemligt utkast"})
    draft = db_session.get(Draft, access.invitation.id)
    assert b"Hemligt" not in draft.ciphertext
    assert b'"A1"' not in draft.ciphertext
    salt = access.invitation.token_salt
    other = token_of(sworld, db_session, "region_member")
    assert (
        crypto.decrypt_draft(other, salt, access.invitation.id, draft.nonce, draft.ciphertext)
        is None
    )
    # Bound to its invitation: moving the row to another invitation makes it unreadable.
    assert (
        crypto.decrypt_draft(token, salt, access.invitation.id + 1, draft.nonce, draft.ciphertext)
        is None
    )
    # The link's next page reads it.
    assert answering.load_draft(answering.find(token)) == {"A1": "7", "F1": "Hemligt utkast"}


def test_the_token_comes_from_the_rounds_secret_not_the_database(sworld, db_session, app) -> None:
    survey_round = make_round(db_session, sworld)
    token = token_of(sworld, db_session)
    invitation = answering.find(token).invitation
    assert crypto.link_token(app.config["SECRET_KEY"], invitation.token_salt) != token
    keys = services.round_keys(survey_round.id)
    assert crypto.link_token(keys.link_secret, invitation.token_salt) == token
    assert invitation.token_hash == crypto.token_hash(token)
    # The key row holds the secret wrapped: the database alone does not yield it.
    stored = db_session.get(RoundKey, survey_round.id)
    assert keys.link_secret not in stored.wrapped
    assert keys.private_key not in stored.wrapped
