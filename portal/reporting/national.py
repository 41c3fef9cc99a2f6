"""National and installation-wide reference figures for the survey questions.

Both read functions answer in one SQL query each. The installation-wide figure pools
the answers of every association on this installation whose own closed round has at
least its own *k* answers on the scale for the question; it is given only where at
least :data:`MIN_ASSOCIATIONS` associations qualify, so no single association's
figure can be read from it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.surveys.models import (
    Answer,
    Question,
    QuestionKind,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
)
from portal.surveys.national import NationalReference

MIN_ASSOCIATIONS = 3


@dataclass(frozen=True)
class InstallationFigure:
    """The pooled share over ``associations`` associations with ``base`` scale answers."""

    share: float
    associations: int
    base: int


def national_shares(codes: Collection[str], years: Collection[int]) -> dict[tuple[int, str], float]:
    """(year, question code) → national share 0..1, for the figures loaded."""
    if not codes or not years:
        return {}
    rows = db.session.execute(
        sa.select(
            NationalReference.year, NationalReference.question_code, NationalReference.share
        ).where(
            NationalReference.question_code.in_(list(codes)),
            NationalReference.year.in_(list(years)),
        )
    )
    return {(int(year), str(code)): float(share) for year, code, share in rows}


def installation_shares(
    codes: Collection[str], years: Collection[int]
) -> dict[tuple[int, str], InstallationFigure]:
    """(year, question code) → pooled figure, where at least three associations qualify.

    An association qualifies for a question and year when its closed round of that
    year has at least the round's own *k* answers on the scale ("don't know" is
    outside the base) to the question.
    """
    if not codes or not years:
        return {}
    positive = sa.case((Answer.value >= Question.positive_from, 1), else_=0)
    per_round = (
        sa.select(
            SurveyRound.year.label("year"),
            Question.code.label("code"),
            sa.func.count(Answer.value).label("base"),
            sa.func.sum(positive).label("positive"),
        )
        .select_from(Answer)
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .join(SurveyRound, SurveyRound.id == SurveyResponse.round_id)
        .join(Question, Question.id == Answer.question_id)
        .where(
            SurveyRound.status == RoundStatus.CLOSED,
            SurveyRound.year.in_(list(years)),
            Question.kind == QuestionKind.SCALE,
            Question.code.in_(list(codes)),
            Answer.value.is_not(None),
        )
        .group_by(SurveyRound.id, SurveyRound.year, SurveyRound.min_answers, Question.code)
        .having(sa.func.count(Answer.value) >= SurveyRound.min_answers)
        .subquery()
    )
    pooled = (
        sa.select(
            per_round.c.year,
            per_round.c.code,
            sa.func.count().label("associations"),
            sa.func.sum(per_round.c.base).label("base"),
            sa.func.sum(per_round.c.positive).label("positive"),
        )
        .group_by(per_round.c.year, per_round.c.code)
        .having(sa.func.count() >= MIN_ASSOCIATIONS)
    )
    return {
        (int(row.year), str(row.code)): InstallationFigure(
            share=int(row.positive) / int(row.base),
            associations=int(row.associations),
            base=int(row.base),
        )
        for row in db.session.execute(pooled)
    }
