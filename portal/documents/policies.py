"""Who may read and change a document: whoever may read and run what it is attached to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.meetings import policies as meeting_policies
from portal.plans import policies as plan_policies

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.groups.models import Group
    from portal.meetings.models import Meeting
    from portal.plans.models import Plan


def can_read(user: User, group: Group, *, plan: bool) -> bool:
    """A meeting's or minutes' files: the meeting's readers; a plan's: the plan's."""
    if plan:
        return plan_policies.can_read_plan(user, group)
    return meeting_policies.can_read_meetings(user, group)


def can_manage(user: User, group: Group, *, plan: bool) -> bool:
    """Those who run the meeting or edit the plan attach and remove its files."""
    if plan:
        return plan_policies.can_edit_plan(user, group)
    return meeting_policies.can_manage_meetings(user, group)


def can_attach_to_meeting(user: User, meeting: Meeting) -> bool:
    return can_manage(user, meeting.group, plan=False)


def can_attach_to_plan(user: User, plan: Plan) -> bool:
    return can_manage(user, plan.group, plan=True)
