"""Meeting pages, by subject. Importing the package registers every route on ``bp``."""

from portal.meetings.blueprint import bp
from portal.meetings.views import answers, attendance, calendar, meetings, minutes, stats

__all__ = ["answers", "attendance", "bp", "calendar", "meetings", "minutes", "stats"]
