"""The association's goal areas (målområden) per operating year."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import audit
from portal.core.concurrency import bump, check_version
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Association
from portal.plans.models import GoalArea, ResultGoal

FIELDS = ("year", "title", "description", "position")


@dataclass(frozen=True)
class GoalAreaData:
    """What the goal area form submits."""

    year: int
    title: str
    description: str = ""


def goal_areas(association: Association, year: int) -> list[GoalArea]:
    """The goal areas of one year, in order."""
    return list(
        db.session.scalars(
            sa.select(GoalArea)
            .where(GoalArea.association_id == association.id, GoalArea.year == year)
            .order_by(GoalArea.position, GoalArea.id)
        )
    )


def years_with_goal_areas(association: Association) -> list[int]:
    """Years that have goal areas, newest first."""
    return list(
        db.session.scalars(
            sa.select(GoalArea.year)
            .where(GoalArea.association_id == association.id)
            .distinct()
            .order_by(GoalArea.year.desc())
        )
    )


def load_goal_area(association: Association, goal_area_id: int) -> GoalArea | None:
    """A goal area of this association, or None."""
    return db.session.scalar(
        sa.select(GoalArea).where(
            GoalArea.id == goal_area_id, GoalArea.association_id == association.id
        )
    )


def _check_title(association: Association, data: GoalAreaData, current: GoalArea | None) -> None:
    clash = db.session.scalar(
        sa.select(GoalArea).where(
            GoalArea.association_id == association.id,
            GoalArea.year == data.year,
            GoalArea.title == data.title,
        )
    )
    if clash is not None and clash is not current:
        raise DomainError(_("The year already has a goal area with this title."), field="title")


def create_goal_area(actor: User | None, association: Association, data: GoalAreaData) -> GoalArea:
    """Add a goal area at the end of the year's list."""
    _check_title(association, data, None)
    last = db.session.scalar(
        sa.select(sa.func.max(GoalArea.position)).where(
            GoalArea.association_id == association.id, GoalArea.year == data.year
        )
    )
    area = GoalArea(
        association_id=association.id,
        year=data.year,
        title=data.title,
        description=data.description,
        position=(last or 0) + 1,
    )
    db.session.add(area)
    db.session.flush()
    audit.record(
        actor=actor,
        action="goal_area.create",
        obj=area,
        association_id=association.id,
        summary=f"{area.year}: {area.title}",
        after=audit.snapshot(area, FIELDS),
    )
    return area


def update_goal_area(
    actor: User | None, area: GoalArea, data: GoalAreaData, lock_version: int | None
) -> None:
    """Rename or describe a goal area (its year stays), unless someone saved it since
    the form was opened."""
    check_version(area, lock_version)
    data = GoalAreaData(year=area.year, title=data.title, description=data.description)
    association = db.session.get(Association, area.association_id)
    assert association is not None
    _check_title(association, data, area)
    before = audit.snapshot(area, FIELDS)
    area.title = data.title
    area.description = data.description
    bump(area)
    after = audit.snapshot(area, FIELDS)
    if audit.changed(before, after):
        audit.record(
            actor=actor,
            action="goal_area.update",
            obj=area,
            association_id=area.association_id,
            summary=f"{area.year}: {area.title}",
            before=before,
            after=after,
        )


def delete_goal_area(actor: User | None, area: GoalArea) -> None:
    """Delete a goal area that no result goal uses."""
    used = db.session.scalar(
        sa.select(sa.func.count()).select_from(ResultGoal).where(ResultGoal.goal_area_id == area.id)
    )
    if used:
        raise DomainError(
            _("Result goals belong to this goal area; it cannot be deleted, only renamed.")
        )
    audit.record(
        actor=actor,
        action="goal_area.delete",
        obj=area,
        association_id=area.association_id,
        summary=f"{area.year}: {area.title}",
        before=audit.snapshot(area, FIELDS),
    )
    db.session.delete(area)
    db.session.flush()


def copy_year(actor: User | None, association: Association, source: int, target: int) -> int:
    """Copy one year's goal areas into another year (skipping titles already there)."""
    existing = {a.title for a in goal_areas(association, target)}
    copied = 0
    for area in goal_areas(association, source):
        if area.title not in existing:
            create_goal_area(actor, association, GoalAreaData(target, area.title, area.description))
            copied += 1
    if not copied:
        raise DomainError(_("There was nothing to copy."), field="source_year")
    return copied


def carry_source(association: Association, year: int) -> int | None:
    """The year whose goal areas ``year`` would carry forward: the nearest earlier year
    with goal areas, when ``year`` has none of its own; else None."""
    if goal_areas(association, year):
        return None
    return db.session.scalar(
        sa.select(sa.func.max(GoalArea.year)).where(
            GoalArea.association_id == association.id, GoalArea.year < year
        )
    )


def carry_forward(actor: User | None, association: Association, year: int) -> int | None:
    """Give a year without goal areas those of the nearest earlier year; returns that year.

    Goal areas are the association's operating plan and seldom change, so next year's
    plans start from this year's areas; the association's admins rename or remove them
    as the new operating plan says. Nothing happens when the year has its own.
    """
    source = carry_source(association, year)
    if source is not None:
        copy_year(actor, association, source, year)
    return source
