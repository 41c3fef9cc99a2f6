"""Scheduling meetings, the invited list, notices and updates with an .ics attachment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from portal.core.audit import AuditEvent
from portal.core.mail import OutboxMessage
from portal.groups.models import Group
from portal.meetings.models import Invitee, Meeting
from tests.conftest import post
from tests.support.meetings import make_meeting
from tests.support.sessions import sign_in

MEETING_FORM = {
    "day": "2025-03-11",
    "start_time": "09:00",
    "end_time": "12:00",
    "place": "Kommunhuset, Hudiksvall",
    "video_link": "",
    "purpose": "Följa upp handlingsplanen",
    "agenda": "Öppnande\nHandlingsplanen\nÖvrigt",
}


def meetings(db_session: Any, group_id: int) -> list[Meeting]:
    return list(
        db_session.scalars(
            sa.select(Meeting).where(Meeting.group_id == group_id).order_by(Meeting.starts_at)
        )
    )


def invited_names(meeting: Meeting) -> set[str]:
    return {i.user.name for i in meeting.invitees}


def outbox(db_session: Any) -> list[OutboxMessage]:
    return list(db_session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_leader_schedules_a_meeting_in_stockholm_time(client, mworld, db_session):
    sign_in(client, mworld, "process_leader")
    response = post(client, f"/a/{mworld.slug}/groups/{mworld.group_id}/meetings/new", MEETING_FORM)
    assert response.status_code == 302
    [meeting] = meetings(db_session, mworld.group_id)
    # 09:00 in Stockholm in March (CET, UTC+1) is 08:00 UTC
    assert meeting.starts_at == dt.datetime(2025, 3, 11, 8, 0, tzinfo=dt.UTC)
    assert meeting.ends_at == dt.datetime(2025, 3, 11, 11, 0, tzinfo=dt.UTC)
    assert [a.title for a in meeting.agenda_items] == ["Öppnande", "Handlingsplanen", "Övrigt"]
    # members on the day; not the standing substitute, the former member, or other groups
    assert invited_names(meeting) == {"Lena Ledare", "Maja Medlem", "Rolf Region"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "09:00–12:00" in page
    assert "Kommunhuset, Hudiksvall" in page
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "meeting.create"))
    assert event is not None
    assert event.actor_id == mworld.user_ids["process_leader"]


def test_summer_time_is_converted_too(db_session, mworld):
    meeting = make_meeting(db_session, mworld, dt.date(2025, 6, 10))
    assert meeting.starts_at == dt.datetime(2025, 6, 10, 7, 0, tzinfo=dt.UTC)  # CEST, UTC+2


def test_invited_list_is_the_members_on_the_meetings_day(db_session, mworld):
    early = make_meeting(db_session, mworld, dt.date(2024, 3, 12))
    late = make_meeting(db_session, mworld, dt.date(2025, 3, 11))
    assert "Fredrik Förre" in invited_names(early)
    assert "Fredrik Förre" not in invited_names(late)
    # a snapshot: rows of their own, with the agency as it was
    rows = db_session.scalars(sa.select(Invitee).where(Invitee.meeting_id == early.id)).all()
    assert len(rows) == 4


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_time": "08:30"}, "Mötet måste sluta efter att det börjar."),
        ({"end_time": "09:00"}, "Mötet måste sluta efter att det börjar."),
        ({"place": "", "video_link": ""}, "Ange en plats eller en videolänk."),
        (
            {"place": "", "video_link": "javascript:alert(1)"},
            "Videolänken måste börja med https://.",
        ),
        (
            {"agenda": "\n".join(f"Punkt {n}" for n in range(31))},
            "Dagordningen får ha högst 30 punkter.",
        ),
        ({"agenda": "Kort\n" + "x" * 201}, "Punkt 2 på dagordningen är längre än 200 tecken."),
    ],
)
def test_bad_meetings_are_refused_and_nothing_typed_is_lost(
    client, mworld, db_session, changes, message
):
    sign_in(client, mworld, "process_leader")
    form = {**MEETING_FORM, **changes}
    response = post(client, f"/a/{mworld.slug}/groups/{mworld.group_id}/meetings/new", form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert message in html
    assert "Följa upp handlingsplanen" in html  # the purpose is still there
    assert meetings(db_session, mworld.group_id) == []


def test_year_of_four_meetings_in_one_step(client, mworld, db_session):
    sign_in(client, mworld, "process_leader")
    page = client.get(f"/a/{mworld.slug}/groups/{mworld.group_id}/meetings/year")
    assert page.status_code == 200
    form = {
        "day_1": "2026-02-10",
        "day_2": "2026-05-12",
        "day_3": "2026-09-08",
        "day_4": "2026-11-10",
        "start_time": "13:00",
        "end_time": "15:30",
        "place": "",
        "video_link": "https://meet.example.org/mysam",
        "purpose": "",
    }
    response = post(client, f"/a/{mworld.slug}/groups/{mworld.group_id}/meetings/year", form)
    assert response.status_code == 302
    made = meetings(db_session, mworld.group_id)
    assert len(made) == 4
    assert all(m.agenda_items for m in made)  # the standing agenda
    assert made[0].starts_at == dt.datetime(2026, 2, 10, 12, 0, tzinfo=dt.UTC)
    assert len({m.uid for m in made}) == 4


def test_year_needs_four_different_days(client, mworld, db_session):
    sign_in(client, mworld, "process_leader")
    form = {
        "day_1": "2026-02-10",
        "day_2": "2026-02-10",
        "day_3": "2026-09-08",
        "day_4": "2026-11-10",
        "start_time": "13:00",
        "end_time": "15:00",
        "place": "Stadshuset",
    }
    response = post(client, f"/a/{mworld.slug}/groups/{mworld.group_id}/meetings/year", form)
    assert response.status_code == 400
    assert "Ange fyra olika dagar." in response.get_data(as_text=True)
    assert meetings(db_session, mworld.group_id) == []


def _calendar(message: OutboxMessage) -> Any:
    [attachment] = message.attachments or []
    assert attachment["content_type"] == "text/calendar; method=REQUEST"
    cal = Calendar.from_ical(attachment["content"])
    [event] = cal.walk("VEVENT")
    return cal, event


def test_notice_goes_to_everyone_invited_with_agenda_and_ics(client, mworld, db_session):
    meeting = make_meeting(db_session, mworld)
    sign_in(client, mworld, "process_leader")
    response = post(client, f"/a/{mworld.slug}/meetings/{meeting.id}/notice")
    assert response.status_code == 302
    messages = outbox(db_session)
    assert sorted(m.recipient for m in messages) == sorted(
        [mworld.emails["process_leader"], mworld.emails["member"], mworld.emails["region_member"]]
    )
    message = messages[0]
    assert message.subject.startswith("Kallelse: Mysam Hudiksvall")
    assert "1. Öppnande\n2. Handlingsplanen" in message.body_text
    assert "Kommunhuset" in message.body_text
    assert f"http://portal.test/a/{mworld.slug}/meetings/{meeting.id}" in message.body_text
    cal, event = _calendar(message)
    assert str(cal["method"]) == "REQUEST"
    assert str(event["uid"]) == meeting.uid
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == meeting.starts_at
    assert event.decoded("dtend") == meeting.ends_at
    assert str(event["location"]) == "Kommunhuset"


def test_a_change_after_the_notice_sends_an_update_with_the_same_uid(client, mworld, db_session):
    meeting = make_meeting(db_session, mworld)
    sign_in(client, mworld, "process_leader")
    post(client, f"/a/{mworld.slug}/meetings/{meeting.id}/notice")
    response = post(
        client,
        f"/a/{mworld.slug}/meetings/{meeting.id}/edit",
        {**MEETING_FORM, "lock_version": meeting.lock_version, "start_time": "10:00"},
    )
    assert response.status_code == 302
    messages = outbox(db_session)
    updates = [m for m in messages if m.subject.startswith("Ändrad kallelse")]
    assert len(updates) == 3
    _cal, event = _calendar(updates[0])
    assert str(event["uid"]) == meeting.uid
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart") == dt.datetime(2025, 3, 11, 9, 0, tzinfo=dt.UTC)


def test_changes_before_the_notice_send_nothing(client, mworld, db_session):
    meeting = make_meeting(db_session, mworld)
    sign_in(client, mworld, "process_leader")
    response = post(
        client,
        f"/a/{mworld.slug}/meetings/{meeting.id}/edit",
        {**MEETING_FORM, "lock_version": meeting.lock_version, "place": "Biblioteket"},
    )
    assert response.status_code == 302
    assert outbox(db_session) == []
    db_session.refresh(meeting)
    assert meeting.place == "Biblioteket"
    assert meeting.sequence == 0


def test_moving_a_meeting_updates_the_invited_list(client, mworld, db_session):
    meeting = make_meeting(db_session, mworld, dt.date(2025, 3, 11))
    sign_in(client, mworld, "process_leader")
    post(
        client,
        f"/a/{mworld.slug}/meetings/{meeting.id}/edit",
        {**MEETING_FORM, "lock_version": meeting.lock_version, "day": "2024-03-12"},
    )
    db_session.expire_all()
    meeting = db_session.get(Meeting, meeting.id)
    assert "Fredrik Förre" in invited_names(meeting)


def test_editing_keeps_typed_values_on_error(client, mworld, db_session):
    meeting = make_meeting(db_session, mworld)
    sign_in(client, mworld, "admin")
    response = post(
        client,
        f"/a/{mworld.slug}/meetings/{meeting.id}/edit",
        {
            **MEETING_FORM,
            "lock_version": meeting.lock_version,
            "end_time": "08:00",
            "purpose": "Nytt syfte",
        },
    )
    assert response.status_code == 400
    assert "Nytt syfte" in response.get_data(as_text=True)


def test_meeting_page_query_count_does_not_grow(client, mworld, db_session, f, count_queries):
    from flask import g

    group = db_session.get(Group, mworld.group_id)
    small = make_meeting(db_session, mworld, agenda=["A"])
    for _ in range(15):
        f.membership(group)
    big = make_meeting(db_session, mworld, dt.date(2025, 5, 6), agenda=[f"P{n}" for n in range(20)])
    sign_in(client, mworld, "process_leader")
    counts = []
    for meeting_id in (small.id, big.id):
        for path in ("", "/attendance"):
            url = f"/a/{mworld.slug}/meetings/{meeting_id}{path}"
            client.get(url)
            g.pop("_login_user", None)
            g.pop("principals", None)
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append(counter.count)
    assert counts[0] == counts[2], counts
    assert counts[1] == counts[3], counts
