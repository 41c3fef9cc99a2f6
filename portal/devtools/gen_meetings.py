"""Generated meetings: four a group and year, the members of the day invited.

Held meetings get attendance (one agency often missing in some groups, some excused
members sent a substitute) and approved minutes with a decision and a follow-up;
meetings after today are upcoming, with invitations and nothing else.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from portal.core.clock import local_datetime
from portal.groups.models import MembershipRole
from portal.meetings.demo import _days as meeting_days
from portal.meetings.models import AttendanceStatus, MinutesItemKind, MinutesStatus

if TYPE_CHECKING:
    from portal.devtools.context import AssociationData, Context, GroupData, Seat

AGENDA = [
    "Mötets öppnande och val av justerare",
    "Minnesanteckningar från föregående möte",
    "Uppföljning av handlingsplanen",
    "Aktuellt från parterna",
    "Övriga frågor",
]
PURPOSE = "Följa upp handlingsplanen och dela aktuellt från parterna."


def add_meetings(ctx: Context, association: AssociationData) -> None:
    """Every group's meetings for every year."""
    for index, group in enumerate(association.groups):
        often_absent = group.seats[index % 2].agency_id if index % 3 == 1 else None
        for year in ctx.years:
            for number, day in enumerate(meeting_days(year), start=1):
                _meeting(ctx, association, group, day, number, often_absent)


def _meeting(
    ctx: Context,
    association: AssociationData,
    group: GroupData,
    day: dt.date,
    number: int,
    often_absent: int | None,
) -> None:
    starts_at = local_datetime(day, dt.time(9))
    held = day < ctx.today
    notice = starts_at - dt.timedelta(days=21)
    meeting_id = ctx.writer.add_with_id(
        "meetings",
        {
            "association_id": association.id,
            "group_id": group.id,
            "starts_at": starts_at,
            "ends_at": local_datetime(day, dt.time(11, 30)),
            "place": "Kommunhuset, sammanträdesrum Samverkan",
            "video_link": "https://video.example.org/mysam" if number == 4 else "",
            "purpose": PURPOSE,
            "uid": f"gen-{group.id}-{day.isoformat()}@samverkansportalen",
            "sequence": 0,
            "notice_sent_at": notice if notice < ctx.now else None,
            "created_at": min(notice, ctx.now),
            "updated_at": ctx.now,
        },
    )
    for position, title in enumerate(AGENDA):
        ctx.writer.add_with_id(
            "meeting_agenda_items", {"meeting_id": meeting_id, "position": position, "title": title}
        )
    seats = group.current(day)
    present = []
    for seat in seats:
        status = _status(ctx, seat, often_absent) if held else None
        invitee_id = ctx.writer.add_with_id(
            "meeting_invitees",
            {
                "meeting_id": meeting_id,
                "user_id": seat.user_id,
                "agency_id": seat.agency_id,
                "role": seat.role,
                "status": status,
            },
        )
        if status is AttendanceStatus.PRESENT:
            present.append(seat)
        elif status is AttendanceStatus.EXCUSED and ctx.rng.random() < 0.4:
            _substitute(ctx, group, meeting_id, invitee_id, seat, day)
    if held and present:
        _minutes(ctx, group, meeting_id, starts_at, present)


def _status(ctx: Context, seat: Seat, often_absent: int | None) -> AttendanceStatus:
    chance = 0.5 if seat.agency_id == often_absent else 0.12
    if seat.role is MembershipRole.PROCESS_LEADER or ctx.rng.random() >= chance:
        return AttendanceStatus.PRESENT
    return ctx.rng.choice([AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT])


def _substitute(
    ctx: Context, group: GroupData, meeting_id: int, invitee_id: int, seat: Seat, day: dt.date
) -> None:
    standing = next(
        (
            s
            for s in group.current(day)
            if s.role is MembershipRole.SUBSTITUTE and s.agency_id == seat.agency_id
        ),
        None,
    )
    ctx.writer.add_with_id(
        "meeting_substitutes",
        {
            "meeting_id": meeting_id,
            "invitee_id": invitee_id,
            "user_id": standing.user_id if standing else None,
            "name": ctx.names[standing.user_id] if standing else "Kollega från samma part",
            "agency_id": seat.agency_id,
        },
    )


def _minutes(
    ctx: Context, group: GroupData, meeting_id: int, starts_at: dt.datetime, present: list[Seat]
) -> None:
    leader = next((s for s in present if s.role is MembershipRole.PROCESS_LEADER), None)
    adjuster = ctx.rng.choice([s for s in present if s is not leader] or present)
    ends = starts_at + dt.timedelta(hours=2, minutes=30)
    approved_at = min(ends + dt.timedelta(days=7), ctx.now)
    submitted_at = min(ends + dt.timedelta(days=2), approved_at)
    minutes_id = ctx.writer.add_with_id(
        "meeting_minutes",
        {
            "meeting_id": meeting_id,
            "status": MinutesStatus.APPROVED,
            "adjuster_id": adjuster.user_id,
            "return_comment": None,
            "submitted_at": submitted_at,
            "created_at": min(ends, ctx.now),
            "updated_at": approved_at,
        },
    )
    names = ", ".join(sorted(ctx.names[s.user_id] for s in present))
    body = (
        f"# Minnesanteckningar, {group.name} {starts_at.date().isoformat()}\n\n"
        f"**Närvarande:** {names}\n\n## 1. Mötets öppnande\n"
        f"{ctx.names[adjuster.user_id]} valdes till justerare.\n\n"
        "## 2. Uppföljning av handlingsplanen\n- Gruppen gick igenom åtgärderna och deras status.\n"
        "\n## 3. Aktuellt från parterna\nParterna delade information om förändringar."
    )
    ctx.writer.add_with_id(
        "minutes_revisions",
        {
            "minutes_id": minutes_id,
            "number": 1,
            "body": body,
            "author_id": leader.user_id if leader else None,
            "created_at": min(ends + dt.timedelta(days=1), submitted_at),
            "is_correction": False,
            "approved_at": approved_at,
            "approved_by_id": adjuster.user_id,
        },
    )
    for position, (kind, text) in enumerate(
        [
            (MinutesItemKind.DECISION, "Nästa möte enligt årsplaneringen."),
            (MinutesItemKind.FOLLOW_UP, "Bjuda in en representant för vuxenutbildningen."),
        ]
    ):
        ctx.writer.add_with_id(
            "minutes_items",
            {
                "minutes_id": minutes_id,
                "kind": kind,
                "position": position,
                "text": text,
                "responsible": ctx.names[leader.user_id] if leader else "",
                "due_on": None,
                "activity_id": None,
            },
        )
