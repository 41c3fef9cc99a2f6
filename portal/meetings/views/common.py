"""Loading what a meeting page shows: the group or meeting, scoped and authorized."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from portal.core.loaders import load_scoped, require
from portal.groups.models import Group
from portal.meetings import policies
from portal.meetings.models import Meeting
from portal.meetings.services import follow_ups
from portal.meetings.services import meetings as services
from portal.organisations.loaders import load_association
from portal.organisations.models import Association
from portal.plans.models import Activity


def load_group(slug: str, group_id: int) -> tuple[Association, Group]:
    """The association and a group of it whose meetings the person may read, else 404."""
    association = load_association(slug)
    group = load_scoped(Group, group_id, association)
    require(policies.can_read_meetings(current_user, group))
    return association, group


def load_meeting(
    slug: str, meeting_id: int, *, manage: bool = False
) -> tuple[Association, Meeting]:
    """A meeting the person may read (or, with ``manage``, run), else 404."""
    association = load_association(slug)
    meeting = services.load_meeting(meeting_id, association.id)
    if meeting is None:
        abort(404)
    allowed = (
        policies.can_manage_meetings(current_user, meeting.group)
        if manage
        else policies.can_read_meetings(current_user, meeting.group)
    )
    require(allowed)
    return association, meeting


def meetings_of_activities(activities: list[Activity], group: Group) -> dict[str, Any]:
    """For plan pages (``core.signals.activities_shown``): per activity id the meetings
    whose minutes followed it up, and whether the person may open those meetings."""
    return {
        "discussed": follow_ups.discussed_in([a.id for a in activities]),
        "see_meetings": policies.can_read_meetings(current_user, group),
    }
