"""The board summary's figures against the expectations computed by hand in
tests/support/reporting.py."""

from __future__ import annotations

from typing import Any

import pytest

from portal.organisations.models import Association
from portal.plans.models import ActivityStatus
from portal.plans.services.assessment import Assessment
from portal.reporting.services.summary import Period, board_summary
from portal.surveys.disclosure import Hidden


def summary(db_session: Any, rworld: Any, year: int = 2025, kind: str = "year") -> Any:
    association = db_session.get(Association, rworld.association_id)
    return board_summary(association, Period.parse(year, kind))


def test_goal_fulfilment_per_goal_area(db_session, rworld):
    plans = summary(db_session, rworld).plans
    areas = {a.title: a for a in plans.areas}
    assert areas["Kultur"].total == 3
    assert areas["Kultur"].counts == {
        Assessment.MET: 1,
        Assessment.NOT_MET: 1,
        Assessment.NOT_ASSESSED: 1,
    }
    assert areas["Struktur"].counts == {Assessment.PARTLY: 1}
    judged = {(g.group, g.title): g.assessment for g in plans.goals}
    assert judged == {
        ("Mysam Alfa", "Närvaro"): Assessment.MET,
        ("Mysam Alfa", "Insatser"): Assessment.PARTLY,
        ("Mysam Beta", "Närvaro"): Assessment.NOT_MET,
        ("Mysam Beta", "Samsyn"): Assessment.NOT_ASSESSED,
    }


def test_activities_and_konkretiserade_groups(db_session, rworld):
    plans = summary(db_session, rworld).plans
    groups = {g.group: g for g in plans.groups}
    assert groups["Mysam Alfa"].concretised
    assert groups["Mysam Alfa"].activity_total == 2
    assert groups["Mysam Alfa"].activities[ActivityStatus.DONE] == 1
    assert groups["Mysam Alfa"].activities[ActivityStatus.ONGOING] == 1
    assert not groups["Mysam Beta"].concretised
    assert groups["Mysam Beta"].activities[ActivityStatus.NOT_STARTED] == 1
    assert groups["Mysam Gamma"].plan_id is None
    assert (plans.with_plan, plans.concretised) == (2, 1)


def test_meetings_attendance_and_turnover_for_the_year(db_session, rworld):
    meetings = summary(db_session, rworld).meetings
    groups = {g.group: g for g in meetings.groups}
    alfa = groups["Mysam Alfa"]
    assert (alfa.figures.planned, alfa.figures.held) == (3, 3)
    assert (alfa.figures.present_seats, alfa.figures.recorded_seats) == (14, 19)
    assert (alfa.turnover.at_start, alfa.turnover.joined, alfa.turnover.left) == (7, 0, 1)
    assert groups["Mysam Beta"].flagged == ["Försäkringskassan"]
    assert groups["Mysam Gamma"].figures.held == 0
    assert (meetings.held, round(meetings.rate, 4)) == (4, round(17 / 23, 4))
    agencies = {a.name: a for a in meetings.agencies}
    assert (agencies["Försäkringskassan"].invited, agencies["Försäkringskassan"].represented) == (
        4,
        3,
    )
    assert not agencies["Försäkringskassan"].flagged
    assert agencies["Försäkringskassan"].flagged_in == ["Mysam Beta"]
    assert (agencies["Region Gävleborg"].invited, agencies["Region Gävleborg"].represented) == (
        4,
        3,
    )


def test_half_year_counts_only_january_to_june(db_session, rworld):
    meetings = summary(db_session, rworld, 2025, "h1").meetings
    alfa = next(g for g in meetings.groups if g.group == "Mysam Alfa")
    assert (alfa.figures.held, alfa.figures.present_seats, alfa.figures.recorded_seats) == (
        2,
        8,
        13,
    )
    # The Region missed one of the two meetings in the half year: flagged there.
    assert alfa.flagged == ["Region Gävleborg"]


def test_survey_shares_changes_and_suppression(db_session, rworld):
    survey = summary(db_session, rworld).survey
    assert (survey.year, survey.previous_year, survey.k) == (2025, 2024, 3)
    assert (survey.responses, survey.invited) == (9, 12)
    rates = {g.group: (g.responses, g.invited) for g in survey.groups}
    assert rates == {"Mysam Alfa": (5, 6), "Mysam Beta": (3, 4), "Mysam Gamma": (1, 2)}
    a1 = next(r for r in survey.questions if r.code == "A1")
    assert a1.overall.current.percent == 56  # 5 of 9
    assert a1.overall.previous.percent == 40  # 4 of 10
    assert a1.overall.change == 16
    alfa, beta, gamma = (
        a1.groups[rworld.group_ids[n]] for n in ("Mysam Alfa", "Mysam Beta", "Mysam Gamma")
    )
    assert (alfa.current.percent, alfa.previous.percent, alfa.change) == (60, 25, 35)
    assert gamma.current.hidden is Hidden.FEW
    assert gamma.current.value is None
    # Beta has 3 answers, but Gamma's 1 could be worked out from the total: hidden too.
    assert beta.current.hidden is Hidden.SECONDARY
    assert beta.current.value is None
    assert beta.change is None
    assert gamma.change is None
    a2 = next(r for r in survey.questions if r.code == "A2")
    assert (a2.overall.current.base, a2.overall.current.percent) == (8, 50)


def test_indicator_pools_its_questions(db_session, rworld):
    survey = summary(db_session, rworld).survey
    a = next(r for r in survey.indicators if r.code == "A")
    assert (a.overall.current.positive, a.overall.current.base) == (9, 17)
    assert a.overall.current.percent == 53
    alfa = a.groups[rworld.group_ids["Mysam Alfa"]]
    assert alfa.current.percent == 56  # (3 + 2) of (5 + 4)
    assert a.groups[rworld.group_ids["Mysam Beta"]].current.value is None


def test_free_text_only_reviewed_and_named_only_where_k_allows(db_session, rworld):
    texts = summary(db_session, rworld).survey.texts
    assert sorted((t.text, t.group) for t in texts) == [
        ("Bra stöd från förbundet.", None),  # Gamma is below k: not named
        ("Vi ringer varandra nu.", "Mysam Alfa"),
    ]


def test_half_year_shows_the_latest_closed_round_labelled(db_session, rworld):
    h1 = summary(db_session, rworld, 2026, "h1")
    assert (h1.survey.year, h1.survey.previous_year) == (2025, 2024)
    assert summary(db_session, rworld, 2025, "h1").survey.year == 2024  # 2025 closes in September


def test_empty_year(db_session, rworld):
    empty = summary(db_session, rworld, 2019)
    assert empty.is_empty
    assert empty.survey is None
    assert not summary(db_session, rworld).is_empty


def test_trends_over_all_years(db_session, rworld):
    trends = {t.id: t for t in summary(db_session, rworld).trends}
    a1 = trends["trend-question-a1"]
    assert a1.years == [2024, 2025]
    assert [round(v, 4) for v in a1.series[0].values] == [0.4, round(5 / 9, 4)]
    assert trends["trend-attendance"].series[0].values == [17 / 23]
    assert trends["trend-concretised"].series[1].values == [1.0]


def test_national_reference_and_difference(db_session, rworld):
    survey = summary(db_session, rworld).survey
    a1 = next(r for r in survey.questions if r.code == "A1")
    assert (a1.national, a1.national_diff) == (0.5, 56 - 50)
    indicator = next(r for r in survey.indicators if r.code == "A")
    assert indicator.national == pytest.approx(0.45)  # mean of A1 and A2
    assert indicator.national_diff == 53 - 45
    b1 = next(r for r in survey.questions if r.code == "B1")
    assert (b1.national, b1.national_diff) == (None, None)
    # One association on the installation: no installation-wide figure.
    assert a1.installation is None
    trends = {t.id: t for t in summary(db_session, rworld).trends}
    assert trends["trend-question-a1"].series[1].values == [0.45, 0.5]


def test_the_rounds_year_is_named_on_the_page(client, db_session, rworld):
    from tests.support.sessions import sign_in

    sign_in(client, rworld, "board")
    own = client.get(f"/a/{rworld.slug}/reports/2025").get_data(as_text=True)
    assert '<p id="survey-round-year"><strong>Resultat från enkäten 2025.</strong></p>' in own
    # 2026 has no closed round by its end: the 2025 round, named, with the reason.
    later = client.get(f"/a/{rworld.slug}/reports/2026").get_data(as_text=True)
    note = later.split('id="survey-round-year"')[1][:400]
    assert "Resultat från enkäten 2025." in note
    assert "augusti–september" in note
