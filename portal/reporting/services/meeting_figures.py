"""Meeting figures for the board: meetings held per group, attendance per agency
(often-absent agencies flagged), member turnover.

The figures come from ``portal.meetings.services.stats`` (the statistics pages use the same
functions) for the period's days; nothing here names a person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from portal.groups.models import Group
from portal.meetings.services import stats
from portal.meetings.services.stats import AgencyFigures, GroupFigures, Turnover


@dataclass(frozen=True)
class GroupMeetings:
    """One group's meetings, attendance and turnover in the period."""

    group_id: int
    group: str
    figures: GroupFigures
    turnover: Turnover
    flagged: list[str]  # agencies absent from at least half of the group's meetings


@dataclass(frozen=True)
class AgencyAttendance:
    """An agency over all groups: meetings invited to, represented at, where flagged."""

    name: str
    invited: int
    represented: int
    flagged_in: list[str]

    @property
    def figures(self) -> AgencyFigures:
        return AgencyFigures(0, self.name, self.invited, self.represented)

    @property
    def rate(self) -> float | None:
        return self.figures.rate

    @property
    def flagged(self) -> bool:
        """Missing from at least half of all the meetings it was invited to."""
        return self.figures.flagged


@dataclass(frozen=True)
class MeetingFigures:
    """Everything the meetings section of a summary shows."""

    groups: list[GroupMeetings]
    agencies: list[AgencyAttendance]
    years: list[stats.YearFigures] = field(default_factory=list)  # every year, for the trend

    @property
    def held(self) -> int:
        return sum(g.figures.held for g in self.groups)

    @property
    def planned(self) -> int:
        return sum(g.figures.planned for g in self.groups)

    @property
    def rate(self) -> float | None:
        recorded = sum(g.figures.recorded_seats for g in self.groups)
        present = sum(g.figures.present_seats for g in self.groups)
        return present / recorded if recorded else None

    @property
    def joined(self) -> int:
        return sum(g.turnover.joined for g in self.groups)

    @property
    def left(self) -> int:
        return sum(g.turnover.left for g in self.groups)

    @property
    def at_start(self) -> int:
        return sum(g.turnover.at_start for g in self.groups)

    @property
    def turnover_rate(self) -> float | None:
        return self.left / self.at_start if self.at_start else None


def meeting_figures(
    groups: list[Group],
    span: stats.Span,
    now: dt.datetime | None = None,
    turnover: dict[int, Turnover] | None = None,
) -> MeetingFigures:
    """The meetings section for these groups over the span, and their figures for every
    year (three queries; two when the groups' ``turnover`` is known)."""
    ids = [g.id for g in groups]
    figures, years = stats.figures_by_year(ids, span, now)
    per_agency = stats.agency_figures(ids, span, now)
    if turnover is None:
        turnover = stats.turnover(ids, span)
    totals: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    flagged_in: dict[int, list[str]] = {}
    for g in groups:
        for a in per_agency[g.id]:
            names[a.agency_id] = a.name
            count = totals.setdefault(a.agency_id, [0, 0])
            count[0] += a.invited
            count[1] += a.represented
            if a.flagged:
                flagged_in.setdefault(a.agency_id, []).append(g.name)
    agencies = sorted(
        (
            AgencyAttendance(names[aid], inv, rep, flagged_in.get(aid, []))
            for aid, (inv, rep) in totals.items()
        ),
        key=lambda a: a.name,
    )
    return MeetingFigures(
        groups=[
            GroupMeetings(
                g.id,
                g.name,
                figures[g.id],
                turnover[g.id],
                [a.name for a in per_agency[g.id] if a.flagged],
            )
            for g in groups
        ],
        agencies=agencies,
        years=years,
    )
