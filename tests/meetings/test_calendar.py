"""Calendar feeds: secret, revocable, valid iCalendar."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import sqlalchemy as sa
from icalendar import Calendar

from portal.core.audit import AuditEvent
from portal.groups.models import Membership
from portal.meetings.models import CalendarFeed
from tests.conftest import post
from tests.support.meetings import make_meeting
from tests.support.sessions import sign_in

URL_RE = re.compile(r'id="new-url" type="text" readonly value="([^"]+)"')


def new_feed(client, world, group_id: int) -> str:
    response = post(client, f"/a/{world.slug}/calendar", {"group_id": group_id})
    assert response.status_code == 200
    match = URL_RE.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[-2000:]
    return match.group(1).removeprefix("http://portal.test")


def test_group_feed_is_valid_icalendar(client, mworld, db_session):
    first = make_meeting(db_session, mworld, dt.date(2025, 3, 11))
    make_meeting(db_session, mworld, dt.date(2025, 5, 13))
    make_meeting(db_session, mworld, dt.date(2025, 5, 14), group_id=mworld.other_group_id)
    sign_in(client, mworld, "member")
    path = new_feed(client, mworld, mworld.group_id)
    with client.session_transaction() as session:
        session.clear()  # calendar programs do not sign in
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    assert str(cal["x-wr-calname"]) == "Mysam Hudiksvall"
    events = cal.walk("VEVENT")
    assert len(events) == 2
    assert str(events[0]["uid"]) == first.uid
    assert events[0].decoded("dtstart") == first.starts_at
    assert str(events[0]["summary"]) == "Möte: Mysam Hudiksvall"
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    stored = db_session.scalar(sa.select(CalendarFeed.token_hash))
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored


def test_personal_feed_lists_the_meetings_one_is_invited_to(client, mworld, db_session):
    make_meeting(db_session, mworld, dt.date(2025, 3, 11))
    make_meeting(db_session, mworld, dt.date(2025, 5, 14), group_id=mworld.other_group_id)
    sign_in(client, mworld, "member")
    path = new_feed(client, mworld, 0)
    cal = Calendar.from_ical(client.get(path).data)
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["Möte: Mysam Hudiksvall"]


def test_a_revoked_feed_is_gone(client, mworld, db_session):
    sign_in(client, mworld, "member")
    path = new_feed(client, mworld, mworld.group_id)
    feed = db_session.scalar(sa.select(CalendarFeed))
    assert post(client, f"/a/{mworld.slug}/calendar/{feed.id}/revoke").status_code == 302
    assert client.get(path).status_code == 404
    actions = set(db_session.scalars(sa.select(AuditEvent.action)))
    assert {"calendar_feed.create", "calendar_feed.revoke"} <= actions


def test_a_group_feed_stops_when_the_member_leaves(client, mworld, db_session):
    sign_in(client, mworld, "member")
    path = new_feed(client, mworld, mworld.group_id)
    seat = db_session.scalar(
        sa.select(Membership).where(Membership.user_id == mworld.user_ids["member"])
    )
    seat.valid_to = dt.date(2021, 1, 1)
    db_session.commit()
    assert client.get(path).status_code == 404


def test_wrong_tokens_and_others_feeds(client, mworld, db_session):
    sign_in(client, mworld, "member")
    new_feed(client, mworld, mworld.group_id)
    assert client.get(f"/a/{mworld.slug}/calendar/not-a-token.ics").status_code == 404
    feed = db_session.scalar(sa.select(CalendarFeed))
    sign_in(client, mworld, "region_member")
    assert post(client, f"/a/{mworld.slug}/calendar/{feed.id}/revoke").status_code == 404
    # a group one cannot read cannot be subscribed to
    response = post(client, f"/a/{mworld.slug}/calendar", {"group_id": mworld.other_group_id})
    assert response.status_code in (400, 404)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 1
