"""What of the action plans needs a person: plans to adopt, per group and per association."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.plans.models import Plan, PlanStatus

NOT_ADOPTED = (PlanStatus.DRAFT, PlanStatus.REVISED)


def plans_to_adopt(group_ids: Collection[int], year: int) -> Sequence[Plan]:
    """This year's and later plans of these groups that are not (or no longer) adopted."""
    if not group_ids:
        return []
    return db.session.scalars(
        sa.select(Plan)
        .where(Plan.group_id.in_(group_ids), Plan.year >= year, Plan.status.in_(NOT_ADOPTED))
        .options(joinedload(Plan.group).joinedload(Group.association))
        .order_by(Plan.year, Plan.id)
    ).all()


def unadopted_counts(association_ids: Collection[int], year: int) -> list[tuple[Association, int]]:
    """Per association: how many of the year's plans are not adopted (only those with any)."""
    if not association_ids:
        return []
    rows = db.session.execute(
        sa.select(Association, sa.func.count(Plan.id))
        .join(Plan, Plan.association_id == Association.id)
        .where(
            Association.id.in_(association_ids),
            Plan.year == year,
            Plan.status.in_(NOT_ADOPTED),
        )
        .group_by(Association.id)
        .order_by(Association.name)
    ).all()
    return [(association, int(count)) for association, count in rows]
