"""Who may see and run meetings: every role against every meeting page and action."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from portal.meetings.models import Meeting
from tests.conftest import post
from tests.support.foundation import ROLES as FOUNDATION_ROLES
from tests.support.foundation import expect
from tests.support.meetings import MeetingWorld, make_meeting
from tests.support.sessions import sign_in

ROLES = [*FOUNDATION_ROLES, "former"]  # a member whose seat has ended
READERS = {"admin", "process_leader", "member"}
MANAGERS = {"admin", "process_leader"}


PAGES = {
    "index": ("/a/{slug}/groups/{group_id}/meetings", READERS),
    "new": ("/a/{slug}/groups/{group_id}/meetings/new", MANAGERS),
    "year": ("/a/{slug}/groups/{group_id}/meetings/year", MANAGERS),
    "show": ("/a/{slug}/meetings/{meeting_id}", READERS),
    "edit": ("/a/{slug}/meetings/{meeting_id}/edit", MANAGERS),
    "attendance": ("/a/{slug}/meetings/{meeting_id}/attendance", READERS),
}


@pytest.fixture
def meeting_id(db_session: Any, mworld: MeetingWorld) -> int:
    return make_meeting(db_session, mworld).id


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_get_pages(client, mworld, meeting_id, role, page):
    template, allowed = PAGES[page]
    sign_in(client, mworld, role)
    url = template.format(slug=mworld.slug, group_id=mworld.group_id, meeting_id=meeting_id)
    expect(client.get(url), role, role in allowed)


@pytest.mark.parametrize("role", ROLES)
def test_post_new_meeting(client, mworld, db_session, role):
    sign_in(client, mworld, role)
    response = post(
        client,
        f"/a/{mworld.slug}/groups/{mworld.group_id}/meetings/new",
        {"day": "2025-03-11", "start_time": "09:00", "end_time": "10:00", "place": "Här"},
        token_page="/login" if role == "anonymous" else "/",
    )
    expect(response, role, role in MANAGERS, success=302)
    count = db_session.scalar(sa.select(sa.func.count()).select_from(Meeting))
    assert count == (1 if role in MANAGERS else 0)


@pytest.mark.parametrize("role", ROLES)
def test_post_notice_and_attendance(client, mworld, meeting_id, db_session, role):
    sign_in(client, mworld, role)
    token_page = "/login" if role == "anonymous" else "/"
    notice = post(client, f"/a/{mworld.slug}/meetings/{meeting_id}/notice", token_page=token_page)
    expect(notice, role, role in MANAGERS, success=302)
    everyone = post(
        client, f"/a/{mworld.slug}/meetings/{meeting_id}/attendance/everyone", token_page=token_page
    )
    expect(everyone, role, role in MANAGERS, success=302)


def test_a_meeting_of_another_association_is_absent(client, mworld, db_session, f):
    other = f.association()
    group = f.group(other)
    f.membership(group, role=__import__("portal.groups.models").groups.models.MembershipRole.MEMBER)
    from portal.meetings.services import meetings as services

    meeting = services.create_meeting(
        None,
        group,
        services.MeetingData(
            starts_at=services.local_datetime(dt.date(2025, 1, 1), dt.time(9)),
            ends_at=services.local_datetime(dt.date(2025, 1, 1), dt.time(10)),
            place="X",
        ),
    )
    db_session.commit()
    sign_in(client, mworld, "admin")
    assert client.get(f"/a/{mworld.slug}/meetings/{meeting.id}").status_code == 404
    assert client.get(f"/a/{other.slug}/meetings/{meeting.id}").status_code == 404
