"""The summaries as plain JSON values for the API: numbers as numbers, shares 0..1,
whole per cent and percentage points as on the page; a figure that is not shown is
null, with the reason code ("few" or "secondary") beside it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portal.reporting.models import ReportAnalysis
from portal.reporting.services.development import AreaWithTargets
from portal.reporting.services.survey_figures import Comparison, Row, Share, SurveyFigures

if TYPE_CHECKING:
    from portal.reporting.services.meeting_figures import MeetingFigures
    from portal.reporting.services.plan_figures import PlanFigures
    from portal.reporting.services.summary import BoardSummary, GroupSummary
    from portal.reporting.services.trends import Trend


def share_json(share: Share | None) -> dict[str, Any] | None:
    if share is None:
        return None
    return {
        "answers": share.answers,
        "share": share.value,
        "percent": share.percent,
        "suppressed": share.hidden.value if share.hidden else None,
    }


def comparison_json(c: Comparison) -> dict[str, Any]:
    return {
        **(share_json(c.current) or {}),
        "previous": share_json(c.previous),
        "change_pp": c.change,
    }


def row_json(row: Row, names: dict[int, str]) -> dict[str, Any]:
    return {
        "code": row.code,
        "text": row.text,
        "indicator": row.indicator_code,
        "example": row.is_example,
        "association": comparison_json(row.overall),
        "national": row.national,
        "national_diff_pp": row.national_diff,
        "installation": row.installation,
        "installation_associations": row.installation_associations,
        "installation_diff_pp": row.installation_diff,
        "groups": [
            {"group_id": gid, "group": names[gid], **comparison_json(c)}
            for gid, c in row.groups.items()
            if gid in names
        ],
    }


def plans_json(plans: PlanFigures) -> dict[str, Any]:
    return {
        "goal_areas": [
            {"title": a.title, "goals": a.total, **{s.value: n for s, n in a.counts.items()}}
            for a in plans.areas
        ],
        "goals": [
            {
                "group_id": g.group_id,
                "group": g.group,
                "goal_area": g.goal_area,
                "title": g.title,
                "indicator": g.indicator,
                "baseline": g.baseline,
                "target": g.target,
                "outcome": g.outcome,
                "assessment": g.assessment.value,
            }
            for g in plans.goals
        ],
        "groups": [
            {
                "group_id": g.group_id,
                "group": g.group,
                "plan_id": g.plan_id,
                "status": g.status.value if g.status else None,
                "concretised": g.concretised,
                "activities": {s.value: n for s, n in g.activities.items()},
            }
            for g in plans.groups
        ],
        "groups_with_plan": plans.with_plan,
        "groups_concretised": plans.concretised,
    }


def meetings_json(meetings: MeetingFigures) -> dict[str, Any]:
    return {
        "planned": meetings.planned,
        "held": meetings.held,
        "attendance_rate": meetings.rate,
        "members_joined": meetings.joined,
        "members_left": meetings.left,
        "groups": [
            {
                "group_id": g.group_id,
                "group": g.group,
                "planned": g.figures.planned,
                "held": g.figures.held,
                "attendance_rate": g.figures.rate,
                "agencies_flagged": g.flagged,
                "members_at_start": g.turnover.at_start,
                "members_joined": g.turnover.joined,
                "members_left": g.turnover.left,
                "turnover_rate": g.turnover.rate,
            }
            for g in meetings.groups
        ],
        "agencies": [
            {
                "agency": a.name,
                "meetings_invited": a.invited,
                "meetings_represented": a.represented,
                "attendance_rate": a.rate,
                "often_absent": a.flagged,
                "flagged_in_groups": a.flagged_in,
            }
            for a in meetings.agencies
        ],
    }


def survey_json(survey: SurveyFigures | None, names: dict[int, str]) -> dict[str, Any] | None:
    if survey is None:
        return None
    return {
        "respondent_group": survey.respondent_group.value,
        "association_level": survey.association_level,
        "round_year": survey.year,
        "previous_year": survey.previous_year,
        "previous_groups": list(survey.previous_groups),
        "groups_differ_from_previous": survey.groups_differ,
        "k": survey.k,
        "example_instrument": survey.is_example,
        "invited": survey.invited,
        "responses": survey.responses,
        "response_rate": survey.rate,
        "groups": [
            {
                "group_id": g.group_id,
                "group": g.group,
                "invited": g.invited,
                "responses": g.responses,
                "response_rate": g.rate,
            }
            for g in survey.groups
        ],
        "indicators": [row_json(r, names) for r in survey.indicators],
        "questions": [row_json(r, names) for r in survey.questions],
        "free_texts_suppressed": survey.texts_hidden,
        "free_texts": [
            {"question": t.question, "group": t.group, "text": t.text} for t in survey.texts
        ],
    }


def trend_json(trend: Trend) -> dict[str, Any]:
    return {
        "id": trend.id,
        "title": trend.title,
        "unit": "share" if trend.unit == "%" else "count",
        "years": trend.years,
        "series": [{"name": s.name, "values": s.values} for s in trend.series],
    }


def board_json(summary: BoardSummary) -> dict[str, Any]:
    names = {g.id: g.name for g in summary.groups}
    return {
        "association": {"id": summary.association_id, "name": summary.association},
        "period": {
            "year": summary.period.year,
            "kind": summary.period.kind,
            "start": summary.period.start.isoformat(),
            "end": summary.period.end.isoformat(),
        },
        "empty": summary.is_empty,
        "plans": plans_json(summary.plans),
        "meetings": meetings_json(summary.meetings),
        "survey": survey_json(summary.survey, names),  # the managers in collaboration
        # every respondent group with a closed round, each apart (the managers' first)
        "surveys": [survey_json(s, names) for s in summary.surveys],
        "trends": [trend_json(t) for t in summary.trends],
    }


def group_json(summary: GroupSummary) -> dict[str, Any]:
    return {
        "group": {"id": summary.group_id, "name": summary.group},
        "year": summary.year,
        "empty": summary.is_empty,
        "plans": plans_json(summary.plans),
        "activities_done": [
            {"activity": w, "agency": a, "outcome": o} for w, a, o in summary.activities_done
        ],
        "meetings": meetings_json(summary.meetings),
        "survey": survey_json(summary.survey, {summary.group_id: summary.group}),
    }


def texts_json(analyses: dict[str, ReportAnalysis], areas: list[AreaWithTargets]) -> dict[str, Any]:
    """The admins' analysis texts (Markdown as written) and the development areas with
    where each was carried: the words beside the figures of a board summary."""
    return {
        "analyses": [
            {"section": key, "markdown": analyses[key].body}
            for key in sorted(analyses)
            if analyses[key].body.strip()
        ],
        "development_areas": [
            {
                "title": a.area.title,
                "description": a.area.description,
                "carried_to": [
                    {
                        "group_id": t.group_id,
                        "group": t.group_name,
                        "plan_year": t.plan_year,
                        "kind": t.kind or None,
                        "item": t.item_title or None,
                    }
                    for t in a.targets
                ],
            }
            for a in areas
        ],
    }
