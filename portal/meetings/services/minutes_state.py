"""Where a meeting's minutes stand, in one word: the minutes page and the meetings list
say the same thing, read the same way."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.meetings.models import Minutes, MinutesRevision, MinutesStatus


class MinutesState(enum.StrEnum):
    """The minutes' state as people read it."""

    NOT_WRITTEN = "not_written"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CORRECTION = "correction"  # approved, and a correction is being written or approved


MINUTES_STATE_LABELS = {
    MinutesState.NOT_WRITTEN: _l("Not written yet"),
    MinutesState.DRAFT: _l("Draft"),
    MinutesState.SUBMITTED: _l("Sent for approval"),
    MinutesState.APPROVED: _l("Approved"),
    MinutesState.CORRECTION: _l("Approved; correction not yet approved"),
}


def state_of(status: MinutesStatus | None, revisions: int, approved: int) -> MinutesState:
    """The state from the minutes' status and how many revisions (approved) they have."""
    if status is None or not revisions:
        return MinutesState.NOT_WRITTEN
    if status is MinutesStatus.APPROVED:
        return MinutesState.APPROVED
    if approved:
        return MinutesState.CORRECTION
    if status is MinutesStatus.SUBMITTED:
        return MinutesState.SUBMITTED
    return MinutesState.DRAFT


def state(minutes: Minutes | None) -> MinutesState:
    """The state of loaded minutes (revisions included)."""
    if minutes is None:
        return MinutesState.NOT_WRITTEN
    approved = sum(1 for r in minutes.revisions if r.approved_at is not None)
    return state_of(minutes.status, len(minutes.revisions), approved)


def states(meeting_ids: list[int]) -> dict[int, MinutesState]:
    """Meeting id → the state of its minutes, for a list of meetings (one query)."""
    out = dict.fromkeys(meeting_ids, MinutesState.NOT_WRITTEN)
    if not meeting_ids:
        return out
    rows = db.session.execute(
        sa.select(
            Minutes.meeting_id,
            Minutes.status,
            sa.func.count(MinutesRevision.id),
            sa.func.count(MinutesRevision.approved_at),
        )
        .outerjoin(MinutesRevision, MinutesRevision.minutes_id == Minutes.id)
        .where(Minutes.meeting_id.in_(meeting_ids))
        .group_by(Minutes.id, Minutes.meeting_id, Minutes.status)
    )
    for meeting_id, status, revisions, approved in rows:
        out[meeting_id] = state_of(status, int(revisions), int(approved))
    return out
