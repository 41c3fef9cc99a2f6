"""A plan's result goals and activities as tables, for the spreadsheet and CSV downloads.

The writers live in ``portal.core.export`` (shared with the board summaries);
the names are re-exported here for the plan views.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from portal.core import export as shared
from portal.core.export import EPOCH, FORMULA_STARTS, Table, safe
from portal.plans.models import ActivityStatus, Plan

__all__ = ["EPOCH", "FORMULA_STARTS", "Table", "safe", "tables", "to_csv", "to_xlsx"]


def tables(plan: Plan, status_labels: dict[ActivityStatus, Any], people: bool) -> list[Table]:
    """The plan's goals and activities as two tables (names left out when ``people`` is off)."""
    goals = Table(
        _("Result goals"),
        [_("Goal area"), _("Result goal"), _("Indicator"), _("Baseline"), _("Target level"),
         _("Outcome")],
        [
            [g.goal_area.title if g.goal_area else "", g.title, g.indicator, g.baseline,
             g.target, g.outcome]
            for g in plan.goals
        ],
    )  # fmt: skip
    activities = Table(
        _("Activities"),
        [_("Activity"), _("Responsible"), _("Responsible agency"), _("Decision-maker"),
         _("Dependencies"), _("Due date"), _("Status"), _("Outcome")],
        [
            [a.what, a.responsible.name if people and a.responsible else "",
             a.agency.name if a.agency else "", a.decision_maker, a.dependencies, a.due_date,
             str(status_labels[a.status]), a.outcome]
            for a in plan.activities
        ],
    )  # fmt: skip
    return [goals, activities]


def to_xlsx(plan: Plan, parts: list[Table]) -> bytes:
    """An xlsx workbook with one sheet per table."""
    return shared.to_xlsx(f"{plan.group.name} {plan.year}", parts)


def to_csv(parts: list[Table]) -> str:
    """Both tables in one CSV file, each under its title (see portal.core.export)."""
    return shared.to_csv(parts)
