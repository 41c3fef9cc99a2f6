"""Meeting statistics per group and year, aggregated in SQL.

Every function takes a list of group ids and a year (or a span of days, for the
board's half-year summary) and costs one query however many groups, meetings and
people there are, so the association page and the board reports read the same
figures from the same code.

Definitions:
- a meeting is *held* when it has started (``starts_at`` before now) in the year,
  counted in Stockholm time;
- attendance rates count invited people whose attendance was recorded;
- an agency is *represented* at a meeting when one of its invited people was present
  or a substitute attended for it; it is *flagged* when it was missing from at least
  half of the meetings it was invited to;
- turnover counts seats (memberships): held at the start (held on the first day, so a
  seat beginning on 1 January counts here, not as new), begun after the first day,
  and ended within the year or span (a last day of 31 December included); the rate
  is seats ended over seats held at the start.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.clock import STOCKHOLM
from portal.db import utcnow
from portal.extensions import db
from portal.groups.models import Membership
from portal.meetings.models import AttendanceStatus, Invitee, Meeting, Substitute
from portal.organisations.models import Agency

Span = tuple[dt.date, dt.date]  # first and last day, inclusive
When = int | Span


def days(when: When) -> Span:
    """The first and last day of a year, or the span itself."""
    if isinstance(when, int):
        return dt.date(when, 1, 1), dt.date(when, 12, 31)
    return when


def year_bounds(when: When) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the year (or span) and the first after it, Stockholm time, in UTC."""
    first, last = days(when)
    start = dt.datetime.combine(first, dt.time(), tzinfo=STOCKHOLM).astimezone(dt.UTC)
    after = last + dt.timedelta(days=1)
    end = dt.datetime.combine(after, dt.time(), tzinfo=STOCKHOLM).astimezone(dt.UTC)
    return start, end


def _held(
    group_ids: list[int], year: When, now: dt.datetime | None
) -> list[sa.ColumnElement[bool]]:
    start, end = year_bounds(year)
    return [
        Meeting.group_id.in_(group_ids),
        Meeting.starts_at >= start,
        Meeting.starts_at < end,
        Meeting.starts_at <= (now or utcnow()),
    ]


def _held_params(group_ids: list[int], year: When, now: dt.datetime | None) -> dict[str, Any]:
    """The values of ``_HELD`` (the groups' meetings held in the year or span)."""
    start, end = year_bounds(year)
    return {"groups": group_ids, "start": start, "end": end, "now": now or utcnow()}


# ``_held`` with its values left to the execution, for statements built once.
_HELD = (
    Meeting.group_id.in_(sa.bindparam("groups", expanding=True)),
    Meeting.starts_at >= sa.bindparam("start"),
    Meeting.starts_at < sa.bindparam("end"),
    Meeting.starts_at <= sa.bindparam("now"),
)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class GroupFigures:
    """A group's meetings in the year and its overall attendance rate."""

    planned: int
    held: int
    recorded_seats: int
    present_seats: int

    @property
    def rate(self) -> float | None:
        return _rate(self.present_seats, self.recorded_seats)


def group_figures(
    group_ids: list[int], year: When, now: dt.datetime | None = None
) -> dict[int, GroupFigures]:
    """Meetings planned and held, and seats present of seats recorded, per group
    (one query: ``figures_by_year``, whose per-year figures this leaves aside)."""
    return figures_by_year(group_ids, year, now)[0]


def stockholm_year(column: Any, dialect: str) -> sa.ColumnElement[int]:
    """The Stockholm calendar year of a UTC timestamp column, in SQL.

    New Year in Stockholm always falls in winter time (UTC+1), so on SQLite, which
    has no time zones, one hour added to UTC gives the right year.
    """
    if dialect == "postgresql":
        local = sa.func.timezone(str(STOCKHOLM), column)
        return sa.cast(sa.extract("year", local), sa.Integer)
    return sa.cast(sa.func.strftime("%Y", column, "+1 hours"), sa.Integer)


@dataclass(frozen=True)
class YearFigures:
    """All the groups' meetings held in one year, and seats present of recorded."""

    year: int
    held: int
    recorded: int
    present: int

    @property
    def rate(self) -> float | None:
        return _rate(self.present, self.recorded)


def figures_by_year(
    group_ids: list[int], span: When, now: dt.datetime | None = None
) -> tuple[dict[int, GroupFigures], list[YearFigures]]:
    """``group_figures`` for the span, and the groups' figures for every year (Stockholm)
    from their first meeting to their last, in one query."""
    if not group_ids:
        return {}, []
    start, end = year_bounds(span)
    rows = db.session.execute(
        _figures_by_year_statement(db.session.get_bind().dialect.name),
        {"groups": group_ids, "start": start, "end": end, "now": now or utcnow()},
    ).all()
    per_group = {gid: [0, 0, 0, 0] for gid in group_ids}
    per_year: dict[int, list[int]] = {}
    for gid, in_year, *sums in rows:
        counts = [int(n) for n in sums]  # PostgreSQL sums counts as numeric
        per_group[gid] = [a + b for a, b in zip(per_group[gid], counts[:4], strict=True)]
        totals = per_year.setdefault(int(in_year), [0, 0, 0])
        per_year[int(in_year)] = [a + b for a, b in zip(totals, counts[4:], strict=True)]
    figures = {gid: GroupFigures(*c) for gid, c in per_group.items()}
    if not per_year:
        return figures, []
    years = range(min(per_year), max(per_year) + 1)
    return figures, [YearFigures(y, *per_year.get(y, [0, 0, 0])) for y in years]


@functools.cache
def _figures_by_year_statement(dialect: str) -> sa.Select[Any]:
    """``figures_by_year``'s query, built once per dialect (the year is the dialect's
    SQL): building it and its cache key took as long as running it.

    The seats are counted per meeting first and the meetings then per group and year:
    counting distinct meetings over the meeting × invitee rows made PostgreSQL sort
    every attendance row of ten years (half the statement's time at national scale).
    """
    present = Invitee.status == AttendanceStatus.PRESENT
    per_meeting = (
        sa.select(
            Meeting.id,
            Meeting.group_id,
            Meeting.starts_at,
            sa.func.count(Invitee.status).label("recorded"),
            sa.func.count(sa.case((present, Invitee.id))).label("present"),
        )
        .outerjoin(Invitee, Invitee.meeting_id == Meeting.id)
        .where(Meeting.group_id.in_(sa.bindparam("groups", expanding=True)))
        .group_by(Meeting.id, Meeting.group_id, Meeting.starts_at)
        .subquery("per_meeting")
    )
    m = per_meeting.c
    year = stockholm_year(m.starts_at, dialect)
    in_span = sa.and_(m.starts_at >= sa.bindparam("start"), m.starts_at < sa.bindparam("end"))
    held = m.starts_at <= sa.bindparam("now")

    def meetings(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.count(sa.case((condition, m.id)))

    def seats(condition: sa.ColumnElement[bool], seat: sa.ColumnElement[int]) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, seat), else_=0)), 0)

    return sa.select(
        m.group_id, year,
        meetings(in_span), meetings(sa.and_(in_span, held)),
        seats(sa.and_(in_span, held), m.recorded), seats(sa.and_(in_span, held), m.present),
        meetings(held), seats(held, m.recorded), seats(held, m.present),
    ).group_by(m.group_id, year)  # fmt: skip


@dataclass(frozen=True)
class PersonFigures:
    """One person's attendance over a group's held meetings in the year."""

    user_id: int
    name: str
    agency: str
    invited: int
    present: int
    excused: int
    absent: int
    substituted: int

    @property
    def recorded(self) -> int:
        return self.present + self.excused + self.absent

    @property
    def rate(self) -> float | None:
        return _rate(self.present, self.recorded)


def person_figures(group_id: int, year: int, now: dt.datetime | None = None) -> list[PersonFigures]:
    """Attendance per invited person (and the agency they sat for) in one group."""

    def count(status: AttendanceStatus) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((Invitee.status == status, 1), else_=0)), 0)

    rows = db.session.execute(
        sa.select(
            Invitee.user_id,
            User.name,
            Agency.name,
            sa.func.count(Invitee.id),
            count(AttendanceStatus.PRESENT),
            count(AttendanceStatus.EXCUSED),
            count(AttendanceStatus.ABSENT),
            sa.func.count(Substitute.id),
        )
        .join(Meeting, Meeting.id == Invitee.meeting_id)
        .join(User, User.id == Invitee.user_id)
        .join(Agency, Agency.id == Invitee.agency_id)
        .outerjoin(Substitute, Substitute.invitee_id == Invitee.id)
        .where(*_held([group_id], year, now))
        .group_by(Invitee.user_id, User.name, Agency.id, Agency.name)
        .order_by(Agency.name, User.name)
    )
    return [PersonFigures(*(row[:3]), *(int(v) for v in row[3:])) for row in rows]


@dataclass(frozen=True)
class AgencyFigures:
    """An agency's presence at a group's held meetings in the year."""

    agency_id: int
    name: str
    invited: int
    represented: int

    @property
    def missed(self) -> int:
        return self.invited - self.represented

    @property
    def rate(self) -> float | None:
        return _rate(self.represented, self.invited)

    @property
    def flagged(self) -> bool:
        """Missing from at least half of the meetings it was invited to."""
        return self.invited > 0 and 2 * self.missed >= self.invited


def agency_figures(
    group_ids: list[int], year: When, now: dt.datetime | None = None
) -> dict[int, list[AgencyFigures]]:
    """Per group and invited agency: meetings invited to and meetings represented at.

    Only meetings whose attendance was recorded for the agency count.
    """
    rows = db.session.execute(_agency_statement(), _held_params(group_ids, year, now))
    out: dict[int, list[AgencyFigures]] = {gid: [] for gid in group_ids}
    for gid, agency_id, name, invited_count, represented_count in rows:
        out[gid].append(AgencyFigures(agency_id, name, invited_count, represented_count))
    return out


@functools.cache
def _agency_statement() -> sa.Select[Any]:
    """``agency_figures``'s query, built once: building its three subqueries and its
    cache key took longer than running it."""
    invited = (
        sa.select(Meeting.group_id, Invitee.meeting_id, Invitee.agency_id)
        .join(Meeting, Meeting.id == Invitee.meeting_id)
        .where(*_HELD, Invitee.status.is_not(None))
        .distinct()
        .subquery("invited")
    )
    # Both halves are limited to the same meetings: unfiltered, they would read every
    # attendance row of the installation (115 ms at 80 associations × 10 years).
    represented = sa.union(
        sa.select(Invitee.meeting_id, Invitee.agency_id)
        .join(Meeting, Meeting.id == Invitee.meeting_id)
        .where(*_HELD, Invitee.status == AttendanceStatus.PRESENT),
        sa.select(Substitute.meeting_id, Substitute.agency_id)
        .join(Meeting, Meeting.id == Substitute.meeting_id)
        .where(*_HELD),
    ).subquery("represented")
    return (
        sa.select(
            invited.c.group_id,
            invited.c.agency_id,
            Agency.name,
            sa.func.count(),
            sa.func.count(represented.c.meeting_id),
        )
        .select_from(invited)
        .join(Agency, Agency.id == invited.c.agency_id)
        .outerjoin(
            represented,
            sa.and_(
                represented.c.meeting_id == invited.c.meeting_id,
                represented.c.agency_id == invited.c.agency_id,
            ),
        )
        .group_by(invited.c.group_id, invited.c.agency_id, Agency.name)
        .order_by(invited.c.group_id, Agency.name)
    )


@dataclass(frozen=True)
class Turnover:
    """Seats in a group at the start of the year, and seats that began or ended in it."""

    at_start: int
    joined: int
    left: int

    @property
    def rate(self) -> float | None:
        """Seats ended as a share of the seats held at the start of the year."""
        return _rate(self.left, self.at_start)


def turnover_columns() -> list[sa.ColumnElement[int]]:
    """Seats held at the start, begun and ended within the year (or span), as aggregates
    over ``Membership`` rows: for a query grouped by group. The days are bound at
    execution (``turnover_params``), so a query using these can be built once."""
    first, last = sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)

    def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    return [
        count(  # held on the first day: a seat beginning that very day included
            sa.and_(
                Membership.valid_from <= first,
                sa.or_(Membership.valid_to.is_(None), Membership.valid_to >= first),
            )
        ),
        count(sa.and_(Membership.valid_from > first, Membership.valid_from <= last)),
        count(Membership.valid_to.between(first, last)),
    ]


def turnover_params(year: When) -> dict[str, dt.date]:
    """The values of ``turnover_columns``: the first and last day of the year or span."""
    first, last = days(year)
    return {"first": first, "last": last}


def turnover(group_ids: list[int], year: When) -> dict[int, Turnover]:
    """Members joined and left (omsättning) per group in the year (or span)."""
    rows = db.session.execute(
        sa.select(Membership.group_id, *turnover_columns())
        .where(Membership.group_id.in_(group_ids))
        .group_by(Membership.group_id),
        turnover_params(year),
    )
    out = {gid: Turnover(0, 0, 0) for gid in group_ids}
    for gid, at_start, joined, left in rows:
        out[gid] = Turnover(int(at_start), int(joined), int(left))
    return out


def years_with_meetings(group_ids: list[int]) -> list[int]:
    """The years (Stockholm) in which the groups have meetings, newest first."""
    first_last = db.session.execute(
        sa.select(sa.func.min(Meeting.starts_at), sa.func.max(Meeting.starts_at)).where(
            Meeting.group_id.in_(group_ids)
        )
    ).one()
    if first_last[0] is None:
        return []
    low = first_last[0].astimezone(STOCKHOLM).year if first_last[0].tzinfo else first_last[0].year
    high = first_last[1].astimezone(STOCKHOLM).year if first_last[1].tzinfo else first_last[1].year
    return list(range(high, low - 1, -1))
