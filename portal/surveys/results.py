"""Results of a closed round, counted in the database, and the free-text review.

What is shown is decided by ``portal.surveys.disclosure`` (the one check every output
goes through): a figure stands only where at least *k* answers are behind it, a hidden
cell keeps no count, and where the association's total minus the shown groups would
give away fewer than *k* respondents, another group is hidden too. Agency kind is
never read: it is no breakdown of any output.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from portal.accounts.models import User
from portal.core import audit
from portal.core.errors import DomainError
from portal.extensions import db
from portal.surveys import disclosure
from portal.surveys.disclosure import Hidden
from portal.surveys.models import (
    Answer,
    Question,
    QuestionKind,
    RoundTotal,
    SurveyResponse,
    SurveyRound,
    TextReview,
)

ALL = "all"  # the key of the association-wide cell


@dataclass
class Cell:
    """One question for one group (or the association): counts and figures."""

    answers: int = 0
    base: int = 0  # answers on the scale, "don't know" left out
    dont_know: int = 0
    positive: int = 0
    value_sum: int = 0
    distribution: dict[int, int] = field(default_factory=dict)
    hidden: Hidden | None = None

    @property
    def share_positive(self) -> float | None:
        return self.positive / self.base if self.base else None

    @property
    def mean(self) -> float | None:
        return self.value_sum / self.base if self.base else None


def totals_insert(round_ids: list[int]) -> sa.Insert:
    """The rollup rows (``RoundTotal``) of the rounds given, counted from their answers.

    One ``INSERT … SELECT``: run by ``services.close_round`` in the closing
    transaction, by the data generator, and by the migration that added the table.
    """
    positive = sa.case((Answer.value >= Question.positive_from, 1), else_=0)
    counted = (
        sa.select(
            SurveyResponse.round_id,
            Answer.question_id,
            sa.func.count(),
            sa.func.count(Answer.value),
            sa.func.coalesce(sa.func.sum(positive), 0),
        )
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)
        .where(SurveyResponse.round_id.in_(round_ids), Question.kind == QuestionKind.SCALE)
        .group_by(SurveyResponse.round_id, Answer.question_id)
    )
    return sa.insert(RoundTotal).from_select(
        ["round_id", "question_id", "answers", "base", "positive"], counted
    )


def _counted(rounds: list[SurveyRound]) -> list[Any]:
    """Every question of the rounds' instruments with its answers counted per round,
    group and scale point, and the free text the review let through (one
    query; the questions are put on their instruments, so nothing loads them again).

    The finest split any output needs: the association and group cells are sums
    of these rows, so one round trip serves every cell of every round asked for.
    """
    rows = db.session.execute(
        _counted_statement(),
        {"rounds": [r.id for r in rounds], "instruments": list({r.instrument_id for r in rounds})},
    ).all()
    by_instrument: dict[int, list[Question]] = defaultdict(list)
    for row in rows:
        questions = by_instrument[row[0].instrument_id]
        if not questions or questions[-1] is not row[0]:
            questions.append(row[0])
    for r in rounds:
        set_committed_value(r.instrument, "questions", by_instrument.get(r.instrument_id, []))
    return [row for row in rows if row.round_id is not None]


@functools.cache
def _counted_statement() -> sa.Select[Any]:
    """``_counted``'s query, built once: building it and its cache key took a third of
    the time of running it."""
    counts = (
        sa.select(
            SurveyResponse.round_id,
            Answer.question_id,
            SurveyResponse.group_id,
            Answer.value,
            Answer.dont_know,
            Answer.text,
            sa.func.count().label("n"),
        )
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(
            SurveyResponse.round_id.in_(sa.bindparam("rounds", expanding=True)),
            sa.or_(Answer.text.is_(None), Answer.review == TextReview.SHOWN),
        )
        .group_by(
            SurveyResponse.round_id, Answer.question_id, SurveyResponse.group_id,
            Answer.value, Answer.dont_know, Answer.text,
        )
        .subquery()
    )  # fmt: skip
    return (
        sa.select(Question, counts)
        .outerjoin(counts, counts.c.question_id == Question.id)
        .where(Question.instrument_id.in_(sa.bindparam("instruments", expanding=True)))
        .order_by(Question.instrument_id, Question.position)
    )


def _add(cell: Cell, positive_from: int | None, value: int | None, dont_know: bool, n: int) -> None:
    cell.answers += n
    if value is not None:
        cell.base += n
        cell.value_sum += value * n
        cell.distribution[value] = cell.distribution.get(value, 0) + n
        if positive_from is not None and value >= positive_from:
            cell.positive += n
    elif dont_know:
        cell.dont_know += n


@dataclass
class QuestionResult:
    """A scale question with its association and group cells."""

    question: Question
    overall: Cell
    groups: dict[int, Cell]


@dataclass
class RoundResults:
    """Everything the results page shows, hidden cells already blanked."""

    k: int
    responses: int
    responses_by_group: dict[int | None, int]  # None: an association-level round's
    questions: list[QuestionResult]
    decision: disclosure.Decision
    # question id → (group id, text) of each free-text answer the review let through
    shown_texts: dict[int, list[tuple[int | None, str]]] = field(default_factory=dict)


def _blank(reason: Hidden) -> Cell:
    """A hidden cell: no count at all (not even of answers), only the reason."""
    return Cell(hidden=reason)


def round_results(survey_round: SurveyRound) -> RoundResults:
    """Per scale question: the association and each group."""
    return rounds_results([survey_round])[survey_round.id]


def responses_per_group(rounds: list[SurveyRound]) -> dict[int, dict[int | None, int]]:
    """Round id → group id → responses (one query); None is an association-level
    round's (board, list), whose responses have no group."""
    out: dict[int, dict[int | None, int]] = {r.id: {} for r in rounds}
    for round_id, gid, n in db.session.execute(
        sa.select(SurveyResponse.round_id, SurveyResponse.group_id, sa.func.count())
        .where(SurveyResponse.round_id.in_([r.id for r in rounds]))
        .group_by(SurveyResponse.round_id, SurveyResponse.group_id)
    ):
        out[int(round_id)][None if gid is None else int(gid)] = int(n)
    return out


def rounds_results(
    rounds: list[SurveyRound], responses: dict[int, dict[int | None, int]] | None = None
) -> dict[int, RoundResults]:
    """``round_results`` of several rounds in two queries (one when ``responses``, the
    responses per group of each round, is known already). The rounds' ``groups`` are
    read as loaded."""
    if responses is None:
        responses = responses_per_group(rounds)
    cells: dict[int, dict[tuple[int, Any], Cell]] = {r.id: {} for r in rounds}
    texts: dict[int, dict[int, list[tuple[int | None, str]]]] = {
        r.id: defaultdict(list) for r in rounds
    }
    for question, round_id, _qid, group_id, value, dont_know, text, n in _counted(rounds):
        if not question.is_scale:
            if text is not None:
                texts[round_id][question.id] += [(group_id, text)] * n
            continue
        in_round = cells[round_id]
        for key in ((question.id, group_id), (question.id, ALL)):
            cell = in_round.get(key)
            if cell is None:
                cell = in_round[key] = Cell()
            _add(cell, question.positive_from, value, dont_know, n)
    out = {r.id: _results(r, cells[r.id], responses.get(r.id, {})) for r in rounds}
    for r in rounds:
        out[r.id].shown_texts = dict(texts[r.id])
    return out


def _results(
    survey_round: SurveyRound,
    cells: dict[tuple[int, Any], Cell],
    responses_by_group: dict[int | None, int],
) -> RoundResults:
    k = survey_round.min_answers
    group_ids = [g.id for g in survey_round.groups]
    scale = [q for q in survey_round.instrument.questions if q.is_scale]
    decision = disclosure.decide(
        k,
        responses_by_group,
        {q.id: {g: cells.get((q.id, g), Cell()).base for g in group_ids} for q in scale},
        group_ids,
        {q.id: cells.get((q.id, ALL), Cell()).base for q in scale},
    )
    results = []
    for question in scale:
        whole = cells.get((question.id, ALL), Cell())
        reason = decision.overall[question.id]
        groups = {}
        for g in group_ids:
            hidden = decision.group(question.id, g)
            groups[g] = _blank(hidden) if hidden else cells.get((question.id, g), Cell())
        results.append(QuestionResult(question, _blank(reason) if reason else whole, groups))
    return RoundResults(
        k=k,
        responses=sum(responses_by_group.values()),
        responses_by_group=responses_by_group,
        questions=results,
        decision=decision,
    )


# --- free text ---------------------------------------------------------------------


@dataclass(frozen=True)
class FreeText:
    """A free-text answer as the review page and the results page need it."""

    response_id: uuid.UUID
    question_id: int
    text: str
    review: TextReview
    group_id: int | None  # None: an association-level round's


def free_texts(
    survey_round: SurveyRound, *, reviews: tuple[TextReview, ...] = tuple(TextReview)
) -> dict[int, list[FreeText]]:
    """Question id → its free-text answers (random order: the keys are random)."""
    rows = db.session.execute(
        sa.select(
            Answer.response_id,
            Answer.question_id,
            Answer.text,
            Answer.review,
            SurveyResponse.group_id,
        )
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(
            SurveyResponse.round_id == survey_round.id,
            Answer.text.is_not(None),
            Answer.review.in_(reviews),
        )
        .order_by(Answer.question_id, Answer.response_id)
    ).all()
    out: dict[int, list[FreeText]] = defaultdict(list)
    for row in rows:
        out[row.question_id].append(FreeText(*row))
    return dict(out)


def free_text_item(
    survey_round: SurveyRound, response_id: uuid.UUID, question_id: int
) -> FreeText | None:
    """One free-text answer of the round, or None."""
    row = db.session.execute(
        sa.select(
            Answer.response_id,
            Answer.question_id,
            Answer.text,
            Answer.review,
            SurveyResponse.group_id,
        )
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(
            SurveyResponse.round_id == survey_round.id,
            Answer.response_id == response_id,
            Answer.question_id == question_id,
            Answer.text.is_not(None),
        )
    ).first()
    return FreeText(*row) if row else None


def review_text(
    actor: User,
    survey_round: SurveyRound,
    response_id: uuid.UUID,
    question_id: int,
    decision: TextReview,
) -> Answer:
    """Show or withhold one free-text answer (it can be decided again later)."""
    if decision == TextReview.PENDING:
        raise DomainError(_("Choose whether the answer is shown or withheld."), "decision")
    answer = db.session.scalar(
        sa.select(Answer)
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(
            Answer.response_id == response_id,
            Answer.question_id == question_id,
            SurveyResponse.round_id == survey_round.id,
            Answer.text.is_not(None),
        )
    )
    if answer is None:
        raise DomainError(_("The answer was not found."))
    before = {"review": answer.review.value if answer.review else None}
    answer.review = decision
    db.session.flush()
    audit.record(
        actor=actor,
        action="survey_text.review",
        obj=answer,
        association_id=survey_round.association_id,
        summary=f"{survey_round.year} {answer.question.code}",
        before=before,
        after={"review": decision.value},
    )
    return answer
