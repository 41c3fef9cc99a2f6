"""Domain figures as JSON. Names of groups and agencies only: never a person.

Every figure comes from the function the matching page uses; this module only
changes its shape.
"""

from __future__ import annotations

from typing import Any

from portal.groups.models import Group
from portal.groups.services import GroupRow
from portal.meetings.services import stats
from portal.organisations.models import Association
from portal.surveys.models import SurveyRound
from portal.surveys.results import Cell, QuestionResult, RoundResults


def association_json(association: Association) -> dict[str, Any]:
    """The association and its member agencies."""
    return {
        "id": association.id,
        "name": association.name,
        "slug": association.slug,
        "min_survey_answers": association.min_survey_answers,
        "agencies": [
            {"id": a.id, "name": a.name, "kind": a.kind.value} for a in association.agencies
        ],
    }


def group_json(row: GroupRow) -> dict[str, Any]:
    """A group with the head counts the association overview shows."""
    group = row.group
    return {
        "id": group.id,
        "name": group.name,
        "municipalities": [{"id": m.id, "name": m.name} for m in group.municipalities],
        "current_members": row.current_members,
        "agencies_represented": row.agencies_represented,
    }


def _group_figures_json(
    group: Group,
    figures: stats.GroupFigures,
    agencies: list[stats.AgencyFigures],
    turnover: stats.Turnover,
) -> dict[str, Any]:
    return {
        "group_id": group.id,
        "group_name": group.name,
        "meetings_planned": figures.planned,
        "meetings_held": figures.held,
        "recorded_seats": figures.recorded_seats,
        "present_seats": figures.present_seats,
        "attendance_rate": figures.rate,
        "agencies": [
            {
                "agency_id": a.agency_id,
                "name": a.name,
                "invited": a.invited,
                "represented": a.represented,
                "missed": a.missed,
                "rate": a.rate,
                "flagged": a.flagged,
            }
            for a in agencies
        ],
        "turnover": {
            "at_start": turnover.at_start,
            "joined": turnover.joined,
            "left": turnover.left,
            "rate": turnover.rate,
        },
    }


def meeting_statistics_json(
    association: Association, groups: list[Group], year: int
) -> dict[str, Any]:
    """Per group: meetings, attendance, agencies (flagged when often absent), turnover."""
    ids = [g.id for g in groups]
    figures = stats.group_figures(ids, year)
    agencies = stats.agency_figures(ids, year)
    turnover = stats.turnover(ids, year)
    items = [_group_figures_json(g, figures[g.id], agencies[g.id], turnover[g.id]) for g in groups]
    has_data = any(item["meetings_planned"] for item in items)
    return {
        "association_id": association.id,
        "year": year,
        "has_data": has_data,
        "message": None if has_data else f"No meetings are recorded for {year}.",
        "items": items,
    }


def round_json(survey_round: SurveyRound) -> dict[str, Any]:
    """A survey round as the list of rounds shows it."""
    instrument = survey_round.instrument
    return {
        "year": survey_round.year,
        "respondent_group": survey_round.respondent_group.value,
        "status": survey_round.status.value,
        "opens_on": survey_round.opens_on.isoformat(),
        "closes_on": survey_round.closes_on.isoformat(),
        "min_answers": survey_round.min_answers,
        "instrument": {
            "code": instrument.code,
            "version": instrument.version,
            "title": instrument.title,
            "is_example": instrument.is_example,
        },
        "groups": [{"id": g.id, "name": g.name} for g in survey_round.groups],
    }


def cell_json(cell: Cell, points: int) -> dict[str, Any]:
    """A shown cell with its figures; a hidden one with the reason only (no count)."""
    if cell.hidden is not None:
        return {"hidden": True, "reason": cell.hidden.value}
    return {
        "answers": cell.answers,
        "hidden": False,
        "base": cell.base,
        "dont_know": cell.dont_know,
        "positive": cell.positive,
        "share_positive": cell.share_positive,
        "mean": cell.mean,
        "distribution": [
            {"value": v, "count": cell.distribution.get(v, 0)} for v in range(1, points + 1)
        ],
    }


def _question_json(result: QuestionResult, groups: list[Group]) -> dict[str, Any]:
    q = result.question
    points = q.points or 0
    return {
        "code": q.code,
        "indicator_code": q.indicator_code,
        "indicator_title": q.indicator_title,
        "text": q.text,
        "is_example": q.is_example,
        "points": points,
        "positive_from": q.positive_from,
        "overall": cell_json(result.overall, points),
        "groups": [
            {"group_id": g.id, "group_name": g.name, **cell_json(result.groups[g.id], points)}
            for g in groups
        ],
    }


def results_json(survey_round: SurveyRound, figures: RoundResults) -> dict[str, Any]:
    """The results page's figures, suppressed exactly as there."""
    groups = list(survey_round.groups)
    return {
        "k": figures.k,
        "responses": figures.responses,
        "responses_by_group": [
            {
                "group_id": g.id,
                "group_name": g.name,
                "responses": figures.responses_by_group.get(g.id, 0),
            }
            for g in groups
        ],
        "questions": [_question_json(r, groups) for r in figures.questions],
    }
