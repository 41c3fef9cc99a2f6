"""A summary plots nothing after its period, and a change between rounds that asked
different groups carries a caveat."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from portal.groups.models import Group
from portal.meetings.models import AttendanceStatus
from portal.organisations.models import Association
from portal.plans.services import plans
from portal.reporting.services.summary import Period, board_summary
from portal.surveys.models import Instrument
from tests.support import reporting as data
from tests.support.reporting import _meeting, _round
from tests.support.sessions import sign_in


def summary(db_session: Any, rworld: Any, year: int, kind: str = "year") -> Any:
    association = db_session.get(Association, rworld.association_id)
    return board_summary(association, Period.parse(year, kind))


@pytest.fixture
def next_year(db_session, rworld, monkeypatch):
    """A 2026 round that asked two of the three groups, a plan and meetings in 2026."""
    association = db_session.get(Association, rworld.association_id)
    groups = {n: db_session.get(Group, rworld.group_ids[n]) for n in ("Mysam Alfa", "Mysam Beta")}
    monkeypatch.setitem(data.VALUES, 2026, {"Mysam Alfa": [7, 7, 7], "Mysam Beta": [6, 6, 2]})
    instrument = db_session.scalar(sa.select(Instrument))
    _round(association, instrument, groups, 2026)
    plans.create_plan(None, groups["Mysam Beta"], 2026, plans.Source.TEMPLATE)
    _meeting(groups["Mysam Alfa"], dt.date(2026, 2, 10), {})  # everyone present
    absent = {m.user_id: AttendanceStatus.ABSENT for m in groups["Mysam Alfa"].memberships}
    _meeting(groups["Mysam Alfa"], dt.date(2026, 9, 8), absent)  # nobody present
    db_session.commit()


def _years(result: Any) -> dict[str, list[int]]:
    return {t.id: t.years for t in result.trends}


def test_a_report_plots_nothing_after_its_period(db_session, rworld, next_year):
    year_2025 = _years(summary(db_session, rworld, 2025))
    assert year_2025["trend-question-a1"] == [2024, 2025]
    assert max(year_2025["trend-attendance"]) == 2025
    assert max(year_2025["trend-concretised"]) <= 2025
    year_2026 = summary(db_session, rworld, 2026)
    assert _years(year_2026)["trend-question-a1"] == [2024, 2025, 2026]
    # The first half of 2026: the 2026 round closes in September, the September meeting
    # is after June; the 2026 attendance point is January–June only.
    h1 = summary(db_session, rworld, 2026, "h1")
    assert _years(h1)["trend-question-a1"] == [2024, 2025]
    attendance = next(t for t in h1.trends if t.id == "trend-attendance")
    assert attendance.years[-1] == 2026
    assert attendance.series[0].values[-1] == 1.0
    whole = next(t for t in year_2026.trends if t.id == "trend-attendance")
    assert whole.series[0].values[-1] == 0.5


def test_a_change_between_rounds_of_different_groups_has_a_caveat(
    client, db_session, rworld, next_year
):
    survey = summary(db_session, rworld, 2026).survey
    assert (survey.year, survey.previous_year) == (2026, 2025)
    assert survey.previous_groups == ("Mysam Alfa", "Mysam Beta", "Mysam Gamma")
    assert survey.groups_differ
    assert not summary(db_session, rworld, 2025).survey.groups_differ  # the same three
    sign_in(client, rworld, "board")
    base = f"/a/{rworld.slug}/reports"
    page = client.get(f"{base}/2026").get_data(as_text=True)
    assert "Omgången 2025 frågade inte samma grupper som denna (3 grupper då, 2 nu)" in page
    assert 'id="survey-groups-differ"' not in client.get(f"{base}/2025").get_data(as_text=True)
