"""The plans domain's part of the start page (``core.signals.needs_me``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from portal.core.permissions import Principal
from portal.core.signals import Need
from portal.plans.services import items as item_services
from portal.plans.services import needs

# Activities due within this many days count as needing their responsible person now.
DUE_SOON_DAYS = 14


def plan_needs(user: Any, *, principal: Principal, today: dt.date) -> list[Need]:
    """My activities due soon or overdue; plans to adopt (process leaders); for admins,
    the association's plans of the year that are not adopted."""
    horizon = today + dt.timedelta(days=DUE_SOON_DAYS)
    items = [
        Need(
            kind="activity_due",
            title=mine.activity.what,
            url=url_for("plans.show", slug=mine.association.slug, plan_id=mine.plan.id)
            + f"#activity-{mine.activity.id}",
            due=mine.activity.due_date,
            detail=(
                _("Overdue since %(day)s (%(group)s)", day=_day(mine), group=mine.group.name)
                if mine.overdue
                else _("Due %(day)s (%(group)s)", day=_day(mine), group=mine.group.name)
            ),
        )
        for mine in item_services.my_activities(user, today)
        if mine.activity.due_date is not None
        and mine.activity.due_date <= horizon
        and (mine.group.id in principal.groups or mine.association.id in principal.admin_of)
    ]
    items += [
        Need(
            kind="plan_to_adopt",
            title=_("Adopt the plan %(year)d of %(group)s", year=plan.year, group=plan.group.name),
            url=url_for("plans.show", slug=plan.group.association.slug, plan_id=plan.id),
            detail=_("Not adopted yet") if plan.adopted_at is None else _("Changed since adopted"),
        )
        for plan in needs.plans_to_adopt(principal.led_groups, today.year)
    ]
    items += [
        Need(
            kind="admin_task",
            title=ngettext(
                "%(num)d plan for %(year)d is not adopted",
                "%(num)d plans for %(year)d are not adopted",
                count,
                year=today.year,
            ),
            url=url_for("organisations.overview", slug=association.slug),
            detail=association.name,
        )
        for association, count in needs.unadopted_counts(principal.admin_of, today.year)
    ]
    return items


def _day(mine: item_services.MyActivity) -> str:
    return format_date(mine.activity.due_date, "long") if mine.activity.due_date else ""
