"""Plan figures for the board: goal fulfilment per goal area, activities by status,
and which groups' plans are konkretiserade.

How a result goal is judged is the plans' rule, in ``portal.plans.services.assessment``
(shown on the summary page too).

Plans are yearly: a half-year summary shows the year's plans as they stand.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Agency
from portal.plans.models import Activity, ActivityStatus, GoalArea, Plan, PlanStatus, ResultGoal
from portal.plans.services.assessment import Assessment, assess


@dataclass(frozen=True)
class GoalRow:
    """A result goal with its group, goal area and judgement."""

    group_id: int
    group: str
    goal_area: str | None
    title: str
    indicator: str
    baseline: str
    target: str
    outcome: str
    assessment: Assessment


@dataclass
class AreaFulfilment:
    """Counts of goals per judgement under one goal area (None: goals without an area)."""

    title: str | None
    counts: Counter[Assessment] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class GroupPlan:
    """A group's plan for the year: status, konkretiserad, activities per status."""

    group_id: int
    group: str
    plan_id: int | None
    status: PlanStatus | None
    concretised: bool
    activities: dict[ActivityStatus, int]

    @property
    def activity_total(self) -> int:
        return sum(self.activities.values())


@dataclass(frozen=True)
class PlanYear:
    """How many groups had a plan in a year, and how many were konkretiserade."""

    year: int
    plans: int
    concretised: int


@dataclass(frozen=True)
class PlanFigures:
    """Everything the plan section of a summary shows."""

    areas: list[AreaFulfilment]
    goals: list[GoalRow]
    groups: list[GroupPlan]
    years: list[PlanYear] = field(default_factory=list)  # every plan year, for the trend
    next_goal_areas: list[GoalArea] = field(default_factory=list)  # to carry areas into

    @property
    def concretised(self) -> int:
        return sum(1 for g in self.groups if g.concretised)

    @property
    def with_plan(self) -> int:
        return sum(1 for g in self.groups if g.plan_id is not None)

    @property
    def activity_totals(self) -> dict[ActivityStatus, int]:
        totals = dict.fromkeys(ActivityStatus, 0)
        for g in self.groups:
            for status, n in g.activities.items():
                totals[status] += n
        return totals


def goal_rows(association_id: int, year: int, group_ids: list[int] | None = None) -> list[GoalRow]:
    """Every result goal of the year's plans (one query), judged."""
    query = (
        sa.select(
            Plan.group_id, Group.name, GoalArea.title, ResultGoal.title, ResultGoal.indicator,
            ResultGoal.numeric, ResultGoal.baseline, ResultGoal.target, ResultGoal.outcome,
        )
        .join(Plan, Plan.id == ResultGoal.plan_id)
        .join(Group, Group.id == Plan.group_id)
        .outerjoin(GoalArea, GoalArea.id == ResultGoal.goal_area_id)
        .where(Plan.association_id == association_id, Plan.year == year)
        .order_by(GoalArea.position, GoalArea.title, Group.name, ResultGoal.position, ResultGoal.id)
    )  # fmt: skip
    if group_ids is not None:
        query = query.where(Plan.group_id.in_(group_ids))
    return [
        GoalRow(gid, group, area, title, indicator, baseline, target, outcome,
                assess(numeric, baseline, target, outcome))
        for gid, group, area, title, indicator, numeric, baseline, target, outcome
        in db.session.execute(query)
    ]  # fmt: skip


def goal_areas(association_id: int, years: list[int]) -> list[GoalArea]:
    """The association's goal areas of these years (one query)."""
    return list(
        db.session.scalars(
            sa.select(GoalArea)
            .where(GoalArea.association_id == association_id, GoalArea.year.in_(years))
            .order_by(GoalArea.year, GoalArea.position, GoalArea.id)
        )
    )


def area_fulfilment(areas: list[GoalArea], goals: list[GoalRow]) -> list[AreaFulfilment]:
    """Per goal area of the year, the goals' judgements counted."""
    titles = [a.title for a in sorted(areas, key=lambda a: (a.position, a.title))]
    found: dict[str | None, AreaFulfilment] = {t: AreaFulfilment(t) for t in titles}
    for goal in goals:
        found.setdefault(goal.goal_area, AreaFulfilment(goal.goal_area))
        found[goal.goal_area].counts[goal.assessment] += 1
    return list(found.values())


@dataclass(frozen=True)
class PlanRow:
    """One plan: its group, year, status, konkretiserad, activities per status."""

    group_id: int
    year: int
    plan_id: int
    status: PlanStatus
    concretised: bool
    activities: dict[ActivityStatus, int]


def plan_rows(group_ids: list[int]) -> list[PlanRow]:
    """Every plan of these groups, every year, with its activities counted (one query).

    Konkretiserad: at least one activity with a responsible person and a due date.
    """
    statuses = list(ActivityStatus)
    rows = db.session.execute(_plan_rows_statement(), {"groups": group_ids}).all()
    return [
        PlanRow(gid, year, pid, PlanStatus(status), bool(concrete_n),
                {st: int(n) for st, n in zip(statuses, counts, strict=True)})
        for gid, year, pid, status, concrete_n, *counts in rows
    ]  # fmt: skip


@functools.cache
def _plan_rows_statement() -> sa.Select[Any]:
    """``plan_rows``'s query, built once: building its count per status and its cache
    key took longer than running it."""
    return (
        sa.select(
            Plan.group_id,
            Plan.year,
            Plan.id,
            Plan.status,
            sa.func.count(sa.case((Activity.is_concrete, Activity.id))),
            *[
                sa.func.count(sa.case((Activity.status == st, Activity.id)))
                for st in ActivityStatus
            ],
        )
        .outerjoin(Activity, Activity.plan_id == Plan.id)
        .where(Plan.group_id.in_(sa.bindparam("groups", expanding=True)))
        .group_by(Plan.group_id, Plan.year, Plan.id, Plan.status)
        .order_by(Plan.year, Plan.group_id)
    )


def plan_years(rows: list[PlanRow]) -> list[PlanYear]:
    """Per plan year: plans and konkretiserade plans."""
    years: dict[int, list[int]] = {}
    for row in rows:
        count = years.setdefault(row.year, [0, 0])
        count[0] += 1
        count[1] += int(row.concretised)
    return [PlanYear(y, n, c) for y, (n, c) in sorted(years.items())]


def activities_done(group_id: int, year: int) -> list[tuple[str, str, str]]:
    """What, responsible agency and outcome of the group's done activities (one query)."""
    rows = db.session.execute(
        sa.select(Activity.what, Agency.name, Activity.outcome)
        .join(Plan, Plan.id == Activity.plan_id)
        .outerjoin(Agency, Agency.id == Activity.agency_id)
        .where(Plan.group_id == group_id, Plan.year == year, Activity.status == ActivityStatus.DONE)
        .order_by(Activity.position, Activity.id)
    )
    return [(what, agency or "", outcome) for what, agency, outcome in rows]


def plan_figures(association_id: int, year: int, groups: list[Group]) -> PlanFigures:
    """The plan section for these groups of the association, with every year's plans for
    the trend and next year's goal areas (three queries)."""
    ids = [g.id for g in groups]
    goals = goal_rows(association_id, year, ids)
    areas = goal_areas(association_id, [year, year + 1])
    rows = plan_rows(ids)
    this_year = {row.group_id: row for row in rows if row.year == year}

    def group_plan(g: Group) -> GroupPlan:
        p = this_year.get(g.id)
        if p is None:
            return GroupPlan(g.id, g.name, None, None, False, dict.fromkeys(ActivityStatus, 0))
        return GroupPlan(g.id, g.name, p.plan_id, p.status, p.concretised, p.activities)

    return PlanFigures(
        areas=area_fulfilment([a for a in areas if a.year == year], goals),
        goals=goals,
        groups=[group_plan(g) for g in groups],
        years=plan_years(rows),
        next_goal_areas=[a for a in areas if a.year == year + 1],
    )  # fmt: skip
