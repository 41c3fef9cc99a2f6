"""When a survey round runs: its dates belong to its year, what a new round suggests, and
whether a round takes answers today (``accepts_answers``: the respondent pages and the
round's services both ask, so it lives here, below either).

A round's year is the survey year the board's summary and the national reference
file it under, so a round opens and closes within that calendar year: a 2027 round
cannot open in December 2026, and a 2026 round cannot run on into January 2027
(the 2026 annual summary would then never show it). The survey normally runs in
August–September; a new round suggests the first year without a round and that
window, or from today when the window has begun.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Protocol

from flask_babel import gettext as _

from portal.core.errors import DomainError
from portal.groups import services as group_services

# The usual survey window (DESIGN: August–September).
WINDOW_OPENS = (8, 15)
WINDOW_CLOSES = (9, 30)
# A round started late in the year runs four weeks, or to the year's end.
LATE_RUN = dt.timedelta(days=28)


def check_dates(year: int, opens_on: dt.date, closes_on: dt.date) -> None:
    """Refuse dates that do not belong to the round's year, or that run backwards."""
    if opens_on.year != year:
        raise DomainError(
            _(
                "A round for %(year)s opens and closes in %(year)s: choose an opening day "
                "between %(first)s and %(last)s, or change the year.",
                **_bounds(year),
            ),
            "opens_on",
        )
    if closes_on.year != year:
        raise DomainError(
            _(
                "A round for %(year)s opens and closes in %(year)s: choose a closing day "
                "between %(first)s and %(last)s, or change the year.",
                **_bounds(year),
            ),
            "closes_on",
        )
    if closes_on < opens_on:
        raise DomainError(_("The survey must close on or after the day it opens."), "closes_on")


def _bounds(year: int) -> dict[str, str]:
    return {
        "year": str(year),
        "first": dt.date(year, 1, 1).isoformat(),
        "last": dt.date(year, 12, 31).isoformat(),
    }


def suggest(taken: Collection[int], today: dt.date) -> tuple[int, dt.date, dt.date]:
    """The year and dates a new round is offered: the first year from today's without a
    round, in the usual window, or from today to four weeks on (within the year) once
    that year's window has begun."""
    year = today.year
    while year in taken:
        year += 1
    opens = dt.date(year, *WINDOW_OPENS)
    closes = dt.date(year, *WINDOW_CLOSES)
    if today > opens:
        opens = today
        closes = max(closes, min(today + LATE_RUN, dt.date(year, 12, 31)))
    return year, opens, closes


class RoundDates(Protocol):
    """What ``accepts_answers`` reads: a round, or the respondent pages' copy of one."""

    @property
    def is_open(self) -> bool: ...

    @property
    def closes_on(self) -> dt.date: ...


def accepts_answers(survey_round: RoundDates, today: dt.date | None = None) -> bool:
    """Open, and its closing day has not passed (Stockholm time)."""
    today = today or group_services.today()
    return survey_round.is_open and today <= survey_round.closes_on
