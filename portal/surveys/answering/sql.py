"""Every statement the answering pages send, in one place, with its dialect paths.

The respondent pages are the portal's fast path: a link's page is one query, a submit
one more. So the statements here are built once per worker (``caches.statement``) of
table columns or as text, never through the ORM's per-call compilation:

- ``find``: the invitation by its token's hash, with its round, group, instrument
  version and draft, as one row (``found``);
- ``questions``: the questions of an instrument version, in order;
- ``upsert_draft``: insert a draft or replace the invitation's one (SQLite and
  PostgreSQL spell it alike);
- ``mark_and_insert_ballot``: mark the invitation answered unless it is, and only then
  insert the sealed ballot. PostgreSQL runs both as one statement (a data-modifying
  CTE, one round trip); SQLite has no data-modifying CTEs and runs them one after the
  other in the caller's transaction. Both paths write the same rows
  (tests/surveys/test_answering_sql.py runs one sequence through each and compares);
- ``OPEN_ROUND`` and ``FAST_SUBMIT``: the submit's fast path (``fast``), which sends
  one statement for a submit when the slot cookie names the round and group, PostgreSQL
  only.

On PostgreSQL ``found`` and ``mark_and_insert_ballot`` send their statement to psycopg
itself (``portal.core.direct``: prepared, rows as tuples), on the session's connection;
SQLAlchemy's execute cost the app more than the database took to run them. SQLite
takes the session's path.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from portal.core import direct
from portal.db import affected_rows
from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.surveys.answering import caches
from portal.surveys.models import (
    Ballot,
    Draft,
    Instrument,
    Invitation,
    Question,
    RoundKey,
    SurveyRound,
)

# The database's refusal (migration surveys0002) when a round has closed.
ANSWERS_FINAL = "survey round is closed: its answers are final"

POSTGRESQL = "postgresql"
SQLITE = "sqlite"


@caches.statement
def find() -> sa.Select[Any]:
    """The invitation by its token's hash (``:token_hash``), with all a respondent page
    shows, as one row.

    Of table columns only: building the statement cost more than running it, and
    loading database objects for one row cost more than the rest of the page. On
    PostgreSQL every statement is a round trip: the draft is joined in. The questions
    come from ``caches.QUESTIONS``.
    """
    invitations, rounds = Invitation.__table__, SurveyRound.__table__
    groups, instruments, drafts = Group.__table__, Instrument.__table__, Draft.__table__
    keys, associations = RoundKey.__table__, Association.__table__
    return (
        sa.select(
            invitations.c.id,
            invitations.c.round_id,
            invitations.c.group_id,
            invitations.c.token_salt,
            invitations.c.token_hash,
            invitations.c.answered,
            rounds.c.year,
            rounds.c.status,
            rounds.c.closes_on,
            rounds.c.min_answers,
            keys.c.public_key,
            # an association-level round (board, list): about the association as a whole
            sa.func.coalesce(groups.c.name, associations.c.name).label("group_name"),
            instruments.c.id.label("instrument_id"),
            instruments.c.title,
            instruments.c.is_example,
            instruments.c.notice,
            instruments.c.imported_at,
            drafts.c.nonce,
            drafts.c.ciphertext,
        )
        .select_from(
            invitations.join(rounds, rounds.c.id == invitations.c.round_id)
            .join(associations, associations.c.id == rounds.c.association_id)
            .outerjoin(groups, groups.c.id == invitations.c.group_id)
            .join(instruments, instruments.c.id == rounds.c.instrument_id)
            .outerjoin(drafts, drafts.c.invitation_id == invitations.c.id)
            .outerjoin(keys, keys.c.round_id == invitations.c.round_id)
        )
        .where(invitations.c.token_hash == sa.bindparam("token_hash"))
    )


class Found(NamedTuple):
    """``find``'s row, in its columns' order."""

    id: int
    round_id: int
    group_id: int
    token_salt: str
    token_hash: str
    answered: bool
    year: int
    status: str
    closes_on: dt.date
    min_answers: int
    public_key: bytes | None
    group_name: str
    instrument_id: int
    title: str
    is_example: bool
    notice: str
    imported_at: dt.datetime
    nonce: bytes | None
    ciphertext: bytes | None


@caches.statement
def find_psycopg() -> str:
    """``find`` as psycopg's SQL."""
    return direct.compile_for_psycopg(find())


def found(token_hash: str) -> Found | None:
    """``find``'s row for this hash, or None."""
    params = {"token_hash": token_hash}
    driver = direct.connection()
    if driver is None:
        row = db.session.execute(find(), params).first()
        return None if row is None else Found._make(row)
    values = direct.execute(driver, find_psycopg(), params).fetchone()
    return None if values is None else Found._make(values)


def questions(instrument_id: int) -> sa.Select[Any]:
    """The questions of an instrument version, in order (as ORM rows)."""
    return (
        sa.select(Question)
        .where(Question.instrument_id == instrument_id)
        .order_by(Question.position)
    )


@caches.statement
def upsert_draft() -> sa.TextClause:
    """Insert a draft or, if the invitation has one, replace it (``:invitation``,
    ``:nonce``, ``:ciphertext``). SQLite and PostgreSQL spell this alike; as text the
    statement is compiled once (the dialects' own ``on_conflict_do_update`` is compiled
    afresh on every execution)."""
    table = Draft.__table__
    return sa.text(
        "INSERT INTO survey_drafts (invitation_id, nonce, ciphertext)"
        " VALUES (:invitation, :nonce, :ciphertext)"
        " ON CONFLICT (invitation_id)"
        " DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext"
    ).bindparams(
        sa.bindparam("invitation", type_=table.c.invitation_id.type),
        sa.bindparam("nonce", type_=table.c.nonce.type),
        sa.bindparam("ciphertext", type_=table.c.ciphertext.type),
    )


# Mark the invitation answered, unless it already is (then no row changes).
_MARK = "UPDATE survey_invitations SET answered = true WHERE id = :invitation AND NOT answered"
_INSERT_BALLOT = "INSERT INTO survey_ballots (id, round_id, sealed)"

_SUBMIT_TYPES = {
    "invitation": Invitation.__table__.c.id.type,
    "ballot": Ballot.__table__.c.id.type,
    "round": sa.Integer(),
    "sealed": Ballot.__table__.c.sealed.type,
}


def _typed(sql: str) -> sa.TextClause:
    """``sql`` with the submit's parameters typed (those it names)."""
    return sa.text(sql).bindparams(
        *(
            sa.bindparam(name, type_=kind)
            for name, kind in _SUBMIT_TYPES.items()
            if f":{name}" in sql
        )
    )


@caches.statement
def mark_answered() -> sa.TextClause:
    """SQLite: mark the invitation answered (see ``_MARK``)."""
    return _typed(_MARK)


@caches.statement
def insert_ballot() -> sa.TextClause:
    """SQLite: insert the ballot."""
    return _typed(f"{_INSERT_BALLOT} VALUES (:ballot, :round, :sealed)")


@caches.statement
def submit_at_once() -> sa.TextualSelect:
    """PostgreSQL: the mark and the ballot as one statement (one round trip), which
    answers how many invitations it marked (0: answered already, nothing written)."""
    return _typed(
        f"WITH marked AS ({_MARK} RETURNING id),"  # noqa: S608 - fragments are constants
        f" ballot AS ({_INSERT_BALLOT} SELECT :ballot, :round, :sealed FROM marked)"
        " SELECT count(*) AS marked FROM marked"
    ).columns(sa.column("marked", sa.Integer))  # known columns: the result's shape is cached


@caches.statement
def submit_at_once_psycopg() -> str:
    """``submit_at_once`` as psycopg's SQL."""
    return direct.compile_for_psycopg(submit_at_once())


def mark_and_insert_ballot(
    session: Session | scoped_session[Any],
    values: dict[str, Any],
    dialect: str | None = None,
) -> int:
    """Mark the invitation (``values["invitation"]``) answered and, only if this marked
    it, insert the ballot (``ballot``, ``round``, ``sealed``); the number of invitations
    marked (1, or 0 when it was answered already and nothing was written).

    ``dialect`` picks the path (the session's own by default); any database that is
    not PostgreSQL takes SQLite's two statements, which are plain SQL.
    """
    driver = None if dialect == SQLITE else direct.connection(session)  # None: not PostgreSQL
    if driver is not None:
        row = direct.execute(driver, submit_at_once_psycopg(), values).fetchone()
        assert row is not None  # count(*) answers one row
        return int(row[0])
    result = session.execute(mark_answered(), values)
    marked = affected_rows(result)
    if marked == 1:
        session.execute(insert_ballot(), values)
    return marked


# The fast path's (``answering.fast``), psycopg's SQL, PostgreSQL only: an open round's
# public key and instrument version (``:round``, ``:open``)…
OPEN_ROUND = """
SELECT k.public_key, r.instrument_id, i.imported_at
FROM survey_rounds r
JOIN survey_round_keys k ON k.round_id = r.id
JOIN survey_instruments i ON i.id = r.instrument_id
WHERE r.id = %(round)s AND r.status = %(open)s
"""

# …and the submit in one statement: the invitation by its token's hash, marked only if
# the hinted round and group, "not answered", the open round, its closing day, and the
# key and version the ballot was sealed and checked with all hold; the ballot inserted
# only from the row marked. Answers how many it marked.
FAST_SUBMIT = """
WITH marked AS (
  UPDATE survey_invitations SET answered = true
  WHERE token_hash = %(token_hash)s
    AND round_id = %(round)s
    AND group_id IS NOT DISTINCT FROM %(group)s
    AND NOT answered
    AND EXISTS (
      SELECT 1
      FROM survey_rounds r
      JOIN survey_round_keys k ON k.round_id = r.id
      JOIN survey_instruments i ON i.id = r.instrument_id
      WHERE r.id = %(round)s AND r.status = %(open)s AND r.closes_on >= %(today)s
        AND k.public_key = %(public_key)s
        AND i.id = %(instrument)s AND i.imported_at = %(imported_at)s)
  RETURNING id),
ballot AS (
  INSERT INTO survey_ballots (id, round_id, sealed) SELECT %(ballot)s, %(round)s, %(sealed)s
  FROM marked)
SELECT count(*) FROM marked
"""
