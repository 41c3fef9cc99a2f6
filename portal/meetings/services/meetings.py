"""Scheduling meetings, the invited list, and notices (kallelse) through the outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.core import audit, signals
from portal.core.clock import local_date, local_datetime
from portal.core.concurrency import bump, check_version
from portal.core.errors import DomainError
from portal.core.mail import queue_mail, render_mail
from portal.db import utcnow
from portal.extensions import db
from portal.groups.models import Group, Membership, MembershipRole
from portal.meetings.models import (
    AGENDA_ITEMS_MAX,
    AGENDA_TITLE_MAX,
    AgendaItem,
    Invitee,
    Meeting,
    Substitute,
)
from portal.meetings.services import answer_links, answers, ical

MEETING_FIELDS = ("starts_at", "ends_at", "place", "video_link", "purpose", "sequence")
MEETINGS_PER_YEAR = 4


@dataclass(frozen=True)
class MeetingData:
    """What the meeting form submits, times already in UTC."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = ""
    video_link: str = ""
    purpose: str = ""
    agenda: list[str] = field(default_factory=list)


def _check(data: MeetingData) -> None:
    if data.ends_at <= data.starts_at:
        raise DomainError(_("The meeting must end after it starts."), field="end_time")
    if not data.place.strip() and not data.video_link.strip():
        raise DomainError(_("Give a place or a video link."), field="place")
    if data.video_link and not data.video_link.startswith(("https://", "http://")):
        raise DomainError(_("The video link must start with https://."), field="video_link")
    if len(data.agenda) > AGENDA_ITEMS_MAX:
        raise DomainError(
            _("The agenda can have at most %(n)d items.", n=AGENDA_ITEMS_MAX), field="agenda"
        )
    for number, title in enumerate(data.agenda, start=1):
        if len(title) > AGENDA_TITLE_MAX:
            raise DomainError(
                _(
                    "Agenda item %(number)d is longer than %(n)d characters.",
                    number=number,
                    n=AGENDA_TITLE_MAX,
                ),
                field="agenda",
            )


def _snapshot(meeting: Meeting) -> dict[str, object]:
    out = audit.snapshot(meeting, MEETING_FIELDS)
    out["agenda"] = [item.title for item in meeting.agenda_items]
    return out


def _apply(meeting: Meeting, data: MeetingData) -> None:
    meeting.starts_at = data.starts_at
    meeting.ends_at = data.ends_at
    meeting.place = data.place.strip()
    meeting.video_link = data.video_link.strip()
    meeting.purpose = data.purpose.strip()
    titles = [t.strip() for t in data.agenda if t.strip()]
    existing = list(meeting.agenda_items)
    for position, title in enumerate(titles):
        if position < len(existing):
            existing[position].title = title
        else:
            meeting.agenda_items.append(AgendaItem(position=position, title=title))
    for item in existing[len(titles) :]:
        meeting.agenda_items.remove(item)


def members_on(group: Group, day: dt.date) -> list[Membership]:
    """The group's seats in force on ``day`` that are invited: all but standing substitutes.

    One seat per person (the earliest) even if they sit for two agencies.
    """
    seats = db.session.scalars(
        sa.select(Membership)
        .where(
            Membership.group_id == group.id,
            Membership.role != MembershipRole.SUBSTITUTE,
            Membership.valid_from <= day,
            sa.or_(Membership.valid_to.is_(None), Membership.valid_to >= day),
        )
        .order_by(Membership.valid_from, Membership.id)
    )
    by_user: dict[int, Membership] = {}
    for seat in seats:
        by_user.setdefault(seat.user_id, seat)
    return list(by_user.values())


def sync_invitees(meeting: Meeting) -> None:
    """Make the invited list the group's members on the meeting's day.

    People whose attendance or substitute is already recorded stay: that record is history.
    """
    seats = {m.user_id: m for m in members_on(meeting.group, local_date(meeting.starts_at))}
    current = {i.user_id: i for i in meeting.invitees}
    for user_id, invitee in current.items():
        if user_id not in seats and invitee.status is None and invitee.substitute is None:
            meeting.invitees.remove(invitee)
    for user_id, seat in seats.items():
        if user_id not in current:
            meeting.invitees.append(
                Invitee(user_id=user_id, agency_id=seat.agency_id, role=seat.role)
            )


def create_meeting(actor: User | None, group: Group, data: MeetingData) -> Meeting:
    """Schedule a meeting; the invited list is the group's members on that day."""
    _check(data)
    meeting = Meeting(
        association_id=group.association_id,
        group_id=group.id,
        group=group,
        uid=f"{uuid.uuid4()}@samverkansportalen",
    )
    _apply(meeting, data)
    db.session.add(meeting)
    sync_invitees(meeting)
    db.session.flush()
    audit.record(
        actor=actor,
        action="meeting.create",
        obj=meeting,
        association_id=group.association_id,
        summary=f"{group.name} {local_date(meeting.starts_at).isoformat()}",
        after=_snapshot(meeting),
    )
    return meeting


def update_meeting(
    actor: User,
    meeting: Meeting,
    data: MeetingData,
    link: str | None = None,
    lock_version: int | None = None,
) -> bool:
    """Change a meeting and its agenda, unless someone saved it since the form was
    opened. Once a notice has gone out, an update (same UID, next SEQUENCE) goes to
    everyone invited. Returns whether an update was sent."""
    _check(data)
    check_version(meeting, lock_version)
    before = _snapshot(meeting)
    _apply(meeting, data)
    before_cmp = {k: v for k, v in before.items() if k != "sequence"}
    after_cmp = {k: v for k, v in _snapshot(meeting).items() if k != "sequence"}
    if not audit.changed(before_cmp, after_cmp):
        return False
    sync_invitees(meeting)
    bump(meeting)
    notify = meeting.notice_sent_at is not None
    if notify:
        meeting.sequence += 1
    db.session.flush()
    audit.record(
        actor=actor,
        action="meeting.update",
        obj=meeting,
        association_id=meeting.association_id,
        summary=f"{meeting.group.name} {local_date(meeting.starts_at).isoformat()}",
        before=before,
        after=_snapshot(meeting),
    )
    if notify:
        _queue_notices(meeting, link, update=True)
        for invitee in meeting.invitees:
            if invitee.substitute is not None and invitee.substitute.notice_sent_at:
                answers.queue_substitute_notice(invitee.substitute, update=True)
    return notify


def default_agenda() -> list[str]:
    """The standing items of a Mysam meeting, in the reader's language."""
    return [
        _("Opening and choice of adjuster"),
        _("Notes from the previous meeting"),
        _("Follow-up of the action plan"),
        _("News from the agencies"),
        _("Any other business"),
    ]


@dataclass(frozen=True)
class YearData:
    """The year's four meetings: four days sharing time, place and purpose."""

    days: list[dt.date]
    start: dt.time
    end: dt.time
    place: str = ""
    video_link: str = ""
    purpose: str = ""


def create_year(actor: User, group: Group, data: YearData) -> list[Meeting]:
    """Schedule the year's four meetings in one step, each with the standing agenda."""
    days = sorted(data.days)
    if len(days) != MEETINGS_PER_YEAR or len(set(days)) != MEETINGS_PER_YEAR:
        raise DomainError(_("Give four different days."), field="day_1")
    if len({d.year for d in days}) != 1:
        raise DomainError(_("The four days must be in the same year."), field="day_1")
    return [
        create_meeting(
            actor,
            group,
            MeetingData(
                starts_at=local_datetime(day, data.start),
                ends_at=local_datetime(day, data.end),
                place=data.place,
                video_link=data.video_link,
                purpose=data.purpose,
                agenda=default_agenda(),
            ),
        )
        for day in days
    ]


def meetings_of(group: Group) -> list[Meeting]:
    """The group's meetings, newest first."""
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.group_id == group.id)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        )
    )


def load_meeting(meeting_id: int, association_id: int) -> Meeting | None:
    """A meeting of the association with its group, agenda and invited people, or None."""
    return db.session.scalar(
        sa.select(Meeting)
        .where(Meeting.id == meeting_id, Meeting.association_id == association_id)
        .options(
            # Three queries whatever the number of invitees: the rows each one points
            # to are joined in.
            joinedload(Meeting.group),
            selectinload(Meeting.agenda_items),
            selectinload(Meeting.invitees).joinedload(Invitee.user),
            selectinload(Meeting.invitees).joinedload(Invitee.agency),
            selectinload(Meeting.invitees)
            .joinedload(Invitee.substitute)
            .joinedload(Substitute.agency),
        )
    )


def send_notice(actor: User, meeting: Meeting, link: str | None = None) -> int:
    """Queue the notice with the agenda and an .ics to everyone invited; returns how many."""
    if not meeting.invitees:
        raise DomainError(_("Nobody is invited: the group has no members on that day."))
    again = meeting.notice_sent_at is not None
    meeting.notice_sent_at = utcnow()
    count = _queue_notices(meeting, link, update=False)
    audit.record(
        actor=actor,
        action="meeting.notice_again" if again else "meeting.notice",
        obj=meeting,
        association_id=meeting.association_id,
        summary=_("%(n)d recipients", n=count),
    )
    return count


def _queue_notices(meeting: Meeting, link: str | None, *, update: bool) -> int:
    organizer = str(current_app.config["MAIL_DEFAULT_SENDER"])
    # The documents domain answers with (title, url) pairs; asked once for every recipient.
    attachments = signals.page_context(signals.attachments_mailed, meeting).get("attachments")
    count = 0
    for invitee in sorted(meeting.invitees, key=lambda i: i.user.name):
        user = invitee.user
        if not user.active:
            continue
        marker = answer_links.LINK_MARKER.format(id=answer_links.issue_link(invitee).id)
        subject, body = render_mail(
            "meetings/notice",
            user.locale,
            meeting=meeting,
            link=link,
            update=update,
            attachments=attachments or [],
            answer=marker,
        )
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            summary = ical.meeting_summary(meeting)  # the calendar file's title
        queue_mail(
            recipient=user.email,
            subject=subject,
            body=body,
            association_id=meeting.association_id,
            attachments=[
                {
                    "filename": "kallelse.ics",
                    "content_type": "text/calendar; method=REQUEST",
                    "content": ical.notice_ics(meeting, summary, organizer, user.email, link),
                }
            ],
        )
        count += 1
    return count
