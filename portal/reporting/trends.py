"""Trends over every year on record: survey shares against the national reference,
the attendance rate, and konkretiserade groups. Each trend is a fixed number of
queries however many years, groups, meetings and answers there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from portal.db import utcnow
from portal.extensions import db
from portal.meetings import stats
from portal.meetings.models import AttendanceStatus, Invitee, Meeting
from portal.plans.models import Activity, Plan
from portal.reporting.survey import Share, _national, _pooled
from portal.surveys.models import (
    Answer,
    Question,
    QuestionKind,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
)
from portal.surveys.results import Hidden


@dataclass(frozen=True)
class TrendSeries:
    """One line of a trend: a value per year (None where missing or not shown)."""

    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Trend:
    """A trend over years; ``unit`` "%" means shares 0..1, "" plain counts."""

    id: str
    title: str
    years: list[int]
    series: list[TrendSeries]
    unit: str = "%"


@dataclass(frozen=True)
class SurveyTrendRow:
    """A question's (or indicator's) association share per year, with the national one."""

    code: str
    indicator_code: str
    text: str
    shares: dict[int, Share]
    national: dict[int, float]


def survey_trend(
    association_id: int,
) -> tuple[list[int], list[SurveyTrendRow], dict[str, str]]:
    """Per closed round's year and question code: the association's share (two queries).

    A year's share is hidden where fewer than that round's *k* answers on the scale
    stand behind it, as on the results page.
    """
    positive = sa.case((Answer.value >= Question.positive_from, 1), else_=0)
    rows = db.session.execute(
        sa.select(
            SurveyRound.year, SurveyRound.min_answers, Question.code, Question.indicator_code,
            sa.func.max(Question.text), sa.func.max(Question.indicator_title),
            sa.func.count(), sa.func.count(Answer.value),
            sa.func.coalesce(sa.func.sum(positive), 0),
        )
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .join(SurveyRound, SurveyRound.id == SurveyResponse.round_id)
        .join(Question, Question.id == Answer.question_id)
        .where(
            SurveyRound.association_id == association_id,
            SurveyRound.status == RoundStatus.CLOSED,
            Question.kind == QuestionKind.SCALE,
        )
        .group_by(SurveyRound.year, SurveyRound.min_answers, Question.code,
                  Question.indicator_code)
        .order_by(Question.code, SurveyRound.year)
    ).all()  # fmt: skip
    years = sorted({r[0] for r in rows})
    codes = list(dict.fromkeys(r[2] for r in rows))
    national, _installation = _national(codes, years) if rows else ({}, {})
    out: dict[str, SurveyTrendRow] = {}
    titles: dict[str, str] = {}
    for year, k, code, indicator, text, indicator_title, answers, base, pos in rows:
        row = out.setdefault(code, SurveyTrendRow(code, indicator, text, {}, {}))
        titles.setdefault(indicator, indicator_title)
        hidden = Hidden.FEW if base < k else None
        row.shares[year] = Share(answers, 0 if hidden else base, 0 if hidden else int(pos), hidden)
    for row in out.values():
        row.national.update({y: national[y, row.code] for y in years if (y, row.code) in national})
    return years, list(out.values()), titles


def indicator_trend(
    rows: list[SurveyTrendRow], years: list[int], titles: dict[str, str]
) -> list[SurveyTrendRow]:
    """The questions' yearly shares pooled per indicator (shown only where all are shown)."""
    grouped: dict[str, list[SurveyTrendRow]] = {}
    for row in rows:
        grouped.setdefault(row.indicator_code, []).append(row)
    out = []
    for code, members in grouped.items():
        shares = {
            y: _pooled([m.shares[y] for m in members])
            for y in years
            if all(y in m.shares for m in members)
        }
        national = {
            y: sum(m.national[y] for m in members) / len(members)
            for y in years
            if all(y in m.national for m in members)
        }
        out.append(SurveyTrendRow(code, code, titles.get(code, code), shares, national))
    return out


@dataclass(frozen=True)
class AttendanceYear:
    """The association's held meetings and seats present of recorded in one year."""

    year: int
    held: int
    recorded: int
    present: int

    @property
    def rate(self) -> float | None:
        return self.present / self.recorded if self.recorded else None


def attendance_trend(group_ids: list[int], now: dt.datetime | None = None) -> list[AttendanceYear]:
    """Per year (Stockholm) with meetings: meetings held and attendance (two queries)."""
    years = sorted(stats.years_with_meetings(group_ids)) if group_ids else []
    if not years:
        return []
    year_of = sa.case(
        *[
            (sa.and_(Meeting.starts_at >= b[0], Meeting.starts_at < b[1]), y)
            for y in years
            for b in [stats.year_bounds(y)]
        ],
        else_=None,
    ).label("year")
    present = sa.case((Invitee.status == AttendanceStatus.PRESENT, 1), else_=0)
    rows = db.session.execute(
        sa.select(
            year_of,
            sa.func.count(sa.distinct(Meeting.id)),
            sa.func.count(Invitee.status),
            sa.func.coalesce(sa.func.sum(present), 0),
        )
        .outerjoin(Invitee, Invitee.meeting_id == Meeting.id)
        .where(Meeting.group_id.in_(group_ids), Meeting.starts_at <= (now or utcnow()))
        .group_by(year_of)
    ).all()
    found = {int(y): (h, r, p) for y, h, r, p in rows if y is not None}
    return [AttendanceYear(y, *(int(v) for v in found.get(y, (0, 0, 0)))) for y in years]


@dataclass(frozen=True)
class PlanYear:
    """How many groups had a plan in a year, and how many were konkretiserade."""

    year: int
    plans: int
    concretised: int


def plan_trend(association_id: int) -> list[PlanYear]:
    """Per plan year: plans and konkretiserade plans (one query)."""
    concrete = (
        sa.select(Activity.id)
        .where(
            Activity.plan_id == Plan.id,
            Activity.responsible_id.is_not(None),
            Activity.due_date.is_not(None),
        )
        .exists()
    )
    rows = db.session.execute(
        sa.select(
            Plan.year,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((concrete, 1), else_=0)), 0),
        )
        .where(Plan.association_id == association_id)
        .group_by(Plan.year)
        .order_by(Plan.year)
    ).all()
    return [PlanYear(int(y), int(n), int(c)) for y, n, c in rows]
