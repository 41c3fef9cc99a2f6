"""Results of a closed round, counted in the database, and the free-text review.

A figure stands only where at least *k* answers are behind it. Where a group's cell
is hidden, a second cell is hidden too if the association's total minus the groups
shown would otherwise give the hidden group's figures away ("secondary suppression").
Agency kind is offered for the association as a whole only, never within a group.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import audit
from portal.core.errors import DomainError
from portal.extensions import db
from portal.surveys.models import (
    Answer,
    Question,
    QuestionKind,
    SurveyResponse,
    SurveyRound,
    TextReview,
)

ALL = "all"  # the key of the association-wide cell


class Hidden(enum.StrEnum):
    """Why a cell shows only its count."""

    FEW = "few"  # fewer than k answers on the scale
    SECONDARY = "secondary"  # would reveal a smaller hidden cell by subtraction


@dataclass
class Cell:
    """One question for one group (or kind, or the association): counts and figures."""

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


def hide_small(bases: dict[Hashable, int], k: int) -> dict[Hashable, Hidden]:
    """Which of the parts of a whole to hide, and why.

    Parts with fewer than ``k`` are hidden. If what is hidden adds up to more than
    nothing but fewer than ``k``, the total minus the shown parts would reveal it, so
    the smallest shown parts are hidden as well until it adds up to ``k`` or more.
    """
    hidden: dict[Hashable, Hidden] = {key: Hidden.FEW for key, n in bases.items() if n < k}
    hidden_sum = sum(bases[key] for key in hidden)
    shown = sorted((n, str(key), key) for key, n in bases.items() if key not in hidden)
    while 0 < hidden_sum < k and shown:
        n, _name, key = shown.pop(0)
        hidden[key] = Hidden.SECONDARY
        hidden_sum += n
    return hidden


def _cells(survey_round: SurveyRound, by: Any | None) -> dict[tuple[int, Any], Cell]:
    """(question id, part) → cell, for scale questions, split by ``by`` (or not at all)."""
    key = by if by is not None else sa.literal_column(f"'{ALL}'")
    # PostgreSQL refuses a constant in GROUP BY: the whole is grouped by question only.
    keys = [Answer.question_id] if by is None else [Answer.question_id, by]
    positive = sa.case((Answer.value >= Question.positive_from, 1), else_=0)
    dont_know = sa.case((Answer.dont_know.is_(True), 1), else_=0)
    base_filter = (
        sa.select(Answer.question_id, key.label("part"))
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)
        .where(SurveyResponse.round_id == survey_round.id, Question.kind == QuestionKind.SCALE)
    )
    cells: dict[tuple[int, Any], Cell] = {}
    totals = base_filter.add_columns(
        sa.func.count(),
        sa.func.count(Answer.value),
        sa.func.sum(dont_know),
        sa.func.sum(positive),
        sa.func.coalesce(sa.func.sum(Answer.value), 0),
    ).group_by(*keys)
    for qid, part, n, base, dk, pos, total in db.session.execute(totals):
        cells[(qid, part)] = Cell(n, base, dk or 0, pos or 0, total or 0)
    spread = (
        base_filter.add_columns(Answer.value, sa.func.count())
        .where(Answer.value.is_not(None))
        .group_by(*keys, Answer.value)
    )
    for qid, part, value, n in db.session.execute(spread):
        cells[(qid, part)].distribution[value] = n
    return cells


@dataclass
class QuestionResult:
    """A scale question with its association, group and agency-kind cells."""

    question: Question
    overall: Cell
    groups: dict[int, Cell]
    kinds: dict[Any, Cell]


@dataclass
class RoundResults:
    """Everything the results page shows, hidden cells already blanked."""

    k: int
    responses: int
    responses_by_group: dict[int, int]
    questions: list[QuestionResult]
    kinds: list[Any]


def _blank(cell: Cell, reason: Hidden) -> Cell:
    return Cell(answers=cell.answers, hidden=reason)


def _apply_hiding(parts: dict[Any, Cell], k: int) -> dict[Any, Cell]:
    hidden = hide_small({key: cell.base for key, cell in parts.items()}, k)
    return {key: _blank(c, hidden[key]) if key in hidden else c for key, c in parts.items()}


def round_results(survey_round: SurveyRound) -> RoundResults:
    """Per scale question: the association, each group, each recorded agency kind."""
    k = survey_round.min_answers
    by_group = _cells(survey_round, SurveyResponse.group_id)
    by_kind = _cells(survey_round, SurveyResponse.agency_kind)
    overall = _cells(survey_round, None)
    responses_by_group: dict[int, int] = {
        int(gid): int(n)
        for gid, n in db.session.execute(
            sa.select(SurveyResponse.group_id, sa.func.count())
            .where(SurveyResponse.round_id == survey_round.id)
            .group_by(SurveyResponse.group_id)
        )
    }
    group_ids = [g.id for g in survey_round.groups]
    kinds_seen = sorted({part for (_q, part) in by_kind}, key=lambda p: (p is None, str(p)))
    results = []
    for question in survey_round.instrument.questions:
        if not question.is_scale:
            continue
        whole = overall.get((question.id, ALL), Cell())
        if whole.base < k:
            whole = _blank(whole, Hidden.FEW)
        groups = {g: by_group.get((question.id, g), Cell()) for g in group_ids}
        kinds = {kind: by_kind.get((question.id, kind), Cell()) for kind in kinds_seen}
        results.append(
            QuestionResult(question, whole, _apply_hiding(groups, k), _apply_hiding(kinds, k))
        )
    return RoundResults(
        k=k,
        responses=sum(responses_by_group.values()),
        responses_by_group=responses_by_group,
        questions=results,
        kinds=kinds_seen,
    )


# --- free text ---------------------------------------------------------------------


@dataclass(frozen=True)
class FreeText:
    """A free-text answer as the review page and the results page need it."""

    response_id: uuid.UUID
    question_id: int
    text: str
    review: TextReview
    group_id: int


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


def groups_with_text(survey_round: SurveyRound, responses_by_group: dict[int, int]) -> set[int]:
    """Groups whose own free text may be listed: k responses, and no subtraction risk."""
    counts: dict[Hashable, int] = {
        g.id: responses_by_group.get(g.id, 0) for g in survey_round.groups
    }
    hidden = hide_small(counts, survey_round.min_answers)
    return {g.id for g in survey_round.groups if g.id not in hidden}


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
