"""Nothing in the database joins a response to a person; drafts are unreadable without the link."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.organisations.models import AgencyKind
from portal.surveys import answering, crypto, services
from portal.surveys.models import Draft, Invitation, SurveyResponse
from tests.surveys.conftest import FULL_ANSWERS, links, make_round

ANONYMOUS = {"survey_responses", "survey_answers"}
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


@pytest.fixture(params=["after-the-link", "reviewed"])
def submit_full(request: Any, db_session: Any) -> Any:
    """Submit FULL_ANSWERS for a token both ways there are: after the link's query, and
    (PostgreSQL) in one statement that reads no link first. Same rules, same outcome."""
    if request.param == "reviewed" and db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("one statement without the link's query is PostgreSQL's")

    def submit(token: str) -> None:
        access = answering.find(token)
        if request.param == "after-the-link":
            answering.submit(access, FULL_ANSWERS)
            return
        version = (access.instrument.id, access.instrument.imported_at)
        assert answering.submit_reviewed(token, answering.Reviewed(*version, FULL_ANSWERS))

    return submit


def test_submit_creates_the_response_deletes_the_draft_and_marks_the_invitation(
    sworld, db_session
) -> None:
    make_round(db_session, sworld)
    access = answering.find(token_of(sworld, db_session))
    answering.save_draft(access, {"A1": "4"})
    answering.submit(access, FULL_ANSWERS)
    invitation = db_session.get(Invitation, access.invitation.id)
    assert invitation.answered
    assert db_session.get(Draft, invitation.id) is None
    response = db_session.scalar(sa.select(SurveyResponse))
    assert isinstance(response.id, uuid.UUID)
    assert response.id.version == 4
    assert response.group_id == sworld.group_id
    # Two state-agency members in the group were invited (member, both): fewer than k=3.
    assert response.agency_kind is None


def test_agency_kind_is_kept_only_where_k_share_it(sworld, db_session, submit_full) -> None:
    make_round(db_session, sworld, k=2)
    submit_full(token_of(sworld, db_session))
    response = db_session.scalar(sa.select(SurveyResponse))
    assert response.agency_kind is AgencyKind.STATE


def test_closing_forgets_agency_kinds_of_small_cells(sworld, db_session, submit_full) -> None:
    survey_round = make_round(db_session, sworld, k=2)
    submit_full(token_of(sworld, db_session))
    services.close_round(None, survey_round)
    response = db_session.scalar(sa.select(SurveyResponse))
    assert response.agency_kind is None  # one answer of its kind in the group


def test_the_round_can_record_no_agency_kind_at_all(sworld, db_session, submit_full) -> None:
    make_round(db_session, sworld, k=1, record_agency_kind=False)
    submit_full(token_of(sworld, db_session))
    assert db_session.scalar(sa.select(SurveyResponse.agency_kind)) is None


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


def test_the_token_comes_from_the_secret_not_the_database(sworld, db_session, app) -> None:
    make_round(db_session, sworld)
    token = token_of(sworld, db_session)
    invitation = answering.find(token).invitation
    assert crypto.link_token("another-secret", invitation.token_salt) != token
    assert crypto.link_token(app.config["SECRET_KEY"], invitation.token_salt) == token
    assert invitation.token_hash == crypto.token_hash(token)
