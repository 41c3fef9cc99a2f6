"""Development areas (utvecklingsområden) the admins draw from a year's results.

An area can be carried into the groups' plans for the next year, as a result goal
under one of that year's goal areas or as an activity. The goal or activity is made by
the plan services (so an adopted plan records a revision, and the plan's own rules
apply); the link is kept in ``report_development_area_targets``. A plan gets an area
only once; groups without a plan for the next year are skipped and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, selectinload

from portal.accounts.models import User
from portal.core import audit
from portal.core.concurrency import bump, check_version
from portal.core.errors import DomainError
from portal.extensions import db
from portal.groups.models import Group
from portal.plans.models import Activity, GoalArea, Plan, ResultGoal
from portal.plans.services import items as plan_items
from portal.reporting.models import (
    TEXT_MAX,
    TITLE_MAX,
    ReportDevelopmentArea,
    ReportDevelopmentAreaTarget,
)

KINDS = ("goal", "activity")


@dataclass(frozen=True)
class AreaData:
    """What the development area form submits."""

    title: str
    description: str = ""


@dataclass(frozen=True)
class CarriedTo:
    """Where an area went: the group, the plan and the goal or activity made there."""

    group_id: int
    group_name: str
    plan_id: int
    plan_year: int
    kind: str  # "goal", "activity", or "" when the item has since been removed
    item_id: int | None
    item_title: str


@dataclass
class AreaWithTargets:
    """A development area as the summary lists it."""

    area: ReportDevelopmentArea
    targets: list[CarriedTo] = field(default_factory=list)

    @property
    def carried_group_ids(self) -> set[int]:
        """Groups whose plan for the next year already has the area."""
        return {t.group_id for t in self.targets if t.plan_year == self.area.year + 1}


@dataclass
class CarryResult:
    """What a carry did: the targets recorded, and the groups without a plan."""

    targets: list[ReportDevelopmentAreaTarget]
    without_plan: list[Group]


def _check(data: AreaData) -> None:
    if not data.title.strip():
        raise DomainError(_("Give the development area a title."), "title")
    if len(data.title) > TITLE_MAX:
        raise DomainError(
            _("The title is too long (at most %(max)d characters).", max=TITLE_MAX), "title"
        )
    if len(data.description) > TEXT_MAX:
        raise DomainError(
            _("The text is too long (at most %(max)d characters).", max=TEXT_MAX), "description"
        )


def add_area(
    actor: User | None, association_id: int, year: int, data: AreaData
) -> ReportDevelopmentArea:
    """Record a development area for the association's summary of ``year``."""
    _check(data)
    area = ReportDevelopmentArea(
        association_id=association_id,
        year=year,
        title=data.title.strip(),
        description=data.description.strip(),
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(area)
    db.session.flush()
    after = audit.snapshot(area, ("title", "description", "year"))
    audit.record(
        actor=actor,
        action="report_area.create",
        obj=area,
        association_id=association_id,
        summary=f"{year}: {area.title}",
        after=after,
    )
    return area


def update_area(
    actor: User | None, area: ReportDevelopmentArea, data: AreaData, lock_version: int | None
) -> None:
    """Change an area's title or description (what was carried keeps its own wording),
    unless someone saved it since the form was opened."""
    _check(data)
    check_version(area, lock_version)
    bump(area)
    before = audit.snapshot(area, ("title", "description"))
    area.title, area.description = data.title.strip(), data.description.strip()
    after = audit.snapshot(area, ("title", "description"))
    if audit.changed(before, after):
        db.session.flush()
        audit.record(
            actor=actor,
            action="report_area.update",
            obj=area,
            association_id=area.association_id,
            summary=f"{area.year}: {area.title}",
            before=before,
            after=after,
        )


def delete_area(actor: User | None, area: ReportDevelopmentArea) -> None:
    """Remove an area; goals and activities already carried stay in their plans."""
    audit.record(
        actor=actor,
        action="report_area.delete",
        obj=area,
        association_id=area.association_id,
        summary=f"{area.year}: {area.title}",
        before=audit.snapshot(area, ("title", "description", "year")),
    )
    db.session.delete(area)
    db.session.flush()


def load_area(association_id: int, area_id: int) -> ReportDevelopmentArea | None:
    """An area of this association, or None."""
    return db.session.scalar(
        sa.select(ReportDevelopmentArea).where(
            ReportDevelopmentArea.id == area_id,
            ReportDevelopmentArea.association_id == association_id,
        )
    )


def _plans(area: ReportDevelopmentArea, groups: list[Group]) -> dict[int, Plan]:
    rows = db.session.scalars(
        sa.select(Plan)
        .where(Plan.group_id.in_([g.id for g in groups]), Plan.year == area.year + 1)
        .options(selectinload(Plan.group), selectinload(Plan.goals), selectinload(Plan.activities))
    )
    return {plan.group_id: plan for plan in rows}


def _check_carry(
    area: ReportDevelopmentArea, groups: list[Group], kind: str, goal_area: GoalArea | None
) -> None:
    if kind not in KINDS:
        raise DomainError(_("Choose a result goal or an activity."), "kind")
    if not groups:
        raise DomainError(_("Choose at least one group."), "group_ids")
    if any(g.association_id != area.association_id for g in groups):
        raise DomainError(_("Choose groups of this association."), "group_ids")
    if kind == "goal" and (
        goal_area is None
        or goal_area.association_id != area.association_id
        or goal_area.year != area.year + 1
    ):
        raise DomainError(
            _("Choose one of the association's goal areas for %(year)d.", year=area.year + 1),
            "goal_area_id",
        )


def carry(
    actor: User | None,
    area: ReportDevelopmentArea,
    groups: list[Group],
    kind: str,
    goal_area: GoalArea | None = None,
) -> CarryResult:
    """Put the area into each group's plan for the next year as a goal or an activity.

    Refused as a whole if any chosen group's plan already has it. Groups that have no
    plan for the next year yet are skipped and returned in ``without_plan``.
    """
    _check_carry(area, groups, kind, goal_area)
    plans = _plans(area, groups)
    already = {t.plan_id for t in area.targets}
    repeated = sorted(g.name for g in groups if g.id in plans and plans[g.id].id in already)
    if repeated:
        raise DomainError(
            _(
                "The area has already been carried to the %(year)d plan of: %(groups)s.",
                year=area.year + 1,
                groups=", ".join(repeated),
            ),
            "group_ids",
        )
    made = [_carry_one(actor, area, plans[g.id], kind, goal_area) for g in groups if g.id in plans]
    without = [g for g in groups if g.id not in plans]
    if made:
        audit.record(
            actor=actor,
            action="report_area.carry",
            obj=area,
            association_id=area.association_id,
            summary=f"{area.year}: {area.title}",
            after={
                "kind": kind,
                "plans": sorted(f"{t.plan.group.name} {t.plan.year}" for t in made),
            },
        )
    return CarryResult(targets=made, without_plan=without)


def _carry_one(
    actor: User | None,
    area: ReportDevelopmentArea,
    plan: Plan,
    kind: str,
    goal_area: GoalArea | None,
) -> ReportDevelopmentAreaTarget:
    if kind == "goal":
        assert goal_area is not None  # checked in _check_carry
        goal = plan_items.add_goal(
            actor, plan, plan_items.GoalData(goal_area_id=goal_area.id, title=area.title)
        )
        target = ReportDevelopmentAreaTarget(plan=plan, goal=goal)
    else:
        activity = plan_items.add_activity(actor, plan, plan_items.ActivityData(what=area.title))
        target = ReportDevelopmentAreaTarget(plan=plan, activity=activity)
    db.session.add(target)
    area.targets.append(target)
    db.session.flush()
    return target


def development_areas(association_id: int, year: int) -> list[AreaWithTargets]:
    """The year's areas with where each was carried (two queries)."""
    areas = db.session.scalars(
        sa.select(ReportDevelopmentArea)
        .where(
            ReportDevelopmentArea.association_id == association_id,
            ReportDevelopmentArea.year == year,
        )
        .order_by(ReportDevelopmentArea.created_at, ReportDevelopmentArea.id)
    ).all()
    out = {area.id: AreaWithTargets(area) for area in areas}
    if not out:
        return []
    target = ReportDevelopmentAreaTarget
    goal, activity = aliased(ResultGoal), aliased(Activity)
    rows = db.session.execute(
        sa.select(
            target.area_id,
            Group.id,
            Group.name,
            Plan.id,
            Plan.year,
            goal.id,
            goal.title,
            activity.id,
            activity.what,
        )
        .join(Plan, Plan.id == target.plan_id)
        .join(Group, Group.id == Plan.group_id)
        .outerjoin(goal, goal.id == target.goal_id)
        .outerjoin(activity, activity.id == target.activity_id)
        .where(target.area_id.in_(list(out)))
        .order_by(Group.name, target.id)
    )
    for area_id, gid, gname, pid, pyear, goal_id, goal_title, act_id, act_what in rows:
        kind, item_id, title = (
            ("goal", goal_id, goal_title)
            if goal_id is not None
            else ("activity", act_id, act_what)
            if act_id is not None
            else ("", None, "")
        )
        out[area_id].targets.append(CarriedTo(gid, gname, pid, pyear, kind, item_id, title))
    return list(out.values())


@dataclass(frozen=True)
class CarryChoices:
    """What the carry form offers: the association's groups, next year's goal areas."""

    groups: list[Group]
    goal_areas: list[GoalArea]


def carry_choices(
    association_id: int,
    year: int,
    groups: list[Group] | None = None,
    goal_areas: list[GoalArea] | None = None,
) -> CarryChoices:
    """Groups of the association and the goal areas of ``year + 1`` (two queries, fewer
    where the caller has them loaded already)."""
    if groups is None:
        groups = list(
            db.session.scalars(
                sa.select(Group).where(Group.association_id == association_id).order_by(Group.name)
            )
        )
    if goal_areas is None:
        goal_areas = list(
            db.session.scalars(
                sa.select(GoalArea)
                .where(GoalArea.association_id == association_id, GoalArea.year == year + 1)
                .order_by(GoalArea.position, GoalArea.id)
            )
        )
    return CarryChoices(list(groups), list(goal_areas))
