"""The personal link: which invitation a token names, and what its pages may do.

Answers travel as a plain mapping from question code to what was chosen: a scale
point as text ("1"…"7"), ``DONT_KNOW``, or free text.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.core.errors import DomainError
from portal.extensions import db
from portal.surveys import crypto
from portal.surveys.answering import caches, sql
from portal.surveys.models import Question, QuestionKind, RoundStatus
from portal.surveys.schedule import accepts_answers

DONT_KNOW = "dk"


class LinkState(enum.StrEnum):
    """What a link leads to."""

    OPEN = "open"
    ANSWERED = "answered"
    UNUSABLE = "unusable"  # unknown, tampered, or the round has closed: one neutral page


class AlreadyAnsweredError(DomainError):
    """The invitation was answered already (double submit, two tabs)."""


class ClosedMeanwhileError(Exception):
    """The round closed between the check and the write (the database refused the
    response: a closed round's answers are final). The caller must roll back."""


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A question as the respondent pages use it: a plain, immutable copy.

    Shared by every request a worker serves (``caches.QUESTIONS``), so it holds no
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
    group_id: int | None  # None: an association-level round (board, list)
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
    imported_at: dt.datetime  # with the id, names the version (see ``caches.QUESTIONS``)


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
    row = sql.found(crypto.token_hash(token))
    if row is None:
        return None
    imported_at = row.imported_at.astimezone(dt.UTC)  # psycopg's is in the server's zone
    survey_round = LinkedRound(
        row.round_id,
        row.year,
        RoundStatus(row.status),
        row.closes_on,
        row.min_answers,
        row.public_key,
    )
    questions: tuple[AskedQuestion, ...]
    if survey_round.status == RoundStatus.DRAFT:  # no link goes out before opening
        questions = load_questions(row.instrument_id)
    else:  # an opened round's version can no longer change: kept per worker
        questions = caches.QUESTIONS.questions(row.instrument_id, imported_at, load_questions)
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
            row.instrument_id,
            row.title,
            row.is_example,
            row.notice,
            imported_at,
        ),
        questions=questions,
        draft=None if row.nonce is None or row.ciphertext is None else (row.nonce, row.ciphertext),
    )


def load_questions(instrument_id: int) -> tuple[AskedQuestion, ...]:
    """The questions of an instrument version, in order, read now."""
    return tuple(AskedQuestion.of(q) for q in db.session.scalars(sql.questions(instrument_id)))


def known_questions(
    instrument_id: int, imported_at: dt.datetime
) -> tuple[AskedQuestion, ...] | None:
    """The questions of a version this worker has read for a link, else None (never a
    query: what a request names is not looked up before its link is)."""
    return caches.QUESTIONS.known(instrument_id, imported_at)


def state(access: Access | None) -> LinkState:
    """Open for answers, answered, or unusable."""
    if access is None:
        return LinkState.UNUSABLE
    if access.invitation.answered:
        return LinkState.ANSWERED
    if not accepts_answers(access.round):
        return LinkState.UNUSABLE
    return LinkState.OPEN


def require_open(access: Access) -> None:
    """Raise unless the link may still save and submit."""
    if access.invitation.answered:
        raise AlreadyAnsweredError(_("Your answer has already been submitted."))
    if not accepts_answers(access.round):
        raise DomainError(_("The survey has closed; answers can no longer be saved."))
