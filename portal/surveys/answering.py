"""Answering from a personal link: find the invitation, keep the draft, submit once.

Answers travel as a plain mapping from question code to what was chosen: a scale
point as text ("1"…"7"), ``DONT_KNOW``, or free text.
"""

from __future__ import annotations

import enum
import functools
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import defer, joinedload

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


class AlreadyAnsweredError(DomainError):
    """The invitation was answered already (double submit, two tabs)."""


@dataclass(frozen=True)
class Access:
    """A respondent's way in: the invitation their token names, and the token itself."""

    invitation: Invitation
    token: str

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
    invitation = (
        db.session.scalars(_find_statement(), {"token_hash": crypto.token_hash(token)})
        .unique()
        .one_or_none()
    )
    return None if invitation is None else Access(invitation, token)


@functools.cache
def _find_statement() -> sa.Select[tuple[Invitation]]:
    """The invitation by its token's hash, with all a respondent page shows.

    Made once: building the loader options and their cache key cost more than running
    the query. One query: the invitation with its round, instrument, questions (a row
    each) and group joined in; on PostgreSQL every statement is a round trip, which
    costs more than the few repeated columns. The instrument's source document is left
    out: it would be repeated in every row and is needed only on import.
    """
    return (
        sa.select(Invitation)
        .where(Invitation.token_hash == sa.bindparam("token_hash"))
        .options(
            joinedload(Invitation.survey_round)
            .joinedload(SurveyRound.instrument)
            .options(defer(Instrument.definition), joinedload(Instrument.questions)),
            joinedload(Invitation.group),
        )
    )


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
    draft = db.session.get(Draft, access.invitation.id)
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


def check(questions: list[Question], answers: dict[str, str], *, complete: bool) -> dict[str, str]:
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


def missing(questions: list[Question], answers: dict[str, str]) -> list[Question]:
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
    clean = check(access.instrument.questions, answers, complete=False)
    nonce, ciphertext = crypto.encrypt_draft(
        access.token, access.invitation.token_salt, access.invitation.id, {"answers": clean}
    )
    draft = db.session.get(Draft, access.invitation.id)
    if draft is None:
        db.session.add(
            Draft(invitation_id=access.invitation.id, nonce=nonce, ciphertext=ciphertext)
        )
    else:
        draft.nonce, draft.ciphertext = nonce, ciphertext
    db.session.flush()


def submit(access: Access, answers: dict[str, str]) -> None:
    """Turn the answers into an anonymous response, in one transaction with the rest.

    The invitation is marked answered by a conditional UPDATE first: of two submits at
    once only one changes the row, the other finds it answered and records nothing.
    Every DomainError is raised before anything is written: a caller needs no savepoint.
    """
    _require_open(access)
    questions = access.instrument.questions
    clean = check(questions, answers, complete=True)
    invitation = access.invitation
    marked = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.answered.is_(False))
        .values(answered=True)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyAnsweredError(_("Your answer has already been submitted."))
    # Plain inserts: the response, then all its answers as one executemany. As ORM
    # objects the answers were flushed in runs of alike rows, up to one INSERT each.
    response_id = uuid.uuid4()
    db.session.execute(
        sa.insert(SurveyResponse.__table__).values(
            id=response_id,
            round_id=invitation.round_id,
            group_id=invitation.group_id,
            agency_kind=_recorded_kind(invitation),
        )
    )
    rows = [_answer_row(response_id, q, clean[q.code]) for q in questions if q.code in clean]
    if rows:
        db.session.execute(sa.insert(Answer.__table__), rows)
    db.session.execute(sa.delete(Draft).where(Draft.invitation_id == invitation.id))
    db.session.flush()
    db.session.expire(invitation, ["answered"])


def _answer_row(response_id: uuid.UUID, question: Question, value: str) -> dict[str, object]:
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


def _recorded_kind(invitation: Invitation) -> sa.ColumnElement[Any] | None:
    """The agency kind to record: the invitation's, if the round records kinds and at
    least k invitations in the group share it, else none.

    An SQL expression: the count is made inside the response's INSERT, not by a query
    of its own.
    """
    survey_round = invitation.survey_round
    if not survey_round.record_agency_kind:
        return None
    same_kind = (
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(
            Invitation.round_id == invitation.round_id,
            Invitation.group_id == invitation.group_id,
            Invitation.agency_kind == invitation.agency_kind,
        )
        .scalar_subquery()
    )
    kind = sa.literal(invitation.agency_kind, SurveyResponse.__table__.c.agency_kind.type)
    return sa.case((same_kind >= survey_round.min_answers, kind), else_=sa.null())
