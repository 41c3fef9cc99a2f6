"""The board summary with several respondent groups (issue 22): each group's figures
apart, association-level rounds (board, list) with the whole association only, the
managers' figures, references and trends never mixed with another group's, and the
same number of statements however many groups ran a round.

On top of ``rworld`` (managers' rounds 2024 and 2025): the board's rounds, on an
instrument version with the same question codes (so that mixing would show): 2024 four
of five answered [7, 6, 2, 1], 2025 five of five [7, 7, 6, 3, 2]; and in the test that
needs it, a staff round of 2025 with two answers, fewer than k = 3.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from typing import Any

import sqlalchemy as sa
from jsonschema import Draft202012Validator

from portal.extensions import db
from portal.organisations.models import Association
from portal.reporting.services.serialize import board_json
from portal.reporting.services.summary import Period, board_summary
from portal.reporting.services.tables import board_tables
from portal.surveys import results
from portal.surveys import services as survey_services
from portal.surveys.disclosure import Hidden
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import (
    Answer,
    Instrument,
    Invitation,
    QuestionKind,
    RespondentGroup,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
    TextReview,
)
from tests.api.schema import DOCUMENT
from tests.reporting.test_pages import url
from tests.support.sessions import sign_in
from tests.support.surveys import demo_text

BOARD = {2024: ([7, 6, 2, 1], 5), 2025: ([7, 7, 6, 3, 2], 5)}


def _instrument(group: RespondentGroup) -> Instrument:
    parsed = dataclasses.replace(parse_instrument(demo_text()), code=f"test-{group.value}")
    instrument, _ = survey_services.import_instrument(None, parsed)
    instrument.respondent_group = group
    db.session.flush()
    return instrument


def association_round(
    association_id: int,
    instrument: Instrument,
    group: RespondentGroup,
    year: int,
    values: list[int],
    invited: int,
    text: str | None = None,
) -> SurveyRound:
    """A closed association-level round: ``invited`` invitations (no person left, as
    after the list's deletion or the retention rule), a response per value."""
    survey_round = SurveyRound(
        association_id=association_id, year=year, respondent_group=group,
        instrument_id=instrument.id, opens_on=dt.date(year, 8, 15),
        closes_on=dt.date(year, 9, 30), min_answers=3, status=RoundStatus.DRAFT,
    )  # fmt: skip
    db.session.add(survey_round)
    db.session.flush()
    for n in range(invited):
        db.session.add(
            Invitation(
                round_id=survey_round.id, token_salt=f"b{year}{n}",
                token_hash=uuid.uuid4().hex, answered=n < len(values),
            )
        )  # fmt: skip
    scale = [q for q in instrument.questions if q.kind == QuestionKind.SCALE]
    text_question = next(q for q in instrument.questions if q.kind == QuestionKind.TEXT)
    for index, value in enumerate(values):
        response = SurveyResponse(id=uuid.uuid4(), round_id=survey_round.id, group_id=None)
        response.answers += [Answer(question_id=q.id, value=value) for q in scale]
        if text and index == 0:
            response.answers.append(
                Answer(question_id=text_question.id, text=text, review=TextReview.SHOWN)
            )
        db.session.add(response)
    db.session.flush()
    survey_round.status = RoundStatus.CLOSED
    survey_round.closed_at = dt.datetime(year, 10, 1, 2, tzinfo=dt.UTC)
    db.session.flush()
    db.session.execute(results.totals_insert([survey_round.id]))
    return survey_round


def with_board(db_session: Any, rworld: Any) -> None:
    board = _instrument(RespondentGroup.BOARD)
    for year, (values, invited) in BOARD.items():
        association_round(
            rworld.association_id, board, RespondentGroup.BOARD, year, values, invited,
            text="Styrelsen behöver följa upp resultaten." if year == 2025 else None,
        )  # fmt: skip
    db_session.commit()


def summary(db_session: Any, rworld: Any, year: int = 2025, kind: str = "year") -> Any:
    association = db_session.get(Association, rworld.association_id)
    return board_summary(association, Period.parse(year, kind))


def test_each_respondent_group_has_its_own_section(db_session, rworld) -> None:
    with_board(db_session, rworld)
    report = summary(db_session, rworld)
    managers = report.survey
    # The managers' figures are those of the hand-computed set, untouched by the board's.
    assert managers.respondent_group == RespondentGroup.MANAGERS
    assert (managers.responses, managers.invited, managers.previous_year) == (9, 12, 2024)
    a1 = next(r for r in managers.questions if r.code == "A1")
    assert (a1.overall.current.percent, a1.overall.previous.percent) == (56, 40)
    [board] = report.other_surveys
    assert report.surveys == [managers, board]
    assert board.respondent_group == RespondentGroup.BOARD
    assert board.association_level
    assert not managers.association_level
    assert (board.year, board.previous_year) == (2025, 2024)
    assert (board.responses, board.invited) == (5, 5)
    assert board.groups == []
    b1 = next(r for r in board.questions if r.code == "A1")
    assert b1.overall.current.percent == 60  # 7, 7, 6 of five
    assert b1.overall.previous.percent == 50  # 7, 6 of four
    assert b1.overall.change == 10
    assert b1.groups == {}
    indicator_a = next(r for r in board.indicators if r.code == "A")
    assert indicator_a.overall.current.percent == 60
    assert [t.text for t in board.texts] == ["Styrelsen behöver följa upp resultaten."]
    assert board.texts[0].group is None
    # An indicator per respondent group: the sections' own figures side by side.
    across = {row.code: row for row in report.indicators_across}
    assert list(across) == ["A", "B", "C"]
    managers_a = next(r for r in managers.indicators if r.code == "A")
    assert across["A"].cells == {
        RespondentGroup.MANAGERS: (managers_a.overall, 3),
        RespondentGroup.BOARD: (indicator_a.overall, 3),
    }


def test_national_and_trend_figures_keep_to_their_group(db_session, rworld) -> None:
    before = summary(db_session, rworld)
    with_board(db_session, rworld)
    after = summary(db_session, rworld)
    a1_before = next(r for r in before.survey.questions if r.code == "A1")
    a1_after = next(r for r in after.survey.questions if r.code == "A1")
    assert a1_after == a1_before  # national reference, installation figure, change
    trends = {t.id: t for t in after.trends}
    assert {t.id for t in before.trends} <= set(trends)
    for trend in before.trends:
        assert trends[trend.id] == trend  # the managers' lines are what they were
    board_a = trends["trend-board-indicator-a"]
    assert board_a.years == [2024, 2025]
    assert [round(v, 2) for v in board_a.series[0].values] == [0.5, 0.6]
    assert not any(t.id.startswith("trend-board-question") for t in after.trends)


def test_fewer_than_k_answers_in_an_association_level_round_show_nothing(
    db_session, rworld
) -> None:
    staff = _instrument(RespondentGroup.STAFF)
    association_round(
        rworld.association_id, staff, RespondentGroup.STAFF, 2025, [7, 7], 6, text="Hemligt."
    )
    db_session.commit()
    [section] = summary(db_session, rworld).other_surveys
    assert section.respondent_group == RespondentGroup.STAFF
    assert (section.responses, section.invited) == (2, 6)  # counts who answered: shown
    for row in section.questions + section.indicators:
        assert row.overall.current.hidden is Hidden.FEW
        assert row.overall.current.answers is None
    assert section.texts_hidden
    assert section.texts == []
    data = json.dumps(board_json(summary(db_session, rworld)), ensure_ascii=False)
    assert "Hemligt" not in data


def test_a_half_year_shows_only_rounds_closed_by_its_end(db_session, rworld) -> None:
    with_board(db_session, rworld)
    report = summary(db_session, rworld, 2025, "h1")
    assert report.survey.year == 2024
    [board] = report.other_surveys
    assert (board.year, board.previous_year) == (2024, None)


def test_the_page_the_api_and_the_export_show_every_group(client, db_session, rworld) -> None:
    with_board(db_session, rworld)
    sign_in(client, rworld, "board")
    page = client.get(url(rworld)).get_data(as_text=True)
    assert '<h3 id="survey-managers-heading">Chefer i samverkan</h3>' in page
    assert '<h3 id="survey-board-heading">Styrelseledamöter</h3>' in page
    assert 'id="survey-round-year-board"' in page
    assert "Den här omgången frågade förbundet som helhet" in page
    data = board_json(summary(db_session, rworld))
    assert [s["respondent_group"] for s in data["surveys"]] == ["managers", "board"]
    assert data["survey"] == data["surveys"][0]
    schema = {"$ref": "#/components/schemas/SurveySection", "components": DOCUMENT["components"]}
    for section in data["surveys"]:
        errors = list(Draft202012Validator(schema).iter_errors(section))
        assert not errors, [e.message for e in errors[:3]]
    assert '<h3 id="survey-across-heading">' in page
    tables = {t.title: t for t in board_tables(summary(db_session, rworld))}
    titles = list(tables)
    assert "Enkät 2025 – Styrelseledamöter – frågor" in titles
    across = next(t for t in tables.values() if t.title.endswith("svarsgrupp (%)"))
    assert across.rows[0][:2] == ["A", "Brukare och omvärld (exempelindikator)"]
    assert across.rows[0][3] == 60  # the board's A
    assert "Enkät 2025 – frågor" in titles


def test_more_respondent_groups_cost_no_more_statements(
    client, db_session, rworld, count_queries
) -> None:
    sign_in(client, rworld, "board")
    client.get(url(rworld))  # warm-up
    with count_queries() as managers_only:
        assert client.get(url(rworld)).status_code == 200
    with_board(db_session, rworld)
    staff = _instrument(RespondentGroup.STAFF)
    association_round(rworld.association_id, staff, RespondentGroup.STAFF, 2025, [7, 6, 5], 4)
    db_session.commit()
    with count_queries() as three_groups:
        assert client.get(url(rworld)).status_code == 200
    assert three_groups.count == managers_only.count
    assert three_groups.count <= 15
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SurveyRound)) == 5
