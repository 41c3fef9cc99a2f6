"""The meetings domain's part of the start page (``core.signals.needs_me``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _

from portal.core.clock import local_date
from portal.core.permissions import Principal
from portal.core.signals import Need
from portal.db import utcnow
from portal.meetings.services import needs


def meeting_needs(user: Any, *, principal: Principal, today: dt.date) -> list[Need]:
    """Meetings coming up that the person has not answered; minutes they are to approve."""
    items = [
        Need(
            kind="meeting_to_answer",
            title=_(
                "Meeting of %(group)s on %(day)s",
                group=m.group.name,
                day=format_date(m.starts_at, "long"),
            ),
            url=url_for("meetings.show", slug=m.group.association.slug, meeting_id=m.id),
            due=local_date(m.starts_at),
            detail=_(
                "You are invited: say whether you are coming. The notice has the agenda "
                "and the documents."
            ),
        )
        for m in needs.to_answer(user.id, utcnow())
        if m.group_id in principal.groups or m.group.association_id in principal.admin_of
    ]
    items += [
        Need(
            kind="minutes_to_adjust",
            title=_(
                "Approve the minutes of %(group)s from %(day)s",
                group=minutes.meeting.group.name,
                day=format_date(minutes.meeting.starts_at, "long"),
            ),
            url=url_for(
                "meetings.minutes",
                slug=minutes.meeting.group.association.slug,
                meeting_id=minutes.meeting_id,
            ),
            due=None,
            detail=_(
                "Sent to you for approval on %(day)s.",
                day=format_date(minutes.submitted_at or minutes.updated_at, "long"),
            ),
        )
        for minutes in needs.minutes_to_approve(user.id)
    ]
    return items
