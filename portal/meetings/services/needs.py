"""What of a person's meetings needs them: meetings coming up, minutes to approve."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.groups.models import Group
from portal.meetings.models import Invitee, Meeting, Minutes, MinutesStatus

UPCOMING_DAYS = 45


def to_answer(user_id: int, now: dt.datetime) -> Sequence[Meeting]:
    """Meetings within ``UPCOMING_DAYS`` whose notice invited the person and which they
    have not answered yet (coming or not), soonest first."""
    return db.session.scalars(
        sa.select(Meeting)
        .join(Invitee, Invitee.meeting_id == Meeting.id)
        .where(
            Invitee.user_id == user_id,
            Invitee.answer.is_(None),
            Meeting.notice_sent_at.is_not(None),
            Meeting.starts_at >= now,
            Meeting.starts_at < now + dt.timedelta(days=UPCOMING_DAYS),
        )
        .options(joinedload(Meeting.group).joinedload(Group.association))
        .order_by(Meeting.starts_at)
    ).all()


def minutes_to_approve(user_id: int) -> Sequence[Minutes]:
    """Minutes sent to the person for approval (justering), oldest first."""
    return db.session.scalars(
        sa.select(Minutes)
        .where(Minutes.adjuster_id == user_id, Minutes.status == MinutesStatus.SUBMITTED)
        .options(
            joinedload(Minutes.meeting).joinedload(Meeting.group).joinedload(Group.association)
        )
        .order_by(Minutes.submitted_at)
    ).all()
