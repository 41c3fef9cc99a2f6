"""What every demo writer of a survey round shares: the round made as a draft on its
dates, and a past round closed as ``services.close_round`` leaves one (status, its
times, the yearly rollup). The answers in between are each writer's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.surveys import results
from portal.surveys.models import Instrument, RespondentGroup, RoundStatus, SurveyRound


def draft_round(
    association: Association,
    instrument: Instrument,
    year: int,
    *,
    groups: Sequence[Group] = (),
    respondent_group: RespondentGroup = RespondentGroup.MANAGERS,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
) -> SurveyRound:
    """A draft round of ``year`` (by default open 15 August to 30 September), flushed."""
    survey_round = SurveyRound(
        association_id=association.id,
        year=year,
        respondent_group=respondent_group,
        instrument_id=instrument.id,
        opens_on=opens_on or dt.date(year, 8, 15),
        closes_on=closes_on or dt.date(year, 9, 30),
        min_answers=association.min_survey_answers,
        status=RoundStatus.DRAFT,  # answers first: a closed round takes none
    )
    survey_round.groups = list(groups)
    db.session.add(survey_round)
    db.session.flush()
    return survey_round


def close_past_round(
    survey_round: SurveyRound,
    opened_at: dt.datetime | None = None,
    closed_at: dt.datetime | None = None,
) -> None:
    """Close a round whose responses are written: closed the day after its closing day
    unless told, and its yearly rollup written as ``close_round`` writes it."""
    db.session.flush()
    opens, closes = survey_round.opens_on, survey_round.closes_on
    survey_round.status = RoundStatus.CLOSED
    survey_round.opened_at = opened_at or dt.datetime.combine(opens, dt.time(6), dt.UTC)
    survey_round.closed_at = closed_at or dt.datetime.combine(
        closes + dt.timedelta(days=1), dt.time(2), dt.UTC
    )
    db.session.flush()
    db.session.execute(results.totals_insert([survey_round.id]))
