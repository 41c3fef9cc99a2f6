"""iCalendar output: the .ics attached to notices and the subscription feeds.

Times are written in UTC (``...Z``), which every calendar program reads without a
VTIMEZONE block; the programs show them in the reader's own zone.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from portal.db import utcnow
from portal.meetings.models import Meeting

PRODID = "-//Samverkansportalen//Meetings//SV"


def meeting_summary(meeting: Meeting) -> str:
    """The calendar title of a meeting, in the current locale."""
    return _("Meeting: %(group)s", group=meeting.group.name)


def _calendar(method: str | None = None, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def meeting_event(meeting: Meeting, summary: str, url: str | None = None) -> Event:
    """One VEVENT: the meeting's UID and SEQUENCE, so an update replaces the earlier one."""
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", summary)
    location = meeting.place or meeting.video_link
    if location:
        event.add("location", location)
    lines = [meeting.purpose] if meeting.purpose else []
    lines += [f"{n}. {item.title}" for n, item in enumerate(meeting.agenda_items, start=1)]
    if meeting.video_link:
        lines.append(meeting.video_link)
    if url:
        lines.append(url)
        event.add("url", url)
    if lines:
        event.add("description", "\n".join(lines))
    return event


def notice_ics(
    meeting: Meeting, summary: str, organizer: str, attendee: str, url: str | None = None
) -> str:
    """The .ics attached to a notice (METHOD:REQUEST) for one recipient."""
    cal = _calendar(method="REQUEST")
    event = meeting_event(meeting, summary, url)
    event.add("organizer", vCalAddress(f"mailto:{organizer}"))
    address = vCalAddress(f"mailto:{attendee}")
    address.params["rsvp"] = vText("FALSE")
    event.add("attendee", address)
    cal.add_component(event)
    return str(cal.to_ical().decode())


def feed_ics(name: str, events: Iterable[tuple[Meeting, str, str | None]]) -> bytes:
    """A subscription feed: every meeting with its summary and link."""
    cal = _calendar(method="PUBLISH", name=name)
    for meeting, summary, url in events:
        cal.add_component(meeting_event(meeting, summary, url))
    return bytes(cal.to_ical())
