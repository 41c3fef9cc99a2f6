"""Pages for goal areas, the plan template and the groups' action plans.

One blueprint (``portal.plans.blueprint``); the routes live in modules by subject
and register on import, so importing this package registers them all.
"""

from __future__ import annotations

from markupsafe import Markup

from portal.core import clock
from portal.core.markdown import render
from portal.groups.models import Group
from portal.plans.blueprint import bp
from portal.plans.services.plans import GroupPlanState, plan_states
from portal.plans.views import goal_areas, items, outputs, plans, templates


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


__all__ = ["bp", "goal_areas", "items", "outputs", "plans", "templates"]
