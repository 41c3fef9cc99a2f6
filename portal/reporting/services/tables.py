"""The summaries as tables: what the xlsx and CSV downloads write, cell for cell.

Shares are whole per cent (as on the page), changes and differences percentage
points; a figure that is not shown is an empty cell with the reason in the last
column. Nothing here names a person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from portal.core.export import Table
from portal.plans.models import ACTIVITY_STATUS_LABELS, ActivityStatus, PlanStatus
from portal.plans.services.assessment import Assessment
from portal.reporting.services.survey_figures import Comparison, Row, SurveyFigures, percent
from portal.surveys.disclosure import Hidden
from portal.surveys.models import RespondentGroup

if TYPE_CHECKING:
    from portal.reporting.services.meeting_figures import MeetingFigures
    from portal.reporting.services.plan_figures import PlanFigures
    from portal.reporting.services.summary import BoardSummary, GroupSummary
    from portal.reporting.services.trends import Trend


def assessment_labels() -> dict[Assessment, str]:
    return {
        Assessment.MET: _("Met"),
        Assessment.PARTLY: _("Partly met"),
        Assessment.NOT_MET: _("Not met"),
        Assessment.NOT_ASSESSED: _("Not assessed"),
    }


def plan_status_labels() -> dict[PlanStatus | None, str]:
    return {
        None: _("No plan"),
        PlanStatus.DRAFT: _("Draft"),
        PlanStatus.ADOPTED: _("Adopted"),
        PlanStatus.REVISED: _("Revised"),
    }


def short_reason(hidden: Hidden | None, k: int) -> str:
    """Why a figure is not shown, in a few words for a table cell."""
    if hidden is Hidden.FEW:
        return _("fewer than %(k)d answers", k=k)
    if hidden is Hidden.SECONDARY:
        return _("would reveal a smaller group")
    return ""


def hidden_reason(hidden: Hidden | None, k: int) -> str:
    """Why a figure is not shown, in words."""
    if hidden is Hidden.FEW:
        return _("Not shown: fewer than %(k)d answers on the scale.", k=k)
    if hidden is Hidden.SECONDARY:
        return _("Not shown: the figures of a smaller group could otherwise be worked out.")
    return ""


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def plan_tables(plans: PlanFigures) -> list[Table]:
    labels = assessment_labels()
    order = list(Assessment)
    areas = Table(
        _("Goal fulfilment per goal area"),
        [_("Goal area"), _("Result goals"), *(labels[a] for a in order)],
        [
            [a.title or _("No goal area"), a.total, *(a.counts.get(s, 0) for s in order)]
            for a in plans.areas
        ],
    )
    goals = Table(
        _("Result goals"),
        [_("Goal area"), _("Group"), _("Result goal"), _("Indicator"), _("Baseline"),
         _("Target level"), _("Outcome"), _("Assessment")],
        [
            [g.goal_area or _("No goal area"), g.group, g.title, g.indicator, g.baseline,
             g.target, g.outcome, labels[g.assessment]]
            for g in plans.goals
        ],
    )  # fmt: skip
    statuses = list(ActivityStatus)
    activities = Table(
        _("Activities by status"),
        [_("Group"), _("Action plan"), *(str(ACTIVITY_STATUS_LABELS[s]) for s in statuses),
         _("Activities"), _("Konkretiserad")],
        [
            [g.group, plan_status_labels()[g.status], *(g.activities[s] for s in statuses),
             g.activity_total, yes_no(g.concretised) if g.plan_id else _("No plan")]
            for g in plans.groups
        ],
    )  # fmt: skip
    return [areas, goals, activities]


def meeting_tables(meetings: MeetingFigures) -> list[Table]:
    groups = Table(
        _("Meetings per group"),
        [_("Group"), _("Meetings planned"), _("Meetings held"), _("Attendance rate (%)"),
         _("Agencies flagged"), _("Members at the start"), _("Members who joined"),
         _("Members who left"), _("Turnover (%)")],
        [
            [g.group, g.figures.planned, g.figures.held, percent(g.figures.rate),
             ", ".join(g.flagged), g.turnover.at_start, g.turnover.joined, g.turnover.left,
             percent(g.turnover.rate)]
            for g in meetings.groups
        ],
    )  # fmt: skip
    agencies = Table(
        _("Attendance per agency"),
        [_("Agency"), _("Meetings invited to"), _("Represented"), _("Attendance rate (%)"),
         _("Often absent"), _("Flagged in groups")],
        [
            [a.name, a.invited, a.represented, percent(a.rate), yes_no(a.flagged),
             ", ".join(a.flagged_in)]
            for a in meetings.agencies
        ],
    )  # fmt: skip
    return [groups, agencies]


def _comparison_cells(c: Comparison) -> list[Any]:
    previous = c.previous.percent if c.previous else None
    return [c.current.answers, c.current.percent, previous, c.change]


def _row_cells(row: Row, k: int) -> list[Any]:
    return [
        row.code, row.text, *_comparison_cells(row.overall), percent(row.national),
        row.national_diff, percent(row.installation), row.installation_diff,
        hidden_reason(row.overall.current.hidden, k),
    ]  # fmt: skip


def survey_tables(survey: SurveyFigures, names: dict[int, str]) -> list[Table]:
    k = survey.k
    figures_header = [_("Answers"), _("Share clearly positive (%)"),
                      _("Previous year (%)"), _("Change (percentage points)")]  # fmt: skip
    whole_header = [_("Code"), _("Text"), *figures_header, _("National reference (%)"),
                    _("Difference from national (percentage points)"),
                    _("Installation-wide (%)"),
                    _("Difference from installation-wide (percentage points)"),
                    _("Note")]  # fmt: skip
    group_header = [_("Group"), _("Code"), _("Text"), *figures_header, _("Note")]

    def per_group(rows: list[Row]) -> list[list[Any]]:
        return [
            [names[gid], row.code, row.text, *_comparison_cells(c),
             hidden_reason(c.current.hidden, k)]
            for gid in names
            for row in rows
            if (c := row.groups.get(gid)) is not None
        ]  # fmt: skip

    title = _("Survey %(year)d", year=survey.year)
    if survey.respondent_group != RespondentGroup.MANAGERS:
        title += f" – {survey.respondent_group_label}"
    return [
        Table(
            f"{title} – " + _("responses"),
            [_("Group"), _("Invited"), _("Responses"), _("Response rate (%)")],
            [[g.group, g.invited, g.responses, percent(g.rate)] for g in survey.groups]
            + [[_("Whole association"), survey.invited, survey.responses, percent(survey.rate)]],
        ),
        Table(f"{title} – " + _("indicators"), whole_header,
              [_row_cells(r, k) for r in survey.indicators]),
        Table(f"{title} – " + _("questions"), whole_header,
              [_row_cells(r, k) for r in survey.questions]),
        Table(f"{title} – " + _("group × indicator"), group_header, per_group(survey.indicators)),
        Table(f"{title} – " + _("group × question"), group_header, per_group(survey.questions)),
        Table(
            f"{title} – " + _("free text"),
            [_("Question"), _("Group"), _("Answer")],
            [[t.question, t.group or _("Whole association"), t.text] for t in survey.texts],
        ),
    ]  # fmt: skip


def trend_table(trend: Trend) -> Table:
    """A chart's data: a row per year, a column per series."""

    def cell(value: float | None) -> Any:
        if value is None:
            return None
        return percent(value) if trend.unit == "%" else int(value)

    unit = " (%)" if trend.unit == "%" else ""
    return Table(
        trend.title,
        [_("Year"), *(s.name + unit for s in trend.series)],
        [[year, *(cell(s.values[i]) for s in trend.series)] for i, year in enumerate(trend.years)],
    )


def board_tables(summary: BoardSummary) -> list[Table]:
    """Every table of the board summary, in page order."""
    parts = plan_tables(summary.plans) + meeting_tables(summary.meetings)
    names = {g.id: g.name for g in summary.groups}
    for survey in summary.surveys:  # each respondent group apart, the managers' first
        parts += survey_tables(survey, names)
    if summary.indicators_across:
        surveys = summary.surveys
        parts.append(
            Table(
                _("Share clearly positive per indicator and respondent group (%)"),
                [_("Code"), _("Indicator"), *(s.respondent_group_label for s in surveys)],
                [
                    [
                        row.code,
                        row.title,
                        *(
                            cell[0].current.percent
                            if (cell := row.cells.get(s.respondent_group))
                            else None
                            for s in surveys
                        ),
                    ]
                    for row in summary.indicators_across
                ],
            )
        )
    return parts + [trend_table(t) for t in summary.trends]


def group_tables(summary: GroupSummary) -> list[Table]:
    """Every table of the group summary, in page order."""
    parts = plan_tables(summary.plans)
    parts.append(
        Table(
            _("Activities done"),
            [_("Activity"), _("Responsible agency"), _("Outcome")],
            [list(a) for a in summary.activities_done],
        )
    )
    parts += meeting_tables(summary.meetings)
    if summary.survey is not None:
        parts += survey_tables(summary.survey, {summary.group_id: summary.group})
    return parts
