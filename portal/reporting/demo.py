"""Demo outcomes for the Gävleborg summaries: the 2025 result goals get measured
outcomes (met, partly met and not met), so the board summary's goal fulfilment shows
every judgement. Goals that already have an outcome are left alone: loading twice
changes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.organisations.models import Association, AssociationRole, AssociationRoleName
from portal.plans.models import Plan, ResultGoal
from portal.plans.services import items

YEAR = 2025
# Per goal (by its target): outcomes that meet, partly meet and miss it, in turn.
OUTCOMES = {"75": ("80 %", "62 %", "45 %"), "3": ("3", "2", "1")}


def load_demo(association: Association) -> None:
    """Give the year's numeric result goals without an outcome a measured one."""
    admin = db.session.scalar(
        sa.select(User)
        .join(AssociationRole, AssociationRole.user_id == User.id)
        .where(
            AssociationRole.association_id == association.id,
            AssociationRole.role == AssociationRoleName.ADMIN,
        )
        .limit(1)
    )
    goals = db.session.scalars(
        sa.select(ResultGoal)
        .join(Plan, Plan.id == ResultGoal.plan_id)
        .where(Plan.association_id == association.id, Plan.year == YEAR)
        .order_by(Plan.group_id, ResultGoal.position, ResultGoal.id)
    ).all()
    for index, goal in enumerate(goals):
        choices = OUTCOMES.get(goal.target.strip())
        if goal.outcome or not goal.numeric or choices is None:
            continue
        data = items.GoalData(
            goal.goal_area_id, goal.title, goal.indicator, goal.numeric, goal.baseline,
            goal.target, choices[index % len(choices)],
        )  # fmt: skip
        items.update_goal(admin, goal, data, goal.lock_version)
    db.session.flush()
