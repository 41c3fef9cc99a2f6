"""Demo data for the national compilation: four more associations on the installation
with closed rounds of 2024 and 2025, so that, with Gävleborg's, the compilation has the
three associations a pooled figure needs. One of them declines being named.

The other associations have one Mysam group each and no people: their rounds are
written closed, with anonymous responses and the rollup closing writes, as the
Gävleborg demo writes its closed years. Loading twice changes nothing.
"""

from __future__ import annotations

import random
import uuid

import sqlalchemy as sa

from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.surveys.demo_rounds import close_past_round, draft_round
from portal.surveys.models import (
    Answer,
    Instrument,
    RespondentGroup,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
)

YEARS = (2024, 2025)
# slug, name, named in the compilation, responses a year, level of the answers
OTHERS = (
    ("uppsala", "Samordningsförbundet Uppsala län", True, 9, 4.6),
    ("vasternorrland", "Samordningsförbundet Västernorrland", True, 7, 4.1),
    ("dalarna", "Samordningsförbundet Dalarna", False, 8, 4.4),
    ("jamtland", "Samordningsförbundet Jämtland", True, 2, 4.0),  # below k: no figure
)


def load_demo() -> None:
    """Add the other associations and their closed rounds (idempotent), on the
    instrument version of the Gävleborg demo's closed rounds."""
    instrument = db.session.scalar(
        sa.select(Instrument)
        .join(SurveyRound, SurveyRound.instrument_id == Instrument.id)
        .where(SurveyRound.status == RoundStatus.CLOSED)
        .order_by(SurveyRound.year.desc())
        .limit(1)
    )
    if instrument is None:
        return
    for slug, name, named, responses, level in OTHERS:
        association = db.session.scalar(sa.select(Association).where(Association.slug == slug))
        if association is None:
            association = Association(slug=slug, name=name, named_nationally=named)
            db.session.add(association)
            db.session.flush()
        group = db.session.scalar(sa.select(Group).where(Group.association_id == association.id))
        if group is None:
            group = Group(association_id=association.id, name=f"Mysam {name.split()[-1]}")
            db.session.add(group)
            db.session.flush()
        for year in YEARS:
            exists = db.session.scalar(
                sa.select(SurveyRound.id).where(
                    SurveyRound.association_id == association.id,
                    SurveyRound.year == year,
                    SurveyRound.respondent_group == RespondentGroup.MANAGERS,
                )
            )
            if exists is None:
                rng = random.Random(f"{slug}-{year}")  # noqa: S311 - demo data, not security
                _round(association, group, instrument, year, responses, level, rng)


def _round(
    association: Association,
    group: Group,
    instrument: Instrument,
    year: int,
    responses: int,
    level: float,
    rng: random.Random,
) -> None:
    survey_round = draft_round(association, instrument, year, groups=[group])
    lift = 0.4 * (year - YEARS[0])
    for _ in range(responses):
        response = SurveyResponse(id=uuid.uuid4(), round_id=survey_round.id, group_id=group.id)
        for question in instrument.questions:
            if not question.is_scale:
                continue
            if rng.random() < 0.08:
                response.answers.append(Answer(question_id=question.id, dont_know=True))
            else:
                value = min(7, max(1, round(rng.gauss(level + lift, 1.4))))
                response.answers.append(Answer(question_id=question.id, value=value))
        db.session.add(response)
    close_past_round(survey_round)
