"""Action plans: created per group and year, adopted, revised, moved to new template versions."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.base import ExecutableOption

from portal.accounts.models import User
from portal.core.concurrency import MissingVersionError, check_version, first_row
from portal.core.errors import DomainError
from portal.core.numbers import parse_number
from portal.db import utcnow
from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.plans.models import (
    UNFINISHED,
    Activity,
    DevelopmentArea,
    FieldKind,
    Plan,
    PlanChange,
    PlanStatus,
    PlanText,
    ResultGoal,
    TemplateSection,
    TemplateVersion,
)
from portal.plans.services import goal_areas
from portal.plans.services.assessment import Assessment, assess
from portal.plans.services.common import record_change
from portal.plans.services.templates import current_version

HISTORY_LENGTH = 30


class Source(enum.StrEnum):
    """What a new plan starts from."""

    TEMPLATE = "template"
    PREVIOUS = "previous"


def load_plan(association: Association, plan_id: int) -> Plan | None:
    """A plan of this association, or None."""
    return db.session.scalar(
        sa.select(Plan)
        .where(Plan.id == plan_id, Plan.association_id == association.id)
        .options(joinedload(Plan.group))
    )


def plans_of_group(group: Group) -> list[Plan]:
    """The group's plans, newest year first."""
    return list(
        db.session.scalars(
            sa.select(Plan)
            .where(Plan.group_id == group.id)
            .options(selectinload(Plan.template_version))
            .order_by(Plan.year.desc())
        )
    )


def plan_for(group: Group, year: int) -> Plan | None:
    """The group's plan for a year, or None."""
    return db.session.scalar(sa.select(Plan).where(Plan.group_id == group.id, Plan.year == year))


def suggested_year(taken: Iterable[int], today: dt.date) -> int:
    """The year a new plan is offered for: the first from this year on without a plan."""
    years = set(taken)
    year = today.year
    while year in years:
        year += 1
    return year


def create_plan(actor: User | None, group: Group, year: int, source: Source) -> Plan:
    """The group's plan for ``year`` from the current template version, or from last
    year's plan with its local texts, unfinished result goals and activities and its
    development areas. A year without goal areas gets the nearest earlier year's
    (``goal_areas.carry_forward``), so the plan's goals have areas to belong to."""
    if plan_for(group, year) is not None:
        raise DomainError(
            _("%(group)s already has a plan for %(year)d.", group=group.name, year=year), "year"
        )
    version = current_version(group.association)
    if version is None:
        raise DomainError(_("The association has not published a plan template yet."))
    previous = None
    if source is Source.PREVIOUS:
        previous = plan_for(group, year - 1)
        if previous is None:
            raise DomainError(
                _("There is no plan for %(year)d to start from.", year=year - 1), "source"
            )
    plan = Plan(
        association_id=group.association_id,
        group_id=group.id,
        year=year,
        template_version_id=version.id,
        status=PlanStatus.DRAFT,
    )
    try:
        with db.session.begin_nested():
            db.session.add(plan)
            db.session.flush()
    except sa.exc.IntegrityError:
        # Someone else made it a moment ago: the unique constraint decides.
        raise DomainError(
            _("%(group)s already has a plan for %(year)d.", group=group.name, year=year), "year"
        ) from None
    goal_areas.carry_forward(actor, group.association, year)
    if previous is not None:
        _carry_forward(previous, plan)
    db.session.flush()
    record_change(
        actor,
        plan,
        "plan.create",
        plan,
        _("from last year's plan")
        if previous
        else _("from template version %(n)d", n=version.number),
        after={"year": year, "version": version.number},
    )
    return plan


def _carry_forward(previous: Plan, plan: Plan) -> None:
    for text in previous.texts:
        plan.texts.append(PlanText(field_key=text.field_key, label=text.label, body=text.body))
    _carry_goals(previous, plan)
    for activity in previous.activities:
        if activity.status in UNFINISHED:
            plan.activities.append(
                Activity(
                    position=activity.position,
                    what=activity.what,
                    responsible_id=activity.responsible_id,
                    agency_id=activity.agency_id,
                    decision_maker=activity.decision_maker,
                    dependencies=activity.dependencies,
                    due_date=None,  # last year's date lies outside this plan's year
                    status=activity.status,
                    outcome=activity.outcome,
                    carried_from_id=activity.id,
                )
            )
    for area in previous.development_areas:
        plan.development_areas.append(DevelopmentArea(title=area.title))


def _carry_goals(previous: Plan, plan: Plan) -> None:
    """Last year's result goals that were not met, under this year's area of the same
    title. A numeric goal starts from where it ended: last year's outcome, when it is a
    figure, becomes the baseline; the outcome is this year's to write."""
    areas = {a.title: a for a in goal_areas.goal_areas(plan.group.association, plan.year)}
    for goal in previous.goals:
        if assess(goal.numeric, goal.baseline, goal.target, goal.outcome) is Assessment.MET:
            continue
        area = areas.get(goal.goal_area.title) if goal.goal_area else None
        reached = goal.numeric and parse_number(goal.outcome) is not None
        plan.goals.append(
            ResultGoal(
                position=goal.position,
                goal_area=area,
                goal_area_id=area.id if area else None,
                title=goal.title,
                indicator=goal.indicator,
                numeric=goal.numeric,
                baseline=goal.outcome.strip() if reached else goal.baseline,
                target=goal.target,
                outcome="",
            )
        )


def page_options() -> tuple[ExecutableOption, ...]:
    """Eager loads for everything the plan page shows: one query per collection, with
    the rows each item points to joined in (a fixed number of queries)."""
    return (
        joinedload(Plan.group),
        joinedload(Plan.adopted_by),
        selectinload(Plan.texts),
        selectinload(Plan.goals).joinedload(ResultGoal.goal_area),
        selectinload(Plan.activities).joinedload(Activity.responsible),
        selectinload(Plan.activities).joinedload(Activity.agency),
        selectinload(Plan.development_areas),
        joinedload(Plan.template_version)
        .selectinload(TemplateVersion.sections)
        .joinedload(TemplateSection.fields),
    )


def load_plan_page(association: Association, plan_id: int) -> Plan | None:
    """A plan of this association with everything its page shows, or None."""
    return db.session.scalar(
        sa.select(Plan)
        .where(Plan.id == plan_id, Plan.association_id == association.id)
        .options(*page_options())
    )


def plan_page(plan_id: int) -> Plan:
    """A plan with everything its page shows, read afresh (after a change)."""
    plan = db.session.scalar(
        sa.select(Plan)
        .where(Plan.id == plan_id)
        .options(*page_options())
        .execution_options(populate_existing=True)
    )
    assert plan is not None
    return plan


def history(plan: Plan, limit: int = HISTORY_LENGTH) -> list[PlanChange]:
    """The plan's changes, newest first, with who made them."""
    return list(
        db.session.scalars(
            sa.select(PlanChange)
            .where(PlanChange.plan_id == plan.id)
            .options(joinedload(PlanChange.actor))
            .order_by(PlanChange.occurred_at.desc(), PlanChange.id.desc())
            .limit(limit)
        )
    )


def save_text(
    actor: User | None, plan: Plan, field_key: str, body: str, lock_version: int | None
) -> PlanText:
    """Save the group's text for a local text field of the plan's template version.

    ``lock_version`` is the text's version when the form was opened, 0 if no text was
    written then: a first save made at the same moment as another is a conflict too.
    """
    field = next((f for f in plan.template_version.fields() if f.key == field_key), None)
    text = plan.text_for(field_key)
    if field is None and text is None:
        raise DomainError(_("The template has no such field."))
    if field is not None and (field.locked or field.kind is not FieldKind.TEXT):
        raise DomainError(_("This field is set by the association and cannot be changed here."))
    if lock_version is None:
        raise MissingVersionError()
    label = field.label if field is not None else text.label if text is not None else ""
    if text is None:
        first, created = first_row(
            lambda: _insert_text(plan, field_key, label, body),
            lambda: _stored_text(plan, field_key),
        )
        db.session.expire(plan, ["texts"])
        if created:
            if body:
                record_change(actor, plan, "plan.text", first, label, {"body": ""}, {"body": body})
            return first
        text = first
    check_version(text, lock_version)
    before = {"body": text.body}
    text.body = body
    text.label = label
    if before != {"body": body}:
        record_change(actor, plan, "plan.text", text, text.label, before, {"body": body})
    db.session.flush()
    return text


def _insert_text(plan: Plan, field_key: str, label: str, body: str) -> PlanText:
    text = PlanText(plan_id=plan.id, field_key=field_key, label=label, body=body)
    db.session.add(text)
    db.session.flush()
    return text


def _stored_text(plan: Plan, field_key: str) -> PlanText | None:
    return db.session.scalar(
        sa.select(PlanText).where(PlanText.plan_id == plan.id, PlanText.field_key == field_key)
    )


def missing_for_adoption(plan: Plan) -> list[str]:
    """Everything that stops the plan from being adopted, in words."""
    missing = []
    if not plan.goals:
        missing.append(_("The plan has no result goals."))
    for goal in plan.goals:
        if goal.goal_area_id is None:  # carried over from a year whose area is gone
            missing.append(_("Result goal “%(t)s” has no goal area.", t=goal.title))
        if not goal.indicator.strip():
            missing.append(_("Result goal “%(t)s” has no indicator.", t=goal.title))
        if not goal.target.strip():
            missing.append(_("Result goal “%(t)s” has no target level.", t=goal.title))
        elif goal.numeric and parse_number(goal.target) is None:
            missing.append(_("The target level of “%(t)s” is not a number.", t=goal.title))
    return missing


def adopt(actor: User | None, plan: Plan) -> None:
    """Adopt (fastställ) the plan, or a revised plan again; refused with what is missing."""
    if plan.status is PlanStatus.ADOPTED:
        raise DomainError(_("The plan is already adopted."))
    missing = missing_for_adoption(plan)
    if missing:
        raise DomainError(
            _("The plan cannot be adopted yet:") + " " + " ".join(missing), field="missing"
        )
    before = {"status": plan.status.value}
    plan.status = PlanStatus.ADOPTED
    plan.adopted_at = utcnow()
    plan.adopted_by_id = actor.id if actor is not None else None
    record_change(actor, plan, "plan.adopt", plan, _("adopted"), before, {"status": "adopted"})
    db.session.flush()


def move_to_version(
    actor: User | None, plan: Plan, version: TemplateVersion, seen_version: int | None = None
) -> None:
    """Move the plan onto a newer published version. Locked fields follow the version's
    wording; the group's texts stay, including those of fields the version dropped."""
    if version.association_id != plan.association_id or version.is_draft:
        raise DomainError(_("Choose a published version of the association's template."))
    if version.number <= plan.template_version.number:
        raise DomainError(_("The plan already uses this version or a newer one."))
    if seen_version is not None and seen_version != version.id:
        raise DomainError(_("A newer version was published meanwhile; look at its changes first."))
    old = plan.template_version.number
    plan.template_version_id = version.id
    db.session.flush()
    db.session.expire(plan, ["template_version"])
    record_change(
        actor,
        plan,
        "plan.upgrade",
        plan,
        _("template version %(a)d → %(b)d", a=old, b=version.number),
        {"version": old},
        {"version": version.number},
    )


@dataclass(frozen=True)
class GroupPlanState:
    """A group's plan for a year in one word: none, not concrete, concrete."""

    plan_id: int | None
    concretised: bool
    status: PlanStatus | None


def plan_states(group_ids: Iterable[int], year: int) -> dict[int, GroupPlanState]:
    """Per group, its plan for ``year`` and whether it is konkretiserad (one query):
    at least one activity with a responsible person and a due date."""
    ids = list(group_ids)
    concrete = (
        sa.select(sa.func.count())
        .select_from(Activity)
        .where(Activity.plan_id == Plan.id, Activity.is_concrete)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Plan.group_id, Plan.id, Plan.status, concrete).where(
            Plan.group_id.in_(ids), Plan.year == year
        )
    ).all()
    states = {gid: GroupPlanState(None, False, None) for gid in ids}
    for group_id, plan_id, status, count in rows:
        states[group_id] = GroupPlanState(plan_id, bool(count), status)
    return states


def is_concretised(plan: Plan) -> bool:
    """Whether the loaded plan has an activity with a responsible person and a due date."""
    return any(a.is_concrete for a in plan.activities)


def day_in_year(year: int) -> dt.date:
    """A default due date: the end of the plan year."""
    return dt.date(year, 12, 31)
