"""Follow-ups in the minutes and the group's action plan.

A follow-up item can create an activity in the plan for the meeting's year, or point at
an existing activity of that plan and update its status and outcome. The activity
itself is always changed through the plans domain's services, so the plan's rules
(dates within the plan year, history, revised status) apply unchanged. The link is
part of the minutes: it is made while the minutes are a draft, which after approval
means as part of a correction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import audit
from portal.core.clock import local_date
from portal.core.errors import DomainError
from portal.extensions import db
from portal.groups.models import Group
from portal.meetings import policies as meeting_policies
from portal.meetings.models import Meeting, Minutes, MinutesItem, MinutesItemKind, MinutesStatus
from portal.plans import policies as plan_policies
from portal.plans.models import LINE_MAX, Activity, ActivityStatus, Plan
from portal.plans.services import items as plan_items
from portal.plans.services import plans as plan_services
from portal.plans.services import responsible


def can_link_follow_ups(user: User, group: Group) -> bool:
    """Those who edit the minutes and also edit the group's action plan."""
    return meeting_policies.can_manage_meetings(user, group) and plan_policies.can_edit_plan(
        user, group
    )


def plan_year(meeting: Meeting) -> int:
    """The plan year a meeting belongs to: its year in Stockholm."""
    return local_date(meeting.starts_at).year


def plan_of(meeting: Meeting) -> Plan | None:
    """The group's action plan for the meeting's year, or None."""
    return plan_services.plan_for(meeting.group, plan_year(meeting))


def activities_of(plan: Plan | None) -> list[Activity]:
    """The plan's activities in the plan's order (one query), for the link form and links."""
    if plan is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Activity)
            .where(Activity.plan_id == plan.id)
            .order_by(Activity.position, Activity.id)
        )
    )


def _require_plan(meeting: Meeting) -> Plan:
    plan = plan_of(meeting)
    if plan is None:
        raise DomainError(
            _(
                "%(group)s has no action plan for %(year)d. Create the plan first.",
                group=meeting.group.name,
                year=plan_year(meeting),
            )
        )
    return plan


def _follow_up(minutes: Minutes | None, item_id: int) -> tuple[Minutes, MinutesItem]:
    """The follow-up item of these minutes, if the minutes may still change."""
    item = next((i for i in minutes.items if i.id == item_id), None) if minutes else None
    if minutes is None or item is None or item.kind is not MinutesItemKind.FOLLOW_UP:
        raise DomainError(_("No such follow-up in these minutes."))
    if minutes.status is MinutesStatus.SUBMITTED:
        raise DomainError(
            _("The minutes are with the adjuster and cannot be changed until they are returned.")
        )
    if minutes.status is MinutesStatus.APPROVED:
        raise DomainError(_("Approved minutes are frozen. Make a correction first."))
    return minutes, item


def _audit(actor: User, action: str, minutes: Minutes, item: MinutesItem, **after: object) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=minutes,
        association_id=minutes.meeting.association_id,
        summary=item.text[:200],
        after={"item": item.id, **after},
    )


def _what(text: str) -> str:
    """The follow-up's text as an activity title (the full text stays in the minutes)."""
    text = " ".join(text.split())
    return text if len(text) <= LINE_MAX else text[: LINE_MAX - 1].rstrip() + "…"


def _responsible_id(plan: Plan, name: str) -> int | None:
    """The person in the register whose name is exactly the item's free text, if just one;
    where several share the name, the one who sits in the group, if just one does."""
    wanted = name.strip().casefold()
    if not wanted:
        return None
    found = [c for c in responsible.candidates(plan) if c.name.casefold() == wanted]
    if len(found) > 1:
        found = [c for c in found if c.in_group]
    return found[0].user_id if len(found) == 1 else None


def create_activity(
    actor: User, meeting: Meeting, minutes: Minutes | None, item_id: int
) -> Activity:
    """A new activity in the group's plan for the meeting's year, from a follow-up.

    The due date is the item's when it falls within the plan year, otherwise left open.
    """
    minutes, item = _follow_up(minutes, item_id)
    if item.activity_id is not None:
        raise DomainError(_("This follow-up is already linked to an activity."))
    plan = _require_plan(meeting)
    due = item.due_on if item.due_on is not None and item.due_on.year == plan.year else None
    activity = plan_items.add_activity(
        actor,
        plan,
        plan_items.ActivityData(
            what=_what(item.text),
            responsible_id=_responsible_id(plan, item.responsible),
            due_date=due,
            status=ActivityStatus.NOT_STARTED,
        ),
    )
    item.activity_id = activity.id
    item.activity = activity
    db.session.flush()
    _audit(actor, "minutes.follow_up_create", minutes, item, activity=activity.id, plan=plan.id)
    return activity


@dataclass(frozen=True)
class LinkData:
    """What the link form submits: the activity, and optionally its new status and outcome."""

    activity_id: int
    status: ActivityStatus | None = None
    outcome: str = ""


def link_activity(
    actor: User, meeting: Meeting, minutes: Minutes | None, item_id: int, data: LinkData
) -> Activity:
    """Link a follow-up to an activity of the plan; update its status and outcome if given.

    An empty outcome keeps the activity's outcome as it is.
    """
    minutes, item = _follow_up(minutes, item_id)
    plan = _require_plan(meeting)
    activity = db.session.get(Activity, data.activity_id)
    if activity is None or activity.plan_id != plan.id:
        raise DomainError(
            _("Choose an activity of the action plan for %(year)d.", year=plan.year),
            field="activity_id",
        )
    outcome = data.outcome.strip() or activity.outcome
    status = data.status or activity.status
    if status is not activity.status or outcome != activity.outcome:
        plan_items.update_progress(actor, activity, status, outcome, activity.lock_version)
    if item.activity_id != activity.id:
        previous = item.activity_id
        item.activity_id = activity.id
        item.activity = activity
        db.session.flush()
        _audit(
            actor, "minutes.follow_up_link", minutes, item, activity=activity.id, previous=previous
        )
    return activity


def discussed_in(activity_ids: list[int]) -> dict[int, list[Meeting]]:
    """Per activity, the meetings whose minutes have a follow-up linked to it, oldest first.

    One query whatever the number of activities.
    """
    if not activity_ids:
        return {}
    rows = db.session.execute(
        sa.select(MinutesItem.activity_id, Meeting)
        .join(Minutes, Minutes.id == MinutesItem.minutes_id)
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .where(MinutesItem.activity_id.in_(activity_ids))
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    out: dict[int, list[Meeting]] = defaultdict(list)
    for activity_id, meeting in rows:
        if activity_id is not None and meeting not in out[activity_id]:
            out[activity_id].append(meeting)
    return dict(out)
