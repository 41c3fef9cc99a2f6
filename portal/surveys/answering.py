"""Answering from a personal link: find the invitation, keep the draft, submit once.

Answers travel as a plain mapping from question code to what was chosen: a scale
point as text ("1"…"7"), ``DONT_KNOW``, or free text.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import re
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.core.errors import DomainError
from portal.extensions import db
from portal.groups import services as group_services
from portal.groups.models import Group
from portal.organisations.models import AgencyKind
from portal.surveys import crypto
from portal.surveys.models import (
    FREE_TEXT_MAX,
    Draft,
    Instrument,
    Invitation,
    Question,
    QuestionKind,
    RoundStatus,
    SurveyResponse,
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
    agency_kind: AgencyKind
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
    record_agency_kind: bool

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
        row.record_agency_kind,
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
            row.agency_kind,
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
    return (
        sa.select(
            invitations.c.id,
            invitations.c.round_id,
            invitations.c.group_id,
            invitations.c.agency_kind,
            invitations.c.token_salt,
            invitations.c.token_hash,
            invitations.c.answered,
            rounds.c.year,
            rounds.c.status,
            rounds.c.closes_on,
            rounds.c.min_answers,
            rounds.c.record_agency_kind,
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
    answers = (data or {}).get("answers", {})
    return {str(k): str(v) for k, v in answers.items() if isinstance(v, str)}


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
    """Keep unfinished answers, encrypted with a key derived from the link.

    One statement that inserts the draft or replaces the one there is: two saves at
    once (a double click, two tabs) leave one draft, the last one written.
    """
    _require_open(access)
    clean = check(access.questions, answers, complete=False)
    invitation = access.invitation
    nonce, ciphertext = crypto.encrypt_draft(
        access.token, invitation.token_salt, invitation.id, {"answers": clean}
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


def _submits_at_once() -> bool:
    """Whether a submit is one statement here (PostgreSQL); SQLite runs three."""
    return bool(db.session.get_bind().dialect.name == "postgresql")


def submit_reviewed(token: str, reviewed: Reviewed) -> bool:
    """PostgreSQL: record the reviewed answers with one statement and no query first.

    True when recorded. False when this way cannot tell: on SQLite (three statements
    after the link's query cost no round trips), when this worker has not read that
    instrument version's questions for a link yet, or when the statement marked nothing
    (the link is unknown or answered, its round is not open or not on that version).
    The caller then goes the way through ``find``, which tells those cases apart.
    Raises ``DomainError`` for answers the questions refuse, before anything is written,
    and ``ClosedMeanwhileError`` as ``submit`` does.
    """
    if not _submits_at_once():
        return False
    questions = known_questions(reviewed.instrument_id, reviewed.imported_at)
    if questions is None or not crypto.looks_like_token(token):
        return False
    clean = check(questions, reviewed.answers, complete=True)
    values = {
        "token_hash": crypto.token_hash(token),
        "instrument": reviewed.instrument_id,
        "imported_at": reviewed.imported_at,
        "today": group_services.today(),
        "response": uuid.uuid4(),
        "rows": _answer_rows(questions, clean),
    }
    try:
        marked = db.session.execute(_submit_reviewed_at_once(), values).scalar_one()
    except sa.exc.DBAPIError as error:
        if ANSWERS_FINAL not in str(error.orig):
            raise
        raise ClosedMeanwhileError from error
    return bool(marked == 1)


def _answer_rows(questions: Sequence[AskedQuestion], clean: dict[str, str]) -> str:
    """A response's answers as the one JSON parameter the statements unpack."""
    rows = [_answer_row(q, clean[q.code]) for q in questions if q.code in clean]
    return json.dumps(rows, ensure_ascii=False)


def submit(access: Access, answers: dict[str, str]) -> None:
    """Turn the answers into an anonymous response: all of it or nothing.

    The invitation is marked answered by a conditional UPDATE first: of two submits at
    once only one changes the row, the other finds it answered and records nothing.
    Every DomainError is raised before anything is written: a caller needs no savepoint.
    On PostgreSQL the mark, the response and its answers are one statement (one round
    trip), on SQLite three.
    Only if the round closes between the check and the write does the database refuse
    the response; that is ``ClosedMeanwhileError``, after which the caller rolls back.
    """
    _require_open(access)
    questions = access.questions
    clean = check(questions, answers, complete=True)
    invitation, survey_round = access.invitation, access.round
    values = {
        "invitation": invitation.id,
        "response": uuid.uuid4(),
        "round": invitation.round_id,
        "group": invitation.group_id,
        "kind": invitation.agency_kind,
        "k": survey_round.min_answers,
        "rows": _answer_rows(questions, clean),
    }
    try:
        if _submits_at_once():
            marked = db.session.execute(_submit_at_once(survey_round.record_agency_kind), values)
            if marked.scalar_one() != 1:
                raise AlreadyAnsweredError(_("Your answer has already been submitted."))
        else:
            _submit_step_by_step(survey_round.record_agency_kind, values)
    except sa.exc.DBAPIError as error:
        if ANSWERS_FINAL not in str(error.orig):
            raise
        raise ClosedMeanwhileError from error
    # The draft goes with the mark: the database deletes the draft of an invitation the
    # moment it is marked answered (migration surveys0003).


def _submit_step_by_step(record_kind: bool, values: dict[str, Any]) -> None:
    """SQLite: the mark, then the response, then its answers (nothing after a mark that
    changed no row)."""
    marked = db.session.execute(_mark_answered(), values)
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyAnsweredError(_("Your answer has already been submitted."))
    db.session.execute(_insert_response(record_kind), values)
    db.session.execute(_insert_answers(), values)


# The statements of a submit are made once, on first use, like the respondent link's
# query: building a statement and its cache key costs more than sending it. They are
# written as text from the fragments below, so that both databases run the same rules.

# Mark the invitation answered, unless it already is (then no row changes).
_MARK = "UPDATE survey_invitations SET answered = true WHERE id = :invitation AND NOT answered"
_INSERT_RESPONSE = "INSERT INTO survey_responses (id, round_id, group_id, agency_kind)"
_INSERT_ANSWERS = f"INSERT INTO survey_answers (response_id, {', '.join(ANSWER_COLUMNS)})"


def _kind_counts(round_id: str, group_id: str, kind: str, k: str) -> str:
    """The k-anonymity rule for a response's agency kind, on SQL expressions: at least
    k invitations of the group in the round share the kind. Counted inside the INSERT,
    not by a query of its own."""
    return (
        f"(SELECT count(*) FROM survey_invitations WHERE round_id = {round_id}"  # noqa: S608
        f" AND group_id = {group_id} AND agency_kind = {kind}) >= {k}"
    )


def _response_kind(record_kind: bool) -> str:
    """A response's agency kind, if the round records kinds: the invitation's where the
    rule allows it, else none."""
    if not record_kind:
        return "NULL"
    return f"CASE WHEN {_kind_counts(':round', ':group', ':kind', ':k')} THEN :kind END"


# A response's answers travel as one JSON array of objects (see ``_answer_row``),
# unpacked by the database. The statement's text and parameters are the same for every
# submit, so the database driver keeps its converted form and PostgreSQL its plan. A
# VALUES list with a row per answer was a statement of its own for each number of
# answers, with five parameters a row: psycopg converts a statement of more than 50
# parameters afresh on every execution, and SQLAlchemy processed each parameter, which
# was a third of a submit.
POSTGRES_ANSWER_ROWS = (
    "json_to_recordset(CAST(:rows AS json)) AS a(question_id integer, value integer,"
    " dont_know boolean, text varchar, review varchar)"
)
SQLITE_ANSWER_ROWS = "json_each(:rows) AS a"  # JSON true and false are SQLite's 1 and 0

_SUBMIT_TYPES = {
    "invitation": Invitation.__table__.c.id.type,
    "response": SurveyResponse.__table__.c.id.type,
    "round": sa.Integer(),
    "group": sa.Integer(),
    "kind": Invitation.__table__.c.agency_kind.type,
    "k": sa.Integer(),
    "rows": sa.Text(),
    "token_hash": Invitation.__table__.c.token_hash.type,
    "instrument": sa.Integer(),
    "imported_at": Instrument.__table__.c.imported_at.type,
    "today": sa.Date(),
}


def _typed(sql: str) -> sa.TextClause:
    """``sql`` with the submit's parameters typed (those it names)."""
    return sa.text(sql).bindparams(
        *(
            sa.bindparam(name, type_=kind)
            for name, kind in _SUBMIT_TYPES.items()
            if re.search(rf":{name}\b", sql)
        )
    )


@functools.cache
def _mark_answered() -> sa.TextClause:
    """SQLite: mark the invitation answered (see ``_MARK``)."""
    return _typed(_MARK)


@functools.cache
def _insert_response(record_kind: bool) -> sa.TextClause:
    """SQLite: insert the response."""
    return _typed(
        f"{_INSERT_RESPONSE} VALUES (:response, :round, :group, {_response_kind(record_kind)})"
    )


@functools.cache
def _insert_answers() -> sa.TextClause:
    """SQLite: insert a response's answers with one statement."""
    columns = ", ".join(f"json_extract(a.value, '$.{name}')" for name in ANSWER_COLUMNS)
    sql = f"{_INSERT_ANSWERS} SELECT :response, {columns} FROM {SQLITE_ANSWER_ROWS}"  # noqa: S608
    return _typed(sql)


@functools.cache
def _submit_at_once(record_kind: bool) -> sa.TextualSelect:
    """PostgreSQL: a submit's three writes as one statement, which answers how many
    invitations it marked (0: answered already, and nothing is written).

    The same writes as SQLite's three statements, as data-modifying CTEs: the response
    is inserted only from the row the mark returned, the answers only from the response
    inserted. Each statement was a round trip of its own.
    """
    fields = ", ".join(ANSWER_COLUMNS)
    return _typed(
        f"WITH marked AS ({_MARK} RETURNING id),"  # noqa: S608 - fragments are constants
        f" response AS ({_INSERT_RESPONSE}"
        f" SELECT :response, :round, :group, {_response_kind(record_kind)} FROM marked"
        " RETURNING id),"
        f" answers AS ({_INSERT_ANSWERS}"
        f" SELECT response.id, {fields} FROM response, {POSTGRES_ANSWER_ROWS})"
        " SELECT count(*) AS marked FROM marked"
    ).columns(sa.column("marked", sa.Integer))  # known columns: the result's shape is cached


@functools.cache
def _submit_reviewed_at_once() -> sa.TextualSelect:
    """PostgreSQL: ``_submit_at_once`` for a link not read first. The mark finds the
    invitation by its token's hash, only while its round accepts answers (open, closing
    day not passed: ``accepts_answers``) on the reviewed instrument version, and hands
    the response what the link's query would have: round, group, kind and k."""
    fields = ", ".join(ANSWER_COLUMNS)
    kind = _kind_counts("m.round_id", "m.group_id", "m.agency_kind", "m.min_answers")
    return _typed(
        "WITH marked AS (UPDATE survey_invitations AS i SET answered = true"  # noqa: S608
        " FROM survey_rounds AS r, survey_instruments AS v"
        " WHERE i.token_hash = :token_hash AND NOT i.answered AND r.id = i.round_id"
        f" AND r.status = '{RoundStatus.OPEN.value}' AND r.closes_on >= :today"
        " AND v.id = r.instrument_id AND v.id = :instrument AND v.imported_at = :imported_at"
        " RETURNING i.round_id, i.group_id, i.agency_kind, r.min_answers,"
        " r.record_agency_kind),"
        f" response AS ({_INSERT_RESPONSE}"
        " SELECT :response, m.round_id, m.group_id,"
        f" CASE WHEN m.record_agency_kind AND {kind} THEN m.agency_kind END FROM marked AS m"
        " RETURNING id),"
        f" answers AS ({_INSERT_ANSWERS}"
        f" SELECT response.id, {fields} FROM response, {POSTGRES_ANSWER_ROWS})"
        " SELECT count(*) AS marked FROM marked"
    ).columns(sa.column("marked", sa.Integer))


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
