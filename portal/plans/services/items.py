"""Result goals, activities and development areas of a plan; each saves on its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.core import audit
from portal.core.concurrency import check_version
from portal.core.errors import DomainError
from portal.core.numbers import parse_number
from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Agency, Association, AssociationPerson
from portal.plans.models import (
    UNFINISHED,
    Activity,
    ActivityStatus,
    DevelopmentArea,
    GoalArea,
    Plan,
    ResultGoal,
)
from portal.plans.services.common import check_year, record_change

GOAL_FIELDS = ("goal_area", "title", "indicator", "numeric", "baseline", "target", "outcome")
ACTIVITY_FIELDS = (
    "what",
    "responsible",
    "agency",
    "decision_maker",
    "dependencies",
    "due_date",
    "status",
    "outcome",
)


@dataclass(frozen=True)
class GoalData:
    """What the result goal form submits. Indicator and target may wait until adoption."""

    goal_area_id: int | None
    title: str
    indicator: str = ""
    numeric: bool = False
    baseline: str = ""
    target: str = ""
    outcome: str = ""


@dataclass(frozen=True)
class ActivityData:
    """What the activity form submits."""

    what: str
    responsible_id: int | None = None
    agency_id: int | None = None
    decision_maker: str = ""
    dependencies: str = ""
    due_date: dt.date | None = None
    status: ActivityStatus = ActivityStatus.NOT_STARTED
    outcome: str = ""


def goal_snapshot(goal: ResultGoal) -> dict[str, object]:
    """A goal's values in words, for the history and the conflict view."""
    out = audit.snapshot(goal, GOAL_FIELDS[1:])
    out["goal_area"] = goal.goal_area.title if goal.goal_area else ""
    return {k: out[k] for k in GOAL_FIELDS}


def activity_snapshot(activity: Activity) -> dict[str, object]:
    """An activity's values in words, for the history and the conflict view."""
    out = audit.snapshot(
        activity, ("what", "decision_maker", "dependencies", "due_date", "status", "outcome")
    )
    out["responsible"] = activity.responsible.name if activity.responsible else ""
    out["agency"] = activity.agency.name if activity.agency else ""
    return {k: out[k] for k in ACTIVITY_FIELDS}


def _goal_area(plan: Plan, goal_area_id: int | None) -> GoalArea:
    area = db.session.get(GoalArea, goal_area_id) if goal_area_id else None
    if area is None or area.association_id != plan.association_id or area.year != plan.year:
        raise DomainError(
            _("Choose one of the association's goal areas for %(year)d.", year=plan.year),
            "goal_area_id",
        )
    return area


def _check_goal(plan: Plan, data: GoalData) -> GoalArea:
    area = _goal_area(plan, data.goal_area_id)
    if data.numeric:
        for name, value in (("baseline", data.baseline), ("target", data.target)):
            if value.strip() and parse_number(value) is None:
                raise DomainError(
                    _("Write a number (for example 40 or 12,5): the indicator is numeric."), name
                )
    return area


def add_goal(actor: User | None, plan: Plan, data: GoalData) -> ResultGoal:
    """A new result goal at the end of the plan's list."""
    area = _check_goal(plan, data)
    goal = ResultGoal(position=max((g.position for g in plan.goals), default=0) + 1)
    _apply_goal(goal, area, data)
    plan.goals.append(goal)
    db.session.flush()
    record_change(actor, plan, "goal.create", goal, goal.title, after=goal_snapshot(goal))
    return goal


def _apply_goal(goal: ResultGoal, area: GoalArea, data: GoalData) -> None:
    goal.goal_area = area
    goal.goal_area_id = area.id
    goal.title, goal.indicator, goal.numeric = data.title, data.indicator, data.numeric
    goal.baseline, goal.target, goal.outcome = data.baseline, data.target, data.outcome


def update_goal(
    actor: User | None, goal: ResultGoal, data: GoalData, lock_version: int | None
) -> None:
    """Save a result goal, unless someone saved it since the form was opened."""
    check_version(goal, lock_version)
    area = _check_goal(goal.plan, data)
    before = goal_snapshot(goal)
    _apply_goal(goal, area, data)
    after = goal_snapshot(goal)
    if audit.changed(before, after):
        db.session.flush()
        record_change(actor, goal.plan, "goal.update", goal, goal.title, before, after)


def delete_goal(actor: User | None, goal: ResultGoal) -> None:
    """Remove a result goal (it stays in the history)."""
    plan = goal.plan
    record_change(actor, plan, "goal.delete", goal, goal.title, before=goal_snapshot(goal))
    plan.goals.remove(goal)
    db.session.flush()


def _check_activity(plan: Plan, data: ActivityData) -> None:
    check_year(plan, data.due_date)
    if data.responsible_id is not None and (
        db.session.get(AssociationPerson, (plan.association_id, data.responsible_id)) is None
    ):
        raise DomainError(_("Choose a person of this association."), "responsible_id")
    if data.agency_id is not None:
        agency = db.session.get(Agency, data.agency_id)
        if agency is None or agency.association_id != plan.association_id:
            raise DomainError(_("Choose an agency of this association."), "agency_id")


def _apply_activity(activity: Activity, data: ActivityData) -> None:
    for name in ("what", "responsible_id", "agency_id", "decision_maker", "dependencies"):
        setattr(activity, name, getattr(data, name))
    activity.due_date, activity.status, activity.outcome = data.due_date, data.status, data.outcome
    db.session.flush()
    db.session.refresh(activity, ["responsible", "agency"])


def add_activity(actor: User | None, plan: Plan, data: ActivityData) -> Activity:
    """A new activity at the end of the plan's list."""
    _check_activity(plan, data)
    activity = Activity(
        position=max((a.position for a in plan.activities), default=0) + 1, what=data.what
    )
    plan.activities.append(activity)
    _apply_activity(activity, data)
    record_change(
        actor, plan, "activity.create", activity, activity.what, after=activity_snapshot(activity)
    )
    return activity


def update_activity(
    actor: User | None, activity: Activity, data: ActivityData, lock_version: int | None
) -> None:
    """Save every part of an activity (those who edit the plan)."""
    check_version(activity, lock_version)
    _check_activity(activity.plan, data)
    before = activity_snapshot(activity)
    _apply_activity(activity, data)
    after = activity_snapshot(activity)
    if audit.changed(before, after):
        record_change(
            actor, activity.plan, "activity.update", activity, activity.what, before, after
        )


def update_progress(
    actor: User | None,
    activity: Activity,
    status: ActivityStatus,
    outcome: str,
    lock_version: int | None,
) -> None:
    """Save status and outcome only (what a responsible member may change)."""
    check_version(activity, lock_version)
    before = activity_snapshot(activity)
    activity.status, activity.outcome = status, outcome
    db.session.flush()
    after = activity_snapshot(activity)
    if audit.changed(before, after):
        record_change(
            actor, activity.plan, "activity.update", activity, activity.what, before, after
        )


def delete_activity(actor: User | None, activity: Activity) -> None:
    """Remove an activity (it stays in the history)."""
    plan = activity.plan
    record_change(
        actor, plan, "activity.delete", activity, activity.what, before=activity_snapshot(activity)
    )
    plan.activities.remove(activity)
    db.session.flush()


def add_development_area(actor: User | None, plan: Plan, title: str) -> DevelopmentArea:
    """A development area the group works on this year."""
    area = DevelopmentArea(title=title)
    plan.development_areas.append(area)
    db.session.flush()
    record_change(actor, plan, "development_area.create", area, title, after={"title": title})
    return area


def delete_development_area(actor: User | None, area: DevelopmentArea) -> None:
    """Remove a development area."""
    plan = area.plan
    record_change(
        actor, plan, "development_area.delete", area, area.title, before={"title": area.title}
    )
    plan.development_areas.remove(area)
    db.session.flush()


@dataclass(frozen=True)
class MyActivity:
    """An activity a person is responsible for, with where it belongs."""

    activity: Activity
    plan: Plan
    group: Group
    association: Association
    overdue: bool


def my_activities(user: User, today: dt.date) -> list[MyActivity]:
    """Unfinished activities the person is responsible for, in every group; overdue first,
    then by due date (undated last)."""
    rows = db.session.scalars(
        sa.select(Activity)
        .join(Plan, Plan.id == Activity.plan_id)
        .where(Activity.responsible_id == user.id, Activity.status.in_(UNFINISHED))
        .options(
            joinedload(Activity.plan).joinedload(Plan.group).joinedload(Group.association),
            joinedload(Activity.agency),
        )
    ).all()
    items = [
        MyActivity(a, a.plan, a.plan.group, a.plan.group.association, a.is_overdue(today))
        for a in rows
    ]
    far = dt.date.max
    return sorted(
        items,
        key=lambda i: (not i.overdue, i.activity.due_date or far, i.group.name, i.activity.id),
    )
