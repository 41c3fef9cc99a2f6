"""The national compilation's figures: equal to a recomputation from the responses,
per association only where its own k allows, opted-out associations in the totals only,
and the change from last year."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from portal.national.services import compile_year
from portal.surveys.models import Answer, Question, RespondentGroup, SurveyResponse, SurveyRound
from tests.national.conftest import another_year, association_of, closed_round

MANAGERS = RespondentGroup.MANAGERS

# Each association's answers (1–7, positive from 6; None is "don't know").
ANSWERS: list[dict[str, list[int | None]]] = [
    {"A1": [7, 6, 2, 5], "A2": [6, 6, 6, None], "B1": [1, 2, 7]},
    {"A1": [7, 7, 7], "A2": [1, 2, 3], "B1": [6, 6, 6, 6, 1]},
    {"A1": [6, 1, 1, 1, 7], "A2": [7, 7, None, 7], "B1": [3, 3, 3]},
    {"A1": [2, 2, 6, 6, 6, 7], "A2": [5, 6, 7, 7, 7, 7], "B1": [7, 7, 7, 7]},
]


def recompute(db_session: Any, year: int, code: str) -> tuple[float, int, int] | None:
    """(share, associations, answers on the scale) straight from the responses: the
    associations whose own scale answers reach their round's k, if three or more."""
    rows = db_session.execute(
        sa.select(SurveyRound.association_id, SurveyRound.min_answers, Answer.value)
        .join(SurveyResponse, SurveyResponse.round_id == SurveyRound.id)
        .join(Answer, Answer.response_id == SurveyResponse.id)
        .join(Question, Question.id == Answer.question_id)
        .where(SurveyRound.year == year, Question.code == code, Answer.value.is_not(None))
    ).all()
    per: dict[int, list[int]] = {}
    k_of: dict[int, int] = {}
    for association_id, k, value in rows:
        per.setdefault(association_id, []).append(value)
        k_of[association_id] = k
    counted = {a: values for a, values in per.items() if len(values) >= k_of[a]}
    if len(counted) < 3:
        return None
    values = [v for vs in counted.values() for v in vs]
    return sum(v >= 6 for v in values) / len(values), len(counted), len(values)


def line(compilation: Any, code: str) -> Any:
    return next(x for x in compilation.lines if x.code == code)


def test_the_figures_equal_a_recomputation_from_the_responses(f, db_session, instrument):
    for answers in ANSWERS:
        closed_round(f, db_session, instrument, answers)
    compilation = compile_year(2025, MANAGERS)
    assert compilation.participating == 4
    for code in ("A1", "A2", "B1"):
        expected = recompute(db_session, 2025, code)
        figure = line(compilation, code).figure
        assert expected is not None
        assert figure is not None
        assert figure.share == pytest.approx(expected[0])
        assert (figure.associations, figure.base) == expected[1:]
    # The indicator pools its questions over the associations that qualify for all.
    a = line(compilation, "A").figure
    assert a is not None
    assert a.associations == 4
    a_values = [v for x in ANSWERS for code in ("A1", "A2") for v in x[code] if v is not None]
    assert a.share == pytest.approx(sum(v >= 6 for v in a_values) / len(a_values))


def test_an_association_below_its_own_k_is_left_out_everywhere(f, db_session, instrument):
    rounds = [closed_round(f, db_session, instrument, answers) for answers in ANSWERS]
    small = closed_round(f, db_session, instrument, {"A1": [7, 7], "A2": [7, 7, 7]})
    strict = closed_round(f, db_session, instrument, {"A1": [1, 1, 1, 1]}, k=5)
    compilation = compile_year(2025, MANAGERS)
    a1 = line(compilation, "A1").figure
    assert a1 is not None
    assert a1.associations == 4
    assert a1.share == pytest.approx(recompute(db_session, 2025, "A1")[0])  # type: ignore[index]
    shares = {n.name: n.shares for n in compilation.named}
    assert "A1" not in shares[association_of(db_session, small).name]
    assert shares[association_of(db_session, small).name]["A2"] == 1.0
    assert "A" not in shares[association_of(db_session, small).name]  # A1 hidden → A hidden
    assert shares[association_of(db_session, strict).name] == {}
    first = shares[association_of(db_session, rounds[0]).name]
    assert first["A1"] == pytest.approx(2 / 4)


def test_too_few_associations_give_no_figure(f, db_session, instrument):
    for answers in ANSWERS[:2]:
        closed_round(f, db_session, instrument, answers)
    compilation = compile_year(2025, MANAGERS)
    assert all(x.figure is None for x in compilation.lines)
    assert len(compilation.named) == 2  # their own figures pass their k


def test_an_association_that_opts_out_counts_in_the_totals_only(f, db_session, instrument):
    rounds = [closed_round(f, db_session, instrument, answers) for answers in ANSWERS]
    hidden = association_of(db_session, rounds[1])
    hidden.named_nationally = False
    db_session.flush()
    compilation = compile_year(2025, MANAGERS)
    assert hidden.name not in {n.name for n in compilation.named}
    assert (len(compilation.named), compilation.unnamed, compilation.participating) == (3, 1, 4)
    b1 = line(compilation, "B1").figure
    assert b1 is not None
    assert b1.associations == 4
    assert b1.share == pytest.approx(recompute(db_session, 2025, "B1")[0])  # type: ignore[index]


def test_change_from_last_year_in_points(f, db_session, instrument):
    rounds = [closed_round(f, db_session, instrument, answers, year=2024) for answers in ANSWERS]
    for survey_round in rounds:
        another_year(db_session, survey_round, 2025, {"A1": [7, 7, 7, 1]})
    compilation = compile_year(2025, MANAGERS)
    a1 = line(compilation, "A1")
    before = recompute(db_session, 2024, "A1")
    assert before is not None
    assert a1.previous is not None
    assert a1.figure.share == pytest.approx(0.75)
    assert a1.change == pytest.approx((0.75 - before[0]) * 100)
    b1 = [x for x in compilation.lines if x.code == "B1"]
    assert b1 == []  # the year's outline is what the year's rounds asked


def test_another_respondent_group_is_another_compilation(f, db_session, instrument):
    for answers in ANSWERS:
        closed_round(f, db_session, instrument, answers)
    compilation = compile_year(2025, RespondentGroup.STAFF)
    assert (compilation.lines, compilation.named, compilation.participating) == ([], [], 0)
