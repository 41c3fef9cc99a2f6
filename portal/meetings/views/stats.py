"""Statistics pages: one group's year, and every group of the association."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user

from portal.core.clock import STOCKHOLM
from portal.core.loaders import load_scoped, require
from portal.extensions import db
from portal.groups.models import Group
from portal.meetings import policies
from portal.meetings.blueprint import bp
from portal.meetings.services import stats
from portal.organisations.loaders import load_association

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year(available: list[int]) -> tuple[int, list[int]]:
    """The year asked for (``?year=``), else the current one; and the years to offer."""
    current = dt.datetime.now(STOCKHOLM).year
    chosen = request.args.get("year", type=int)
    if chosen is None or not FIRST_YEAR <= chosen <= LAST_YEAR:
        chosen = current
    years = sorted({*available, current, chosen}, reverse=True)
    return chosen, years


@bp.route("/groups/<int:group_id>/statistics")
def group_statistics(slug: str, group_id: int) -> str:
    """A group's year: meetings held, attendance per person and agency, turnover."""
    association = load_association(slug)
    group = load_scoped(Group, group_id, association)
    require(policies.can_read_group_statistics(current_user, group))
    year, years = _year(stats.years_with_meetings([group.id]))
    show_people = policies.can_read_person_statistics(current_user, group)
    return render_template(
        "meetings/group_statistics.html",
        association=association,
        group=group,
        year=year,
        years=years,
        figures=stats.group_figures([group.id], year)[group.id],
        agencies=stats.agency_figures([group.id], year)[group.id],
        turnover=stats.turnover([group.id], year)[group.id],
        people=stats.person_figures(group.id, year) if show_people else None,
        can_read_meetings=policies.can_read_meetings(current_user, group),
    )


@bp.route("/statistics")
def association_statistics(slug: str) -> str:
    """Every group's figures for the year on one page (admins and the board)."""
    association = load_association(slug)
    require(policies.can_read_association_statistics(current_user, association.id))
    groups = list(
        db.session.scalars(
            sa.select(Group).where(Group.association_id == association.id).order_by(Group.name)
        )
    )
    ids = [g.id for g in groups]
    year, years = _year(stats.years_with_meetings(ids))
    return render_template(
        "meetings/association_statistics.html",
        association=association,
        groups=groups,
        year=year,
        years=years,
        figures=stats.group_figures(ids, year),
        agencies=stats.agency_figures(ids, year),
        turnover=stats.turnover(ids, year),
    )
