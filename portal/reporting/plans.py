"""Plan figures for the board: goal fulfilment per goal area, activities by status,
and which groups' plans are konkretiserade.

How a result goal is judged (shown on the summary page too):

- a goal without an outcome is *not assessed*;
- a numeric goal compares its outcome with its target, relative to its baseline: it is
  *met* when the outcome has reached the target (in the direction from baseline to
  target), *partly met* when it has moved from the baseline towards the target without
  reaching it, and *not met* when it has not moved or moved away. Without a baseline
  (or with the baseline equal to the target) higher is taken as better and the goal is
  met or not met;
- a goal that is not numeric, or whose target or outcome is not a plain figure
  ("68", "68 %", "1 234,5"), has no measurable judgement and is *not assessed*.

Plans are yearly: a half-year summary shows the year's plans as they stand.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Agency
from portal.plans.models import Activity, ActivityStatus, GoalArea, Plan, PlanStatus, ResultGoal
from portal.plans.services.plans import plan_states

NUMBER_RE = re.compile(r"\s*([-−]?\d[\d\u00a0 ]*(?:[.,]\d+)?)\s*%?\s*$")


class Assessment(enum.StrEnum):
    """How far a result goal has come."""

    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"
    NOT_ASSESSED = "not_assessed"


def read_number(text: str) -> Decimal | None:
    """``text`` as a number when it is one ("1 234,5", "40 %", "−3"), else None.

    Only a figure on its own counts: "3 av 4 parter" is words, not a measurement.
    """
    match = NUMBER_RE.fullmatch(text or "")
    if not match:
        return None
    raw = re.sub(r"[\s\u00a0]", "", match.group(1)).replace(",", ".").replace("−", "-")
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
        return None


def assess(numeric: bool, baseline: str, target: str, outcome: str) -> Assessment:
    """Judge one result goal by the rule in the module docstring."""
    if not numeric or not (outcome or "").strip():
        return Assessment.NOT_ASSESSED
    goal, result, start = read_number(target), read_number(outcome), read_number(baseline)
    if goal is None or result is None:
        return Assessment.NOT_ASSESSED
    if start is None or start == goal:
        return Assessment.MET if result >= goal else Assessment.NOT_MET
    progress = (result - start) / (goal - start)
    if progress >= 1:
        return Assessment.MET
    return Assessment.PARTLY if progress > 0 else Assessment.NOT_MET


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
class PlanFigures:
    """Everything the plan section of a summary shows."""

    areas: list[AreaFulfilment]
    goals: list[GoalRow]
    groups: list[GroupPlan]

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


def area_fulfilment(association_id: int, year: int, goals: list[GoalRow]) -> list[AreaFulfilment]:
    """Per goal area of the year (one query for the areas), the goals' judgements counted."""
    titles = db.session.scalars(
        sa.select(GoalArea.title)
        .where(GoalArea.association_id == association_id, GoalArea.year == year)
        .order_by(GoalArea.position, GoalArea.title)
    ).all()
    areas: dict[str | None, AreaFulfilment] = {t: AreaFulfilment(t) for t in titles}
    for goal in goals:
        areas.setdefault(goal.goal_area, AreaFulfilment(goal.goal_area))
        areas[goal.goal_area].counts[goal.assessment] += 1
    return list(areas.values())


def activity_counts(group_ids: list[int], year: int) -> dict[int, dict[ActivityStatus, int]]:
    """Per group, the activities of its plan for the year counted by status (one query)."""
    rows = db.session.execute(
        sa.select(Plan.group_id, Activity.status, sa.func.count())
        .join(Plan, Plan.id == Activity.plan_id)
        .where(Plan.group_id.in_(group_ids), Plan.year == year)
        .group_by(Plan.group_id, Activity.status)
    )
    out = {gid: dict.fromkeys(ActivityStatus, 0) for gid in group_ids}
    for gid, status, n in rows:
        out[gid][ActivityStatus(status)] = int(n)
    return out


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
    """The plan section for these groups of the association (four queries)."""
    ids = [g.id for g in groups]
    goals = goal_rows(association_id, year, ids)
    states = plan_states(ids, year)
    counts = activity_counts(ids, year)
    return PlanFigures(
        areas=area_fulfilment(association_id, year, goals),
        goals=goals,
        groups=[
            GroupPlan(g.id, g.name, states[g.id].plan_id, states[g.id].status,
                      states[g.id].concretised, counts[g.id])
            for g in groups
        ],
    )  # fmt: skip
