"""National and installation-wide reference figures: the rules and the query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from portal import PROJECT_ROOT
from portal.reporting.services.national import (
    InstallationFigure,
    installation_shares,
    national_shares,
)
from portal.surveys import results, services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import (
    Answer,
    Question,
    RespondentGroup,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
)
from portal.surveys.national import import_national

DEMO_FILE = PROJECT_ROOT / "portal" / "surveys" / "data" / "demo-instrument.json"


@pytest.fixture
def instrument(app, db_session):
    with app.test_request_context("/"):
        made, _outcome = services.import_instrument(
            None, parse_instrument(DEMO_FILE.read_text(encoding="utf-8"))
        )
        db_session.flush()
        yield made


def closed_round(
    f: Any,
    db_session: Any,
    instrument: Any,
    answers: dict[str, list[int | None]],
    *,
    year: int = 2025,
    k: int = 3,
    status: RoundStatus = RoundStatus.CLOSED,
    association: Any = None,
    respondent_group: RespondentGroup = RespondentGroup.MANAGERS,
) -> SurveyRound:
    """A round (of a new association unless ``association`` is given); ``answers``
    gives each response's value per code (``None`` is "don't know"). A managers' round
    answers through a Mysam group, any other respondent group's without one."""
    association = association or f.association()
    group = f.group(association) if respondent_group == RespondentGroup.MANAGERS else None
    survey_round = SurveyRound(
        association_id=association.id,
        respondent_group=respondent_group,
        year=year,
        instrument_id=instrument.id,
        opens_on=dt.date(year, 8, 1),
        closes_on=dt.date(year, 9, 30),
        min_answers=k,
        status=RoundStatus.DRAFT,  # answers first: a closed round takes none
    )
    db_session.add(survey_round)
    db_session.flush()
    questions = {q.code: q for q in instrument.questions}
    count = max(len(values) for values in answers.values())
    for index in range(count):
        response = SurveyResponse(round_id=survey_round.id, group_id=group and group.id)
        db_session.add(response)
        for code, values in answers.items():
            if index < len(values):
                value = values[index]
                response.answers.append(
                    Answer(question=questions[code], value=value, dont_know=value is None)
                )
    db_session.flush()
    survey_round.status = status
    db_session.flush()
    if status == RoundStatus.CLOSED:
        db_session.execute(results.totals_insert([survey_round.id]))  # as close_round does
    return survey_round


def test_positive_from_of_the_demo_scale(instrument):
    a1 = next(q for q in instrument.questions if q.code == "A1")
    assert (a1.points, a1.positive_from) == (7, 6)  # the hand-computed figures below rely on it


def test_two_associations_give_no_figure(f, db_session, instrument):
    closed_round(f, db_session, instrument, {"A1": [7, 6, 2]})
    closed_round(f, db_session, instrument, {"A1": [7, 1, 2]})
    assert installation_shares(["A1"], [2025]) == {}


def test_three_associations_give_the_pooled_figure(f, db_session, instrument):
    closed_round(f, db_session, instrument, {"A1": [7, 6, 2], "A2": [7, 7]})
    closed_round(f, db_session, instrument, {"A1": [7, 1, 2, None]})  # don't know: not in base
    closed_round(f, db_session, instrument, {"A1": [6, 6, 6, 1]})
    assert installation_shares(["A1", "A2"], [2025, 2024]) == {
        (2025, "A1"): InstallationFigure(share=6 / 10, associations=3, base=10)
    }


def test_an_association_below_its_own_k_is_left_out(f, db_session, instrument):
    closed_round(f, db_session, instrument, {"A1": [7, 6, 2]})
    closed_round(f, db_session, instrument, {"A1": [7, 1, 2]})
    closed_round(f, db_session, instrument, {"A1": [6, 6, 6]})
    # k 5: three answers are too few, and "don't know" does not count towards k
    closed_round(f, db_session, instrument, {"A1": [7, 7, 7, None, None]}, k=5)
    assert installation_shares(["A1"], [2025]) == {
        (2025, "A1"): InstallationFigure(share=6 / 9, associations=3, base=9)
    }


def test_only_closed_rounds_of_the_year_count(f, db_session, instrument):
    closed_round(f, db_session, instrument, {"A1": [7, 6, 2]})
    closed_round(f, db_session, instrument, {"A1": [7, 1, 2]})
    closed_round(f, db_session, instrument, {"A1": [6, 6, 6]}, status=RoundStatus.OPEN)
    closed_round(f, db_session, instrument, {"A1": [6, 6, 6]}, year=2024)
    assert installation_shares(["A1"], [2024, 2025]) == {}


def test_each_read_is_one_query(f, db_session, instrument, count_queries):
    for _ in range(4):
        closed_round(f, db_session, instrument, {"A1": [7, 6, 2], "B1": [1, 2, 7]})
    import_national(None, "year;question_code;share_positive\n2025;A1;61,5\n2024;A1;60\n")
    db_session.flush()
    with count_queries() as counter:
        shares = installation_shares(["A1", "B1", "C1"], [2023, 2024, 2025])
    assert counter.count == 1
    assert set(shares) == {(2025, "A1"), (2025, "B1")}
    with count_queries() as counter:
        national = national_shares(["A1", "B1"], [2024, 2025])
    assert counter.count == 1
    assert national == {(2025, "A1"): 0.615, (2024, "A1"): 0.6}
    assert national_shares([], [2025]) == {}


def test_questions_of_other_kinds_are_ignored(db_session, instrument):
    text_codes = [q.code for q in instrument.questions if not q.is_scale]
    assert installation_shares(text_codes, [2025]) == {}
    assert isinstance(instrument.questions[0], Question)


def test_an_indicator_pools_as_its_questions_do(f, db_session, instrument):
    from portal.reporting.services.national import pool_indicators, round_figures

    rounds = [
        closed_round(f, db_session, instrument, {"A1": [7, 6, 2], "A2": [7, 7, 1]}),
        closed_round(f, db_session, instrument, {"A1": [7, 1, 2], "A2": [6, 1, 1, None]}),
        closed_round(f, db_session, instrument, {"A1": [6, 6, 6, 1], "A2": [1, 1, 6]}),
        # Below k on A2: qualifies for A1 alone, so not for the indicator.
        closed_round(f, db_session, instrument, {"A1": [7, 7, 7], "A2": [7, 7]}),
    ]
    figures = round_figures(rounds[0].association_id, 2025)
    questions = installation_shares(["A1", "A2"], [2025])
    assert questions[2025, "A1"].associations == 4
    assert questions[2025, "A2"].associations == 3
    indicators = pool_indicators(figures, {"A": {"A1", "A2"}}, {2025})
    # The three that qualify for both: A1 2+1+3 of 10, A2 2+1+1 of 9.
    assert indicators == {(2025, "A"): InstallationFigure(share=10 / 19, associations=3, base=19)}
    # Every question of the indicator counts: an instrument with A3 as well finds none.
    assert pool_indicators(figures, {"A": {"A1", "A2", "A3"}}, {2025}) == {}


def test_the_board_summary_shows_the_indicators_installation_figure(app, f, db_session, instrument):
    from portal.organisations.models import Association
    from portal.reporting.services.period import Period
    from portal.reporting.services.survey_figures import survey_figures

    rounds = [
        closed_round(f, db_session, instrument, {"A1": [7, 6, 2], "A2": [7, 7, 1]})
        for _ in range(3)
    ]
    association = db_session.get(Association, rounds[0].association_id)
    with app.test_request_context("/"):
        survey = survey_figures(association.id, Period(2025))
    assert survey is not None
    a = next(r for r in survey.indicators if r.code == "A")
    assert a.installation == pytest.approx(4 / 6)
    assert a.installation_associations == 3
    assert a.installation_diff == 0  # the same answers everywhere


def test_each_respondent_groups_installation_figure_is_of_its_own_rounds_year(
    app, f, db_session, instrument, count_queries
) -> None:
    """Three associations, each with a managers' round of 2025 and a board round of 2024
    (its latest): in one association's 2025 summary the board's section compares with
    the installation's board rounds of 2024, as the managers' section does with 2025's;
    and the summary still reads the rollup once."""
    from portal.organisations.models import Association
    from portal.reporting.services.period import Period
    from portal.reporting.services.survey_figures import References, every_survey_figures

    associations = [f.association() for _ in range(3)]
    for association in associations:
        closed_round(f, db_session, instrument, {"A1": [7, 6, 2]}, association=association)
        closed_round(
            f, db_session, instrument, {"A1": [7, 7, 1, 1]}, year=2024,
            association=association, respondent_group=RespondentGroup.BOARD,
        )  # fmt: skip
    association = db_session.get(Association, associations[0].id)
    with app.test_request_context("/"), count_queries() as counter:
        managers, others = every_survey_figures(
            association.id, Period(2025), [], References(association.id)
        )
    assert managers is not None
    assert [section.respondent_group for section, _refs in others] == [RespondentGroup.BOARD]
    board = others[0][0]
    assert (managers.year, board.year) == (2025, 2024)
    a1 = {
        section.respondent_group: next(r for r in section.questions if r.code == "A1")
        for section in (managers, board)
    }
    assert a1[RespondentGroup.MANAGERS].installation == pytest.approx(2 / 3)
    assert a1[RespondentGroup.BOARD].installation == pytest.approx(2 / 4)
    assert a1[RespondentGroup.BOARD].installation_associations == 3
    rollups = [s for s in counter.statements if "survey_round_totals" in s]
    assert len(rollups) == 1


def test_the_summarys_rollup_rows_are_the_figures_as_plain_tuples(f, db_session, instrument):
    """The board summary holds its rollup (at national scale some three thousand rows)
    as plain tuples of numbers and strings: the cyclic garbage collector stops tracking
    those, where every named tuple or row object it held was carried into the
    collector's oldest generation, and full collections of the whole process every few
    requests were what the summary's p95 measured."""
    import gc

    from portal.reporting.services.national import RoundFigure, round_figures, round_rows

    own = closed_round(f, db_session, instrument, {"A1": [7, 6, 2], "A2": [7, 7, 1]})
    closed_round(f, db_session, instrument, {"A1": [7, 1, 2], "A2": [6, 1, 1]})
    closed_round(f, db_session, instrument, {"A1": [7, 7]}, year=2024)  # neither
    rows = round_rows(own.association_id, [2025])
    figures = round_figures(own.association_id, 2025)
    assert sorted(map(RoundFigure._make, rows)) == sorted(figures)
    assert len(figures) == 4  # two rounds of 2025, two scale questions each
    assert {f.respondent_group for f in figures} == {"managers"}
    assert all(type(row) is tuple for row in rows)
    gc.collect()
    assert not any(gc.is_tracked(row) for row in rows)
