"""Pages for goal areas, the plan template and the groups' action plans.

One blueprint; the routes live in modules by subject and register on import.
"""

from __future__ import annotations

from flask import Blueprint
from markupsafe import Markup

from portal.core import clock
from portal.core.markdown import render
from portal.groups.models import Group
from portal.plans.services.plans import GroupPlanState, plan_states

bp = Blueprint("plans", __name__)


@bp.app_template_filter("markdown")
def markdown_filter(source: str | None, level: int = 2) -> Markup:
    """Markdown as sanitized HTML; ``#`` becomes a heading of ``level`` (see render)."""
    return render(source or "", level)


@bp.app_template_global()
def plan_year() -> int:
    """The operating year pages show by default: this year, in Stockholm."""
    return clock.today().year


@bp.app_template_global()
def group_plan_states(groups: list[Group], year: int | None = None) -> dict[int, GroupPlanState]:
    """Per group id, its plan for the year and whether it is konkretiserad (one query)."""
    return plan_states([g.id for g in groups], year or plan_year())


# The route modules register on ``bp`` when imported.
from . import goal_areas, items, outputs, plans, templates  # noqa: E402

__all__ = ["bp", "goal_areas", "items", "outputs", "plans", "templates"]
