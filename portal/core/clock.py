"""The portal's day and wall clock: Stockholm time, stored and computed as UTC.

Members meet, hold seats and plan by the Swedish calendar, so "today", a meeting's
start and a statistic's year are all Stockholm's; the database keeps aware UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def today() -> dt.date:
    """Today's date in Stockholm, which is what 'current' means to members."""
    return dt.datetime.now(STOCKHOLM).date()


def local_datetime(day: dt.date, time: dt.time) -> dt.datetime:
    """A Stockholm wall-clock time as an aware UTC datetime."""
    return dt.datetime.combine(day, time, tzinfo=STOCKHOLM).astimezone(dt.UTC)


def local_date(moment: dt.datetime) -> dt.date:
    """The Stockholm calendar day of an instant."""
    return moment.astimezone(STOCKHOLM).date()
