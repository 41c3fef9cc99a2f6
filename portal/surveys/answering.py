"""Answering from a personal link: find the invitation, keep the draft, submit once.

Answers travel as a plain mapping from question code to what was chosen: a scale
point as text ("1"…"7"), ``DONT_KNOW``, or free text.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.core.errors import DomainError
from portal.extensions import db
from portal.surveys import crypto
from portal.surveys.models import (
    FREE_TEXT_MAX,
    Answer,
    Draft,
    Instrument,
    Invitation,
    Question,
    QuestionKind,
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


@dataclass(frozen=True)
class Access:
    """A respondent's way in: the invitation their token names, the token itself, and
    the questions of the round's instrument version in order."""

    invitation: Invitation
    token: str
    questions: tuple[AskedQuestion, ...]

    @property
    def round(self) -> SurveyRound:
        return self.invitation.survey_round

    @property
    def instrument(self) -> Instrument:
        return self.invitation.survey_round.instrument


def find(token: str) -> Access | None:
    """The invitation of this token, or None (nothing tells the two cases apart)."""
    if not crypto.looks_like_token(token):
        return None
    invitation = db.session.scalars(
        _find_statement(), {"token_hash": crypto.token_hash(token)}
    ).one_or_none()
    if invitation is None:
        return None
    survey_round = invitation.survey_round
    if survey_round.is_draft:  # no link is sent before opening; never cache what may change
        questions = tuple(AskedQuestion.of(q) for q in survey_round.instrument.questions)
    else:
        instrument = survey_round.instrument
        questions = _frozen_questions(instrument.id, instrument.imported_at)
    return Access(invitation, token, questions)


@functools.cache
def _find_statement() -> sa.Select[tuple[Invitation]]:
    """The invitation by its token's hash, with all a respondent page shows.

    Made once: building the loader options and their cache key cost more than running
    the query. One query, one row: the invitation with its round, instrument, group and
    draft joined in (on PostgreSQL every statement is a round trip). The instrument's
    source document is left out; it is needed only on import. The questions come from
    ``_frozen_questions``.
    """
    return (
        sa.select(Invitation)
        .where(Invitation.token_hash == sa.bindparam("token_hash"))
        .options(
            joinedload(Invitation.survey_round)
            .joinedload(SurveyRound.instrument)
            .defer(Instrument.definition),
            joinedload(Invitation.group),
            joinedload(Invitation.draft),
        )
    )


@functools.lru_cache(maxsize=64)
def _frozen_questions(instrument_id: int, imported_at: dt.datetime) -> tuple[AskedQuestion, ...]:
    """The questions of an instrument version that an opened round uses, read once per
    worker. Safe to keep: from a round's opening on the database refuses any change to
    its instrument version or the version's questions, and the version cannot be deleted
    while a round refers to it. The import time is in the key as well, so that a test
    database that reuses an id after starting over never meets another version's
    questions.
    """
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
    draft = access.invitation.draft
    if draft is None:
        return {}
    data = crypto.decrypt_draft(
        access.token,
        access.invitation.token_salt,
        access.invitation.id,
        draft.nonce,
        draft.ciphertext,
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
    """Keep unfinished answers, encrypted with a key derived from the link."""
    _require_open(access)
    clean = check(access.questions, answers, complete=False)
    nonce, ciphertext = crypto.encrypt_draft(
        access.token, access.invitation.token_salt, access.invitation.id, {"answers": clean}
    )
    draft = access.invitation.draft
    if draft is None:
        access.invitation.draft = Draft(nonce=nonce, ciphertext=ciphertext)
    else:
        draft.nonce, draft.ciphertext = nonce, ciphertext
    db.session.flush()


def submit(access: Access, answers: dict[str, str]) -> None:
    """Turn the answers into an anonymous response, in one transaction with the rest.

    The invitation is marked answered by a conditional UPDATE first: of two submits at
    once only one changes the row, the other finds it answered and records nothing.
    Every DomainError is raised before anything is written: a caller needs no savepoint.
    Only if the round closes between the check and the write does the database refuse
    the response; that is ``ClosedMeanwhileError``, after which the caller rolls back.
    """
    _require_open(access)
    questions = access.questions
    clean = check(questions, answers, complete=True)
    invitation = access.invitation
    survey_round = invitation.survey_round
    marked = db.session.execute(_mark_answered(), {"invitation": invitation.id})
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyAnsweredError(_("Your answer has already been submitted."))
    # Plain inserts: the response, then all its answers as one executemany. As ORM
    # objects the answers were flushed in runs of alike rows, up to one INSERT each.
    response_id = uuid.uuid4()
    try:
        db.session.execute(
            _insert_response(survey_round.record_agency_kind),
            {
                "response": response_id,
                "round": invitation.round_id,
                "group": invitation.group_id,
                "kind": invitation.agency_kind,
                "k": survey_round.min_answers,
            },
        )
    except sa.exc.DBAPIError as error:
        if ANSWERS_FINAL not in str(error.orig):
            raise
        raise ClosedMeanwhileError from error
    rows = [_answer_row(response_id, q, clean[q.code]) for q in questions if q.code in clean]
    if rows:
        db.session.execute(_insert_answers(), rows)
    db.session.execute(_delete_draft(), {"invitation": invitation.id})
    db.session.flush()
    db.session.expire(invitation, ["answered", "draft"])


# The statements of a submit are made once, on first use, like the respondent link's
# query: building a statement and its cache key costs more than sending it.


@functools.cache
def _mark_answered() -> sa.Update:
    """Mark the invitation answered, unless it already is (then no row changes)."""
    table = Invitation.__table__
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("invitation"), table.c.answered.is_(False))
        .values(answered=True)
    )


@functools.cache
def _insert_response(record_kind: bool) -> sa.Insert:
    """Insert a response. Its agency kind, if the round records kinds, is the
    invitation's where at least k invitations in the group share it, else none: the
    count is made inside the INSERT, not by a query of its own.
    """
    invitations = Invitation.__table__
    round_id = sa.bindparam("round", type_=sa.Integer)
    group_id = sa.bindparam("group", type_=sa.Integer)
    kind: sa.ColumnElement[Any] = sa.null()
    if record_kind:
        agency_kind = sa.bindparam("kind", type_=invitations.c.agency_kind.type)
        same_kind = (
            sa.select(sa.func.count())
            .select_from(invitations)
            .where(
                invitations.c.round_id == round_id,
                invitations.c.group_id == group_id,
                invitations.c.agency_kind == agency_kind,
            )
            .scalar_subquery()
        )
        kind = sa.case((same_kind >= sa.bindparam("k", type_=sa.Integer), agency_kind))
    return sa.insert(SurveyResponse.__table__).values(
        id=sa.bindparam("response", type_=sa.Uuid),
        round_id=round_id,
        group_id=group_id,
        agency_kind=kind,
    )


@functools.cache
def _insert_answers() -> sa.Insert:
    """Insert answers, one row each (see ``_answer_row``)."""
    return sa.insert(Answer.__table__)


@functools.cache
def _delete_draft() -> sa.Delete:
    """Delete the invitation's draft."""
    table = Draft.__table__
    return sa.delete(table).where(table.c.invitation_id == sa.bindparam("invitation"))


def _answer_row(response_id: uuid.UUID, question: AskedQuestion, value: str) -> dict[str, object]:
    """The columns of one answer: a scale point, "don't know", or free text to review.

    Every row names every column, so that all of them go in as one statement.
    """
    row: dict[str, object] = {
        "response_id": response_id,
        "question_id": question.id,
        "value": None,
        "dont_know": False,
        "text": None,
        "review": None,
    }
    if not question.is_scale:
        row.update(text=value, review=TextReview.PENDING)
    elif value == DONT_KNOW:
        row["dont_know"] = True
    else:
        row["value"] = int(value)
    return row
