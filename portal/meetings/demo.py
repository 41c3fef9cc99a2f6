"""Demo meetings for the Gävleborg demo: four a year per group for 2024–2026.

Held meetings get attendance (with one agency often missing in some groups, and
some substitutes) and approved minutes; the December 2026 meeting is upcoming.
Idempotent: each demo meeting has a fixed UID and is skipped when it exists. No
mail is queued: minutes and attendance are written directly, as history.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

import sqlalchemy as sa

from portal.core import clock
from portal.db import utcnow
from portal.extensions import db
from portal.groups.models import Group, Membership, MembershipRole
from portal.meetings.models import (
    Answer,
    AttendanceStatus,
    Invitee,
    Meeting,
    Minutes,
    MinutesItem,
    MinutesItemKind,
    MinutesRevision,
    MinutesStatus,
    Substitute,
)
from portal.meetings.services import meetings as services
from portal.organisations.models import Association

YEARS = (2024, 2025, 2026)
# Second Tuesday of February, May and September; the last one early in December.
MONTH_DAYS = ((2, 13), (5, 14), (9, 10), (12, 8))


def _days(year: int) -> list[dt.date]:
    out = []
    for month, day in MONTH_DAYS:
        date = dt.date(year, month, day)
        out.append(date + dt.timedelta(days=(1 - date.weekday()) % 7))  # the next Tuesday
    return out


def load_demo(association: Association) -> None:
    """Create the demo meetings of every group of the association (once)."""
    groups = db.session.scalars(
        sa.select(Group).where(Group.association_id == association.id).order_by(Group.name)
    ).all()
    for index, group in enumerate(groups):
        for year in YEARS:
            for number, day in enumerate(_days(year), start=1):
                uid = f"demo-{group.id}-{year}-{number}@samverkansportalen"
                if db.session.scalar(sa.select(Meeting.id).where(Meeting.uid == uid)):
                    continue
                meeting = _meeting(group, day, uid)
                if meeting.ends_at >= utcnow():
                    _answers(group, meeting, index)
                else:
                    rng = random.Random(f"{group.name}-{year}-{number}")  # noqa: S311 - demo data
                    _attendance(group, meeting, index, rng)
                    latest = (year, number) == (YEARS[-1], len(MONTH_DAYS) - 1)
                    _minutes(group, meeting, rng, _LATEST_STATES[index % 3] if latest else None)
    db.session.flush()


def _meeting(group: Group, day: dt.date, uid: str) -> Meeting:
    place = f"{group.municipalities[0].name}, sammanträdesrum Samverkan"
    meeting = services.create_meeting(
        None,
        group,
        services.MeetingData(
            starts_at=clock.local_datetime(day, dt.time(9)),
            ends_at=clock.local_datetime(day, dt.time(11, 30)),
            place=place,
            video_link="https://video.example.org/mysam" if day.month == 12 else "",
            purpose="Följa upp handlingsplanen och dela aktuellt från parterna.",
            agenda=[
                "Mötets öppnande och val av justerare",
                "Minnesanteckningar från föregående möte",
                "Uppföljning av handlingsplanen",
                "Aktuellt från parterna",
                "Övriga frågor",
            ],
        ),
    )
    meeting.uid = uid
    meeting.notice_sent_at = meeting.starts_at - dt.timedelta(days=21)
    return meeting


def _answers(group: Group, meeting: Meeting, index: int) -> None:
    """Answers to an upcoming meeting's notice: the process leader and every other
    person coming, one person per group (not the leader) unable to come, with a
    substitute named in every other group; the rest have not answered, so the
    meeting page and ``notify run`` have both kinds to show."""
    db.session.flush()
    invitees = sorted(
        meeting.invitees, key=lambda i: (i.role is not MembershipRole.PROCESS_LEADER, i.user.name)
    )
    answered_at = meeting.notice_sent_at or utcnow()
    for number, invitee in enumerate(invitees):
        if invitee.role is MembershipRole.PROCESS_LEADER or number % 3 == 2:
            invitee.answer = Answer.COMING
            invitee.answered_at = answered_at
    others = [
        i for i in invitees if i.role is not MembershipRole.PROCESS_LEADER and i.answer is None
    ]
    if not others:
        return
    away = others[0]
    away.answer = Answer.NOT_COMING
    away.answered_at = answered_at
    away.status = AttendanceStatus.EXCUSED
    if index % 2 == 0:
        db.session.add(
            Substitute(
                meeting_id=meeting.id,
                invitee=away,
                name=f"Vikarie från {away.agency.name}",
                email=f"vikarie.{group.id}@example.org",
                agency_id=away.agency_id,
                notice_sent_at=answered_at,
            )
        )


def _attendance(group: Group, meeting: Meeting, index: int, rng: random.Random) -> None:
    substitutes = db.session.scalars(
        sa.select(Membership).where(
            Membership.group_id == group.id, Membership.role == MembershipRole.SUBSTITUTE
        )
    ).all()
    often_absent = "Arbetsförmedlingen" if index % 3 == 1 else None
    for invitee in meeting.invitees:
        chance = 0.55 if invitee.agency.name == often_absent else 0.12
        if invitee.role is MembershipRole.PROCESS_LEADER or rng.random() >= chance:
            invitee.status = AttendanceStatus.PRESENT
            continue
        invitee.status = rng.choice([AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT])
        if invitee.status is AttendanceStatus.EXCUSED and rng.random() < 0.4:
            _substitute(meeting, invitee, substitutes)


def _substitute(meeting: Meeting, invitee: Invitee, substitutes: Sequence[Membership]) -> None:
    standing = next((s for s in substitutes if s.agency_id == invitee.agency_id), None)
    db.session.add(
        Substitute(
            meeting_id=meeting.id,
            invitee=invitee,
            user_id=standing.user_id if standing else None,
            name=standing.user.name if standing else f"Kollega från {invitee.agency.name}",
            agency_id=invitee.agency_id,
        )
    )


# The year's last held meeting shows the minutes under way in some groups, so the
# meetings list has every status: a draft, minutes with the adjuster, approved ones.
_LATEST_STATES = (MinutesStatus.DRAFT, MinutesStatus.SUBMITTED, None)


def _minutes(
    group: Group, meeting: Meeting, rng: random.Random, state: MinutesStatus | None = None
) -> None:
    """Minutes written by the process leader and approved by someone else present
    (``state`` draft or submitted: not approved yet)."""
    present = [i for i in meeting.invitees if i.status is AttendanceStatus.PRESENT]
    leader = next((i for i in present if i.role is MembershipRole.PROCESS_LEADER), None)
    # The adjuster is never the writer (the process leader): someone else present, or
    # else someone else invited.
    others = [i for i in present if i is not leader] or [
        i for i in meeting.invitees if i is not leader
    ]
    if not others:
        return
    adjuster = rng.choice(others)
    day = clock.local_date(meeting.starts_at)
    body = "\n".join(
        [
            f"# Minnesanteckningar, {group.name} {day.isoformat()}",
            "",
            f"**Närvarande:** {', '.join(sorted(i.user.name for i in present))}",
            "",
            "## 1. Mötets öppnande",
            f"Processledaren öppnade mötet. {adjuster.user.name} valdes till justerare.",
            "",
            "## 2. Uppföljning av handlingsplanen",
            "- Gruppen gick igenom åtgärderna och deras status.",
            "- Samverkan kring unga utan sysselsättning fortsätter.",
            "",
            "## 3. Aktuellt från parterna",
            "Parterna delade information om förändringar i sina verksamheter.",
        ]
    )
    approved_at = meeting.ends_at + dt.timedelta(days=7) if state is None else None
    minutes = Minutes(
        meeting_id=meeting.id,
        status=state or MinutesStatus.APPROVED,
        adjuster_id=adjuster.user_id if state is not MinutesStatus.DRAFT else None,
        submitted_at=meeting.ends_at + dt.timedelta(days=2)
        if state is not MinutesStatus.DRAFT
        else None,
    )
    minutes.revisions.append(
        MinutesRevision(
            number=1,
            body=body,
            author_id=leader.user_id if leader else None,
            created_at=meeting.ends_at + dt.timedelta(days=1),
            approved_at=approved_at,
            approved_by_id=adjuster.user_id if approved_at else None,
        )
    )
    minutes.items.append(
        MinutesItem(kind=MinutesItemKind.DECISION, text="Nästa möte enligt årsplaneringen.")
    )
    minutes.items.append(
        MinutesItem(
            kind=MinutesItemKind.FOLLOW_UP,
            text="Bjuda in en representant för vuxenutbildningen.",
            responsible=leader.user.name if leader else "",
            position=1,
        )
    )
    db.session.add(minutes)
