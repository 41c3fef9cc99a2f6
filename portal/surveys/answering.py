"""Answering from a personal link: find the invitation, keep the draft, submit once.

Answers travel as a plain mapping from question code to what was chosen: a scale
point as text ("1"…"7"), ``DONT_KNOW``, or free text.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.core.errors import DomainError
from portal.extensions import db
from portal.groups.models import Group
from portal.surveys import crypto
from portal.surveys.models import (
    FREE_TEXT_MAX,
    Ballot,
    Draft,
    Instrument,
    Invitation,
    Question,
    QuestionKind,
    RoundKey,
    RoundStatus,
    SurveyRound,
    TextReview,
)
from portal.surveys.services import accepts_answers

DONT_KNOW = "dk"


class LinkState(enum.StrEnum):
    """What a link leads to."""

    OPEN = "open"
    ANSWERED = "answered"
    UNUSABLE = "unusable"  # unknown, tampered, or the round has closed: one neutral page


# The database's refusal (migration surveys0002) when a round has closed.
ANSWERS_FINAL = "survey round is closed: its answers are final"


class AlreadyAnsweredError(DomainError):
    """The invitation was answered already (double submit, two tabs)."""


class ClosedMeanwhileError(Exception):
    """The round closed between the check and the write (the database refused the
    response: a closed round's answers are final). The caller must roll back."""


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A question as the respondent pages use it: a plain, immutable copy.

    Shared by every request a worker serves (see ``_frozen_questions``), so it holds no
    database session and can never change under a request.
    """

    id: int
    position: int
    code: str
    indicator_title: str
    kind: QuestionKind
    text: str
    required: bool
    points: int | None
    low_label: str | None
    high_label: str | None
    dont_know_label: str | None

    @property
    def is_scale(self) -> bool:
        return self.kind == QuestionKind.SCALE

    @classmethod
    def of(cls, question: Question) -> AskedQuestion:
        return cls(
            id=question.id,
            position=question.position,
            code=question.code,
            indicator_title=question.indicator_title,
            kind=question.kind,
            text=question.text,
            required=question.required,
            points=question.points,
            low_label=question.low_label,
            high_label=question.high_label,
            dont_know_label=question.dont_know_label,
        )


@dataclass(frozen=True, slots=True)
class LinkedInvitation:
    """The invitation a link names, as read at the start of the request."""

    id: int
    round_id: int
    group_id: int
    token_salt: str
    token_hash: str
    answered: bool


@dataclass(frozen=True, slots=True)
class LinkedRound:
    """The invitation's round: what the respondent pages show and decide on."""

    id: int
    year: int
    status: RoundStatus
    closes_on: dt.date
    min_answers: int
    public_key: bytes | None  # the round's, while it is open

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


@dataclass(frozen=True, slots=True)
class LinkedInstrument:
    """The round's instrument version, as the respondent pages name it."""

    id: int
    title: str
    is_example: bool
    notice: str
    imported_at: dt.datetime  # with the id, names the version (see ``_frozen_questions``)


@dataclass(frozen=True)
class Access:
    """A respondent's way in, read with one query: the invitation the token names, its
    round, group and instrument version, the questions in order, and the encrypted
    draft (nonce, ciphertext) if there is one.

    Plain values, not database rows: a respondent page only reads them, and every
    write (``save_draft``, ``submit``) is a statement of its own whose conditions do not
    trust what was read here.
    """

    token: str
    invitation: LinkedInvitation
    round: LinkedRound
    group_name: str
    instrument: LinkedInstrument
    questions: tuple[AskedQuestion, ...]
    draft: tuple[bytes, bytes] | None


def find(token: str) -> Access | None:
    """The invitation of this token, or None (nothing tells the two cases apart)."""
    if not crypto.looks_like_token(token):
        return None
    row = db.session.execute(_find_statement(), {"token_hash": crypto.token_hash(token)}).first()
    if row is None:
        return None
    survey_round = LinkedRound(
        row.round_id,
        row.year,
        row.status,
        row.closes_on,
        row.min_answers,
        row.public_key,
    )
    if survey_round.status == RoundStatus.DRAFT:  # no link goes out before opening
        questions = _load_questions(row.instrument_id)
    else:
        questions = _frozen_questions(row.instrument_id, row.imported_at)
    return Access(
        token=token,
        invitation=LinkedInvitation(
            row.id,
            row.round_id,
            row.group_id,
            row.token_salt,
            row.token_hash,
            row.answered,
        ),
        round=survey_round,
        group_name=row.group_name,
        instrument=LinkedInstrument(
            row.instrument_id, row.title, row.is_example, row.notice, row.imported_at
        ),
        questions=questions,
        draft=None if row.nonce is None else (row.nonce, row.ciphertext),
    )


@functools.cache
def _find_statement() -> sa.Select[Any]:
    """The invitation by its token's hash, with all a respondent page shows, as one row.

    Made once, and of table columns only: building the statement cost more than
    running it, and loading database objects for one row cost more than the rest of
    the page. On PostgreSQL every statement is a round trip: the draft is joined in.
    The questions come from ``_frozen_questions``.
    """
    invitations, rounds = Invitation.__table__, SurveyRound.__table__
    groups, instruments, drafts = Group.__table__, Instrument.__table__, Draft.__table__
    keys = RoundKey.__table__
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
            groups.c.name.label("group_name"),
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
            .join(groups, groups.c.id == invitations.c.group_id)
            .join(instruments, instruments.c.id == rounds.c.instrument_id)
            .outerjoin(drafts, drafts.c.invitation_id == invitations.c.id)
            .outerjoin(keys, keys.c.round_id == invitations.c.round_id)
        )
        .where(invitations.c.token_hash == sa.bindparam("token_hash"))
    )


# The questions of instrument versions this worker has read, by (id, import time).
_QUESTIONS: dict[tuple[int, dt.datetime], tuple[AskedQuestion, ...]] = {}
_QUESTIONS_WRITE = threading.Lock()  # reads need none: a dict lookup is atomic
QUESTION_VERSIONS_KEPT = 64


def _frozen_questions(instrument_id: int, imported_at: dt.datetime) -> tuple[AskedQuestion, ...]:
    """The questions of an instrument version that an opened round uses, read once per
    worker. Safe to keep: from a round's opening on the database refuses any change to
    its instrument version or the version's questions, and the version cannot be deleted
    while a round refers to it. The import time is in the key as well, so that a test
    database that reuses an id after starting over never meets another version's
    questions.
    """
    key = (instrument_id, imported_at)
    questions = _QUESTIONS.get(key)
    if questions is None:
        questions = _load_questions(instrument_id)
        with _QUESTIONS_WRITE:
            if len(_QUESTIONS) >= QUESTION_VERSIONS_KEPT:
                del _QUESTIONS[next(iter(_QUESTIONS))]  # the version read first
            _QUESTIONS[key] = questions
    return questions


def known_questions(
    instrument_id: int, imported_at: dt.datetime
) -> tuple[AskedQuestion, ...] | None:
    """The questions of a version this worker has read for a link, else None (never a
    query: what a request names is not looked up before its link is)."""
    return _QUESTIONS.get((instrument_id, imported_at))


def _load_questions(instrument_id: int) -> tuple[AskedQuestion, ...]:
    statement = (
        sa.select(Question)
        .where(Question.instrument_id == instrument_id)
        .order_by(Question.position)
    )
    return tuple(AskedQuestion.of(q) for q in db.session.scalars(statement))


def state(access: Access | None) -> LinkState:
    """Open for answers, answered, or unusable."""
    if access is None:
        return LinkState.UNUSABLE
    if access.invitation.answered:
        return LinkState.ANSWERED
    if not accepts_answers(access.round):
        return LinkState.UNUSABLE
    return LinkState.OPEN


def load_draft(access: Access) -> dict[str, str]:
    """The saved answers (empty when there is no draft)."""
    if access.draft is None:
        return {}
    nonce, ciphertext = access.draft
    invitation = access.invitation
    data = crypto.decrypt_draft(
        access.token, invitation.token_salt, invitation.id, nonce, ciphertext
    )
    if data is None:
        return {}
    return decode(access.questions, data)[1]


def encode(questions: Sequence[AskedQuestion], answers: dict[str, str], group_id: int) -> bytes:
    """Checked answers at the round's fixed size (``crypto.encode_answers``)."""
    return crypto.encode_answers(
        questions, answers, group_id=group_id, free_text_max=FREE_TEXT_MAX, dont_know=DONT_KNOW
    )


def decode(questions: Sequence[AskedQuestion], data: bytes) -> tuple[int, dict[str, str]]:
    """(group id, answers) of ``encode``'s bytes."""
    return crypto.decode_answers(questions, data, free_text_max=FREE_TEXT_MAX, dont_know=DONT_KNOW)


def check(
    questions: Sequence[AskedQuestion], answers: dict[str, str], *, complete: bool
) -> dict[str, str]:
    """The answers that belong to the questions, stripped; raise on the first bad one.

    ``complete`` also requires every required question to be answered.
    """
    clean: dict[str, str] = {}
    for question in questions:
        value = (answers.get(question.code) or "").strip()
        if not value:
            if complete and question.required:
                raise DomainError(_("Answer this question."), question.code)
            continue
        if question.is_scale:
            allowed = {str(p) for p in range(1, (question.points or 0) + 1)}
            if question.dont_know_label:
                allowed.add(DONT_KNOW)
            if value not in allowed:
                raise DomainError(_("Choose one of the options on the scale."), question.code)
        elif len(value) > FREE_TEXT_MAX:
            raise DomainError(_("Write at most %(n)d characters.", n=FREE_TEXT_MAX), question.code)
        clean[question.code] = value
    return clean


def missing(questions: Sequence[AskedQuestion], answers: dict[str, str]) -> list[AskedQuestion]:
    """Required questions without an answer."""
    return [q for q in questions if q.required and not (answers.get(q.code) or "").strip()]


def _require_open(access: Access) -> None:
    if access.invitation.answered:
        raise AlreadyAnsweredError(_("Your answer has already been submitted."))
    if not accepts_answers(access.round):
        raise DomainError(_("The survey has closed; answers can no longer be saved."))


def save_draft(access: Access, answers: dict[str, str]) -> None:
    """Keep unfinished answers, encrypted with a key derived from the link, at the
    same length whatever they are (the length of a draft tells nothing).

    One statement that inserts the draft or replaces the one there is: two saves at
    once (a double click, two tabs) leave one draft, the last one written.
    """
    _require_open(access)
    clean = check(access.questions, answers, complete=False)
    invitation = access.invitation
    nonce, ciphertext = crypto.encrypt_draft(
        access.token, invitation.token_salt, invitation.id, encode(access.questions, clean, 0)
    )
    db.session.execute(
        _upsert_draft(),
        {"invitation": invitation.id, "nonce": nonce, "ciphertext": ciphertext},
    )


# An answer's columns besides its response, in the order the generator writes them.
ANSWER_COLUMNS = ("question_id", "value", "dont_know", "text", "review")


# The review page sends back what it showed: each answer under this prefix and its
# question's code (the view hands the prefix to the template), and the instrument
# version they answer.
REVIEWED_PREFIX = "answer-"


@dataclass(frozen=True)
class Reviewed:
    """The answers the review page showed and the respondent submitted, and the
    instrument version (id, import time) they answer. Nothing here is trusted: the
    answers are checked against the questions, the version against the link's round."""

    instrument_id: int
    imported_at: dt.datetime
    answers: dict[str, str]

    @classmethod
    def of(cls, form: Mapping[str, str]) -> Reviewed | None:
        """From the submitted form; None when it does not name a version (a review page
        from before the answers were part of it)."""
        try:
            instrument_id = int(form["instrument"])
            imported_at = dt.datetime.fromisoformat(form["version"])
        except (KeyError, ValueError, OverflowError):
            return None
        answers = {
            name.removeprefix(REVIEWED_PREFIX): value
            for name, value in form.items()
            if name.startswith(REVIEWED_PREFIX)
        }
        return cls(instrument_id, imported_at, answers)

    def answers_for(self, access: Access) -> dict[str, str] | None:
        """The answers, if they answer this link's instrument version; else None."""
        instrument = access.instrument
        if (self.instrument_id, self.imported_at) != (instrument.id, instrument.imported_at):
            return None
        return self.answers


def submitted_answers(access: Access, reviewed: Reviewed | None) -> dict[str, str]:
    """What a submit records: the answers the review page showed, or the saved draft
    when the submit did not bring them (or brought another version's)."""
    answers = reviewed.answers_for(access) if reviewed is not None else None
    return load_draft(access) if answers is None else answers


def submit(access: Access, answers: dict[str, str]) -> None:
    """Seal the answers into a ballot: all of it or nothing.

    One statement marks the invitation answered by a conditional UPDATE and, only from
    the row it changed, inserts the ballot: of two submits at once only one changes
    the row, the other finds it answered and records nothing. The ballot is the
    answers and the group at the round's fixed size, sealed to the round's public key,
    under a random key: nothing in it or beside it names the invitation, and its
    length is the same for everyone. The response is written when the round closes
    (``services.close_round``).
    Every DomainError is raised before anything is written: a caller needs no savepoint.
    Only if the round closes between the check and the write does the database refuse
    the ballot; that is ``ClosedMeanwhileError``, after which the caller rolls back.
    """
    _require_open(access)
    questions = access.questions
    clean = check(questions, answers, complete=True)
    invitation, survey_round = access.invitation, access.round
    if survey_round.public_key is None:  # an open round always has its keys
        raise DomainError(_("The survey has closed; answers can no longer be saved."))
    sealed = crypto.seal_ballot(
        survey_round.public_key, survey_round.id, encode(questions, clean, invitation.group_id)
    )
    values = {
        "invitation": invitation.id,
        "ballot": uuid.uuid4(),
        "round": invitation.round_id,
        "sealed": sealed,
    }
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            marked = db.session.execute(_submit_at_once(), values).scalar_one()
        else:  # SQLite: no data-modifying CTEs
            result = db.session.execute(_mark_answered(), values)
            marked = result.rowcount  # type: ignore[attr-defined]
            if marked == 1:
                db.session.execute(_insert_ballot(), values)
    except sa.exc.DBAPIError as error:
        if ANSWERS_FINAL not in str(error.orig):
            raise
        raise ClosedMeanwhileError from error
    if marked != 1:
        raise AlreadyAnsweredError(_("Your answer has already been submitted."))
    # The draft goes with the mark: the database deletes the draft of an invitation the
    # moment it is marked answered (migration surveys0003).


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


@functools.cache
def _mark_answered() -> sa.TextClause:
    """SQLite: mark the invitation answered (see ``_MARK``)."""
    return _typed(_MARK)


@functools.cache
def _insert_ballot() -> sa.TextClause:
    """SQLite: insert the ballot."""
    return _typed(f"{_INSERT_BALLOT} VALUES (:ballot, :round, :sealed)")


@functools.cache
def _submit_at_once() -> sa.TextualSelect:
    """PostgreSQL: the mark and the ballot as one statement (one round trip), which
    answers how many invitations it marked (0: answered already, nothing written)."""
    return _typed(
        f"WITH marked AS ({_MARK} RETURNING id),"  # noqa: S608 - fragments are constants
        f" ballot AS ({_INSERT_BALLOT} SELECT :ballot, :round, :sealed FROM marked)"
        " SELECT count(*) AS marked FROM marked"
    ).columns(sa.column("marked", sa.Integer))  # known columns: the result's shape is cached


@functools.cache
def _upsert_draft() -> sa.TextClause:
    """Insert a draft or, if the invitation has one, replace it. SQLite and PostgreSQL
    spell this alike; as text the statement is compiled once (the dialects' own
    ``on_conflict_do_update`` is compiled afresh on every execution)."""
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


def blank_answer(question_id: int) -> dict[str, Any]:
    """An answer that names every column but the response's, nothing chosen yet. Rows
    written together (a submit's one INSERT, the data generator's bulk insert) must
    name the same columns.
    """
    return {**dict.fromkeys(ANSWER_COLUMNS), "question_id": question_id, "dont_know": False}


def _answer_row(question: AskedQuestion, value: str) -> dict[str, Any]:
    """The columns of one answer: a scale point, "don't know", or free text to review."""
    row = blank_answer(question.id)
    if not question.is_scale:
        row.update(text=value, review=TextReview.PENDING)
    elif value == DONT_KNOW:
        row["dont_know"] = True
    else:
        row["value"] = int(value)
    return row
