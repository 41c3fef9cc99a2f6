"""Meeting pages, by subject; the routes register on the meetings blueprint."""

from portal.meetings.views.meetings import bp

__all__ = ["bp"]
