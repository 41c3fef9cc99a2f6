"""Loading and rendering helpers shared by the plan views."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from portal.core import clock
from portal.core.loaders import require
from portal.groups.models import Group
from portal.organisations.loaders import load_association
from portal.organisations.models import Association
from portal.plans import policies
from portal.plans.models import FieldKind, Plan
from portal.plans.services import plans as plan_services


def load_plan(
    slug: str, plan_id: int, *, edit: bool = False, page: bool = False
) -> tuple[Association, Plan]:
    """The plan, scoped to the association; 404 unless the person may read (or edit) it.

    With ``page``, everything the plan page shows is loaded with it, in a fixed number
    of queries, and ``plan_context(..., loaded=True)`` need not read the plan again.
    """
    association = load_association(slug)
    if page:
        plan = plan_services.load_plan_page(association, plan_id)
    else:
        plan = plan_services.load_plan(association, plan_id)
    if plan is None:
        abort(404)
    require(policies.can_read_plan(current_user, plan.group))
    if edit:
        require(policies.can_edit_plan(current_user, plan.group))
    return association, plan


def plan_states_of_groups(groups: list[Group]) -> dict[str, Any]:
    """For pages that list groups (``core.signals.groups_shown``): this year, in
    Stockholm, and per group id its plan for the year and whether it is konkretiserad."""
    year = clock.today().year
    return {
        "plan_year": year,
        "plan_states": plan_services.plan_states([g.id for g in groups], year),
    }


def item_level(plan: Plan, kind: str, obj: Any) -> int:
    """The heading level of an item swapped into the plan page, as the page has it."""
    if kind == "text":  # a text the template no longer asks for sits under its own h3
        key = obj["key"]
        return plan.template_version.item_level(FieldKind.TEXT, key) if obj["field"] else 4
    goals = kind in ("goal", "goals")
    return plan.template_version.item_level(
        FieldKind.RESULT_GOALS if goals else FieldKind.ACTIVITIES
    )


def plan_facts(plan: Plan) -> dict[str, Any]:
    """The plan's facts and adoption section, swapped in out of band with a changed item:
    a change after adoption makes the plan revised, an activity can make it concrete."""
    return {
        "facts_oob": True,
        "version": plan.template_version,
        "concretised": plan_services.is_concretised(plan),
        "missing": plan_services.missing_for_adoption(plan),
    }
