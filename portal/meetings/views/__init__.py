"""Meeting pages, by subject. Importing the package registers every route on ``bp``."""

from portal.meetings.blueprint import bp
from portal.meetings.views import attendance, calendar, meetings, minutes, stats

__all__ = ["attendance", "bp", "calendar", "meetings", "minutes", "stats"]
