"""Submitting once: the reviewed answers sealed into a ballot, all of it or nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.core.errors import DomainError
from portal.extensions import db
from portal.surveys import crypto
from portal.surveys.answering import sql
from portal.surveys.answering.drafts import check, encode, load_draft
from portal.surveys.answering.link import (
    DONT_KNOW,
    Access,
    AlreadyAnsweredError,
    AskedQuestion,
    ClosedMeanwhileError,
    require_open,
)
from portal.surveys.models import TextReview

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
    the row it changed, inserts the ballot (``sql.mark_and_insert_ballot``): of two
    submits at once only one changes the row, the other finds it answered and records
    nothing. The ballot is the answers and the group at the round's fixed size, sealed
    to the round's public key, under a random key: nothing in it or beside it names the
    invitation, and its length is the same for everyone. The response is written when
    the round closes (``services.close_round``).
    Every DomainError is raised before anything is written: a caller needs no savepoint.
    Only if the round closes between the check and the write does the database refuse
    the ballot; that is ``ClosedMeanwhileError``, after which the caller rolls back.
    """
    require_open(access)
    questions = access.questions
    clean = check(questions, answers, complete=True)
    invitation, survey_round = access.invitation, access.round
    if survey_round.public_key is None:  # an open round always has its keys
        raise DomainError(_("The survey has closed; answers can no longer be saved."))
    sealed = crypto.seal_ballot(
        survey_round.public_key, survey_round.id, encode(questions, clean, invitation.group_id or 0)
    )
    values = {
        "invitation": invitation.id,
        "ballot": uuid.uuid4(),
        "round": invitation.round_id,
        "sealed": sealed,
    }
    try:
        marked = sql.mark_and_insert_ballot(db.session, values)
    except sa.exc.DBAPIError as error:
        if sql.ANSWERS_FINAL not in str(error.orig):
            raise
        raise ClosedMeanwhileError from error
    if marked != 1:
        raise AlreadyAnsweredError(_("Your answer has already been submitted."))
    # The draft goes with the mark: the database deletes the draft of an invitation the
    # moment it is marked answered (migration surveys0003).


# An answer's columns besides its response, in the order the generator writes them.
ANSWER_COLUMNS = ("question_id", "value", "dont_know", "text", "review")


def blank_answer(question_id: int) -> dict[str, Any]:
    """An answer that names every column but the response's, nothing chosen yet. Rows
    written together (the close's one INSERT, the data generator's bulk insert) must
    name the same columns.
    """
    return {**dict.fromkeys(ANSWER_COLUMNS), "question_id": question_id, "dont_know": False}


def answer_row(question: AskedQuestion, value: str) -> dict[str, Any]:
    """The columns of one answer: a scale point, "don't know", or free text to review."""
    row = blank_answer(question.id)
    if not question.is_scale:
        row.update(text=value, review=TextReview.PENDING)
    elif value == DONT_KNOW:
        row["dont_know"] = True
    else:
        row["value"] = int(value)
    return row
