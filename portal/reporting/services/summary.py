"""The board summary (halvårs- och årssammanställning) and the group summary.

One code path for every figure: the pages, the xlsx and CSV downloads and the JSON
API all read ``board_summary`` / ``group_summary``, laid out by ``tables`` and
``serialize`` (which read these summaries; this module imports neither). The parts are
computed by ``plan_figures``, ``meeting_figures``, ``survey_figures`` and ``trends`` in
this package, each in SQL with a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.groups.models import Group, Membership
from portal.meetings.services import stats
from portal.meetings.services.stats import YearFigures
from portal.organisations.models import Association
from portal.plans.models import ActivityStatus, PlanStatus
from portal.plans.services.assessment import Assessment
from portal.reporting.services.meeting_figures import MeetingFigures, meeting_figures
from portal.reporting.services.period import Period
from portal.reporting.services.plan_figures import (
    PlanFigures,
    PlanYear,
    activities_done,
    plan_figures,
)
from portal.reporting.services.survey_figures import (
    IndicatorAcross,
    References,
    SurveyFigures,
    every_survey_figures,
    indicators_across,
    survey_figures,
)
from portal.reporting.services.trends import (
    SurveyTrendRow,
    Trend,
    TrendSeries,
    indicator_trend,
    survey_trend,
)
from portal.surveys.models import RESPONDENT_GROUP_LABELS, RespondentGroup

__all__ = [
    "BoardSummary",
    "GroupSummary",
    "Period",
    "PlanSummary",
    "board_summary",
    "group_summary",
    "plan_summaries",
]


@dataclass(frozen=True)
class BoardSummary:
    """Every figure of an association's summary for a period."""

    association_id: int
    association: str
    period: Period
    groups: list[Group]
    plans: PlanFigures
    meetings: MeetingFigures
    survey: SurveyFigures | None  # the managers in collaboration (the groups' members)
    trends: list[Trend]
    # every other respondent group with a closed round (board, staff, …), each apart
    other_surveys: list[SurveyFigures] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Nothing recorded for the period: no plan, no meeting, no survey round."""
        return (
            not self.plans.with_plan
            and not self.plans.goals
            and not self.meetings.planned
            and self.survey is None
            and not self.other_surveys
        )

    @property
    def surveys(self) -> list[SurveyFigures]:
        """Every respondent group's survey section, the managers' first."""
        return ([self.survey] if self.survey else []) + self.other_surveys

    @property
    def indicators_across(self) -> list[IndicatorAcross]:
        """Each indicator's figure per respondent group (where more than one group ran
        a round)."""
        return indicators_across(self.surveys) if len(self.surveys) > 1 else []


def association_groups(association_id: int) -> list[Group]:
    """The association's groups by name (one query)."""
    return list(
        db.session.scalars(
            sa.select(Group).where(Group.association_id == association_id).order_by(Group.name)
        )
    )


def groups_with_turnover(
    association_id: int, span: stats.Span
) -> tuple[list[Group], dict[int, stats.Turnover]]:
    """The association's groups by name, with their member turnover over the span
    (one query)."""
    rows = db.session.execute(
        _groups_with_turnover_statement(),
        {"association": association_id, **stats.turnover_params(span)},
    ).all()
    turnover = {g.id: stats.Turnover(int(a), int(j), int(lf)) for g, a, j, lf in rows}
    return [row[0] for row in rows], turnover


@functools.cache
def _groups_with_turnover_statement() -> sa.Select[Any]:
    """``groups_with_turnover``'s query, built once: building its aggregates and cache
    key took longer than running it."""
    return (
        sa.select(Group, *stats.turnover_columns())
        .outerjoin(Membership, Membership.group_id == Group.id)
        .where(Group.association_id == sa.bindparam("association"))
        .group_by(Group.id)
        .order_by(Group.name)
    )


def board_summary(
    association: Association, period: Period, now: dt.datetime | None = None
) -> BoardSummary:
    """The board summary of ``association`` for ``period`` (a fixed number of queries)."""
    groups, turnover = groups_with_turnover(association.id, period.span)
    references = References(association.id)
    survey, others = every_survey_figures(association.id, period, groups, references)
    if not references.loaded:  # no managers' round closed by the period's end
        references.load([], period.year)
    meetings = meeting_figures(groups, period.span, now, turnover)
    plans = plan_figures(association.id, period.year, groups)
    return BoardSummary(
        association_id=association.id,
        association=association.name,
        period=period,
        groups=groups,
        plans=plans,
        meetings=meetings,
        survey=survey,
        trends=trends(
            references,
            _attendance_until(meetings, period),
            [p for p in plans.years if p.year <= period.year],
            survey.year if survey else None,
        )
        + [t for figures, refs in others for t in respondent_group_trends(figures, refs)],
        other_surveys=[figures for figures, _refs in others],
    )


def _attendance_until(meetings: MeetingFigures, period: Period) -> list[YearFigures]:
    """The attendance trend's years up to the period: earlier years whole, and the
    period's own figure for its year (January–June only, for a half-year)."""
    out = [y for y in meetings.years if y.year < period.year]
    if meetings.held:
        recorded = sum(g.figures.recorded_seats for g in meetings.groups)
        present = sum(g.figures.present_seats for g in meetings.groups)
        out.append(YearFigures(period.year, meetings.held, recorded, present))
    return out


def trends(
    references: References,
    attendance: list[YearFigures],
    plans: list[PlanYear],
    survey_year: int | None,
) -> list[Trend]:
    """The charts over the years on record up to the summary's period: survey per
    indicator and question (rounds up to the summary's own round), attendance,
    konkretiserade groups. Nothing after the period is plotted."""
    out = _survey_trends(references, survey_year)
    if attendance:
        out.append(
            Trend(
                id="trend-attendance",
                title=_("Attendance rate at held meetings"),
                years=[a.year for a in attendance],
                series=[TrendSeries(_("Attendance rate"), [a.rate for a in attendance])],
            )
        )
    if plans:
        out.append(
            Trend(
                id="trend-concretised",
                title=_("Groups with a plan, and konkretiserade plans"),
                years=[p.year for p in plans],
                series=[
                    TrendSeries(_("Groups with a plan"), [float(p.plans) for p in plans]),
                    TrendSeries(_("Konkretiserade"), [float(p.concretised) for p in plans]),
                ],
                unit="",
            )
        )
    return out


def _survey_trends(
    references: References,
    survey_year: int | None,
    respondent_group: RespondentGroup | None = None,
) -> list[Trend]:
    """The survey charts per indicator and question, from ``references.own`` (one
    respondent group's rounds, up to the summary's own round). Another respondent group
    than the managers gets its indicators only, named and with ids of their own."""
    out: list[Trend] = []
    own = [f for f in references.own if survey_year is not None and f.year <= survey_year]
    years, rows, titles = survey_trend(own, references.national)
    association, national = _("The association"), _("National reference")
    indicators = indicator_trend(rows, years, titles)
    prefix, who = "", ""
    kinds: list[tuple[str, list[SurveyTrendRow]]] = [
        (_("Indicator"), indicators),
        (_("Question"), rows),
    ]
    if respondent_group is not None:
        prefix = f"{respondent_group.value}-"
        who = f"{RESPONDENT_GROUP_LABELS[respondent_group]}: "
        kinds = kinds[:1]
    for kind, items in kinds:
        for row in items:
            what = "indicator" if row.code == row.indicator_code else "question"
            out.append(
                Trend(
                    id=f"trend-{prefix}{what}-{row.code}".lower(),
                    title=who + _("%(kind)s %(code)s: share clearly positive – %(title)s",
                                  kind=kind, code=row.code, title=row.text),
                    years=years,
                    series=[
                        TrendSeries(association, [row.shares[y].value if y in row.shares
                                                  else None for y in years]),
                        TrendSeries(national, [row.national.get(y) for y in years]),
                    ],
                )
            )  # fmt: skip
    return out


def respondent_group_trends(figures: SurveyFigures, references: References) -> list[Trend]:
    """A respondent group's own indicator charts (besides the managers')."""
    return _survey_trends(references, figures.year, figures.respondent_group)


# --- group summary ---------------------------------------------------------------


@dataclass(frozen=True)
class GroupSummary:
    """One group's year on one page, for the agencies' own staff: no personal names."""

    group_id: int
    group: str
    association: str
    year: int
    plans: PlanFigures
    activities_done: list[tuple[str, str, str]]  # what, responsible agency, outcome
    meetings: MeetingFigures
    survey: SurveyFigures | None

    @property
    def is_empty(self) -> bool:
        return not self.plans.with_plan and not self.meetings.planned and self.survey is None


def group_summary(group: Group, year: int, now: dt.datetime | None = None) -> GroupSummary:
    """The group's plan, activities done, meetings and attendance, and survey results
    allowed by *k*, for the year (a fixed number of queries)."""
    period = Period(year)
    return GroupSummary(
        group_id=group.id,
        group=group.name,
        association=group.association.name,
        year=year,
        plans=plan_figures(group.association_id, year, [group]),
        activities_done=activities_done(group.id, year),
        meetings=meeting_figures([group], period.span, now),
        survey=_own_group(survey_figures(group.association_id, period, [group]), group),
    )


def _own_group(survey: SurveyFigures | None, group: Group) -> SurveyFigures | None:
    """The survey section cut down to the group: its responses and its own free text."""
    if survey is None:
        return None
    return replace(
        survey,
        groups=[g for g in survey.groups if g.group_id == group.id],
        texts=[t for t in survey.texts if t.group == group.name],
    )


# --- plan summaries (API) --------------------------------------------------------


@dataclass(frozen=True)
class PlanSummary:
    """A group's plan for a year in figures: status, konkretiserad, goals, activities."""

    group_id: int
    group: str
    year: int
    plan_id: int | None
    status: PlanStatus | None
    concretised: bool
    goals: dict[Assessment, int]
    activities: dict[ActivityStatus, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "group": self.group,
            "year": self.year,
            "plan_id": self.plan_id,
            "status": self.status.value if self.status else None,
            "concretised": self.concretised,
            "goals": {a.value: n for a, n in self.goals.items()},
            "activities": {s.value: n for s, n in self.activities.items()},
        }


def plan_summaries(association: Association, year: int) -> list[PlanSummary]:
    """Per group of the association, its plan for ``year`` in figures (five queries)."""
    groups = association_groups(association.id)
    figures = plan_figures(association.id, year, groups)
    out = []
    for g in figures.groups:
        goals = dict.fromkeys(Assessment, 0)
        for goal in figures.goals:
            if goal.group_id == g.group_id:
                goals[goal.assessment] += 1
        out.append(
            PlanSummary(g.group_id, g.group, year, g.plan_id, g.status, g.concretised, goals,
                        g.activities)
        )  # fmt: skip
    return out
