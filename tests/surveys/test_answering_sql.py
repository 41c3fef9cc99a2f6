"""Both dialect paths of the submit write the same rows (``answering.sql``).

One submit sequence (a draft saved then submitted, the same link submitted again, a
link submitted without a draft, a link of the other group) runs through each path the
database can take, and the rows it leaves are read back as plain values: which
invitations are answered, which drafts remain, and every ballot opened with the
round's private key. On PostgreSQL both paths run (the SQLite path is plain SQL) and
must agree; on either database the rows must equal ``EXPECTED``, which the SQLite
suite and the PostgreSQL suite both check: the two databases write the same rows.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from portal.surveys import answering, crypto, services
from portal.surveys.answering import sql
from portal.surveys.models import Ballot, Draft, Invitation
from tests.support.surveys import FULL_ANSWERS, links, make_round

TEXT = {"F1": "Bättre möten", "F2": "Tydligare roller – och kaffe ☕"}

# What the sequence leaves, by invitation (ordered by group name, then e-mail):
# answered or not, whether a draft remains; and the ballots, opened and sorted.
EXPECTED: dict[str, Any] = {
    "invitations": [
        ("Mysam Gävle", "member", True, False),  # draft saved, then submitted twice
        ("Mysam Gävle", "process_leader", True, False),  # submitted without a draft
        ("Mysam Gävle", "region_member", False, True),  # a draft only
        ("Mysam Ockelbo", "other_leader", True, False),
    ],
    "ballots": sorted(
        [
            ("Mysam Gävle", sorted({**FULL_ANSWERS, "F1": TEXT["F1"]}.items())),
            ("Mysam Gävle", sorted({**FULL_ANSWERS, **TEXT}.items())),
            ("Mysam Ockelbo", sorted({**FULL_ANSWERS, "A1": "1"}.items())),
        ]
    ),
}


def run_sequence(db_session: Any, tokens: dict[str, str]) -> list[str]:
    """The submits, through ``answering`` as the views call it; what each did."""
    outcome = []

    def submit(role: str, answers: dict[str, str]) -> None:
        access = answering.find(tokens[role])
        assert access is not None
        try:
            answering.submit(access, answers)
        except answering.AlreadyAnsweredError:
            outcome.append(f"{role}: already")
        else:
            outcome.append(f"{role}: recorded")
        db_session.flush()

    answering.save_draft(answering.find(tokens["member"]), {"A1": "2"})  # type: ignore[arg-type]
    answering.save_draft(answering.find(tokens["region_member"]), {"A2": "3"})  # type: ignore[arg-type]
    submit("member", {**FULL_ANSWERS, "F1": TEXT["F1"]})
    submit("member", {**FULL_ANSWERS, "A1": "4"})  # the double submit records nothing
    submit("process_leader", {**FULL_ANSWERS, **TEXT})
    submit("other_leader", {**FULL_ANSWERS, "A1": "1"})
    return outcome


def rows_written(db_session: Any, round_id: int, tokens: dict[str, str]) -> dict[str, Any]:
    """The rows of the round as plain values: invitations (group, role, answered,
    draft), and the ballots opened (group, answers), sorted."""
    from portal.groups.models import Group
    from portal.surveys.models import SurveyRound

    keys = services.round_keys(round_id)
    assert keys is not None
    survey_round = db_session.get(SurveyRound, round_id)
    questions = answering.load_questions(survey_round.instrument_id)
    groups = dict(db_session.execute(sa.select(Group.id, Group.name)).all())
    roles = {crypto.token_hash(token): role for role, token in tokens.items()}
    drafted = set(db_session.scalars(sa.select(Draft.invitation_id)))
    invitations = [
        (groups[i.group_id], roles[i.token_hash], i.answered, i.id in drafted)
        for i in db_session.scalars(sa.select(Invitation).where(Invitation.round_id == round_id))
        if i.token_hash in roles
    ]
    ballots, sizes = [], set()
    for sealed in db_session.scalars(sa.select(Ballot.sealed).where(Ballot.round_id == round_id)):
        sizes.add(len(sealed))
        group_id, answers = answering.decode(
            questions, crypto.open_ballot(keys.private_key, round_id, sealed)
        )
        ballots.append((groups[group_id], sorted(answers.items())))
    assert len(sizes) <= 1, sizes  # every ballot of a round has one length
    return {"invitations": sorted(invitations), "ballots": sorted(ballots)}


@pytest.fixture
def sequence_round(db_session, sworld) -> tuple[int, dict[str, str]]:
    """An open round, and the tokens (by role) of the recipients the sequence uses."""
    survey_round = make_round(db_session, sworld)
    roles = {
        sworld.emails[role]: role
        for role in ("member", "process_leader", "region_member", "other_leader")
    }
    tokens = {}
    for email, path in links(db_session).items():
        if email in roles:
            tokens[roles[email]] = path.rsplit("/", 1)[1]
    return survey_round.id, tokens


def paths_here(db_session: Any) -> list[str]:
    """The paths this database can run: PostgreSQL runs both, SQLite its own."""
    if db_session.get_bind().dialect.name == sql.POSTGRESQL:
        return [sql.POSTGRESQL, sql.SQLITE]
    return [sql.SQLITE]


def test_each_dialect_path_writes_the_expected_rows(
    db_session, sequence_round, monkeypatch
) -> None:
    round_id, tokens = sequence_round
    written = {}
    original = sql.mark_and_insert_ballot
    for path in paths_here(db_session):
        monkeypatch.setattr(
            sql,
            "mark_and_insert_ballot",
            lambda session, values, dialect=None, path=path: original(session, values, path),
        )
        savepoint = db_session.begin_nested()
        outcome = run_sequence(db_session, tokens)
        assert outcome == [
            "member: recorded",
            "member: already",
            "process_leader: recorded",
            "other_leader: recorded",
        ]
        written[path] = rows_written(db_session, round_id, tokens)
        savepoint.rollback()
        monkeypatch.setattr(sql, "mark_and_insert_ballot", original)
    for path, rows in written.items():
        assert rows["invitations"] == EXPECTED["invitations"], path
        assert rows["ballots"] == EXPECTED["ballots"], path
    assert len({repr(rows) for rows in written.values()}) == 1


def test_both_paths_refuse_a_ballot_of_a_closed_round(db_session, sequence_round) -> None:
    """The database's refusal (a closed round's answers are final) reaches the caller
    the same way on each path, and nothing is left written."""
    from portal.surveys.models import RoundStatus, SurveyRound

    round_id, tokens = sequence_round
    for path in paths_here(db_session):
        access = answering.find(tokens["member"])
        assert access is not None
        savepoint = db_session.begin_nested()
        db_session.execute(
            sa.update(SurveyRound)
            .where(SurveyRound.id == round_id)
            .values(status=RoundStatus.CLOSED)
        )
        values = {
            "invitation": access.invitation.id,
            "ballot": uuid.uuid4(),
            "round": round_id,
            "sealed": b"\x00" * 64,
        }
        with pytest.raises(sa.exc.DBAPIError) as refused:
            sql.mark_and_insert_ballot(db_session, values, path)
        assert sql.ANSWERS_FINAL in str(refused.value.orig), path
        savepoint.rollback()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0
