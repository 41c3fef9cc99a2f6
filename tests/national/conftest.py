"""Closed rounds with known answers, for the national compilation's tests."""

from __future__ import annotations

from typing import Any

import pytest

from portal.organisations.models import Association
from portal.surveys import services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import Answer, RoundStatus, SurveyResponse, SurveyRound
from tests.reporting.test_national import DEMO_FILE
from tests.reporting.test_national import closed_round as _closed_round


@pytest.fixture
def instrument(app, db_session):
    with app.test_request_context("/"):
        made, _outcome = services.import_instrument(
            None, parse_instrument(DEMO_FILE.read_text(encoding="utf-8"))
        )
        db_session.flush()
        yield made


@pytest.fixture
def national_user(f, db_session):
    user = f.user(name="Nationella nätverket")
    user.is_national_network = True
    db_session.flush()
    return user


def closed_round(f: Any, db_session: Any, instrument: Any, answers: Any, **kwargs: Any) -> Any:
    """A new association with one closed round of the managers' group (see
    tests/reporting/test_national.py)."""
    return _closed_round(f, db_session, instrument, answers, **kwargs)


def another_year(db_session: Any, survey_round: SurveyRound, year: int, answers: Any) -> Any:
    """A closed round of ``year`` for the same association and instrument."""
    from portal.surveys import results

    later = SurveyRound(
        association_id=survey_round.association_id,
        year=year,
        instrument_id=survey_round.instrument_id,
        opens_on=survey_round.opens_on.replace(year=year),
        closes_on=survey_round.closes_on.replace(year=year),
        min_answers=survey_round.min_answers,
        status=RoundStatus.DRAFT,
    )
    db_session.add(later)
    db_session.flush()
    group_id = db_session.query(SurveyResponse.group_id).filter_by(round_id=survey_round.id).first()
    questions = {q.code: q for q in survey_round.instrument.questions}
    for index in range(max(len(v) for v in answers.values())):
        response = SurveyResponse(round_id=later.id, group_id=group_id[0])
        db_session.add(response)
        for code, values in answers.items():
            if index < len(values):
                response.answers.append(
                    Answer(
                        question=questions[code],
                        value=values[index],
                        dont_know=values[index] is None,
                    )
                )
    db_session.flush()
    later.status = RoundStatus.CLOSED
    db_session.flush()
    db_session.execute(results.totals_insert([later.id]))
    return later


def association_of(db_session: Any, survey_round: SurveyRound) -> Association:
    return db_session.get(Association, survey_round.association_id)
