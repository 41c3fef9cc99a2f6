"""The attendance grid: statuses, everyone present, substitutes, agencies represented."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.audit import AuditEvent
from portal.core.errors import DomainError
from portal.meetings.models import AttendanceStatus, Invitee, Meeting
from portal.meetings.services import attendance
from tests.conftest import post
from tests.support.meetings import MeetingWorld, make_meeting
from tests.support.sessions import sign_in


def invitee_of(meeting: Meeting, world: MeetingWorld, role: str) -> Invitee:
    return next(i for i in meeting.invitees if i.user_id == world.user_ids[role])


def statuses(db_session: Any, meeting_id: int) -> dict[str, str | None]:
    db_session.expire_all()
    meeting = db_session.get(Meeting, meeting_id)
    return {i.user.name: i.status.value if i.status else None for i in meeting.invitees}


@pytest.fixture
def meeting(db_session: Any, mworld: MeetingWorld) -> Meeting:
    return make_meeting(db_session, mworld)


def test_grid_is_a_table_with_radio_groups_per_person(client, mworld, meeting):
    sign_in(client, mworld, "process_leader")
    html = client.get(f"/a/{mworld.slug}/meetings/{meeting.id}/attendance").get_data(as_text=True)
    assert "<caption" in html
    assert html.count('<th scope="row"') >= 3
    assert "Närvaro för Maja Medlem" in html  # the legend of her radio group
    assert html.count('type="radio"') == 9
    assert "Anmält förhinder" in html


def test_everyone_present_then_one_exception_in_two_clicks(client, mworld, meeting, db_session):
    sign_in(client, mworld, "process_leader")
    base = f"/a/{mworld.slug}/meetings/{meeting.id}/attendance"
    assert post(client, f"{base}/everyone").status_code == 302
    assert set(statuses(db_session, meeting.id).values()) == {"present"}
    member = invitee_of(meeting, mworld, "member")
    response = post(
        client,
        f"{base}/{member.id}",
        {f"status_{member.id}": "excused", f"seen_{member.id}": "present"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Vary" in response.headers
    body = response.get_data(as_text=True)
    assert 'data-hx-swap-oob="innerHTML"' in body
    assert "Sparat: Anmält förhinder" in body
    assert statuses(db_session, meeting.id)["Maja Medlem"] == "excused"
    assert statuses(db_session, meeting.id)["Lena Ledare"] == "present"


def test_everyone_present_keeps_recorded_exceptions(mworld, meeting, db_session):
    leader = db_session.get(User, mworld.user_ids["process_leader"])
    member = invitee_of(meeting, mworld, "member")
    attendance.set_statuses(leader, meeting, {member.id: AttendanceStatus.EXCUSED})
    assert attendance.everyone_present(leader, meeting) == 2
    assert member.status is AttendanceStatus.EXCUSED


def test_plain_form_saves_the_whole_grid(client, mworld, meeting, db_session):
    sign_in(client, mworld, "admin")
    leader = invitee_of(meeting, mworld, "process_leader")
    member = invitee_of(meeting, mworld, "member")
    response = post(
        client,
        f"/a/{mworld.slug}/meetings/{meeting.id}/attendance",
        {
            f"status_{leader.id}": "present",
            f"seen_{leader.id}": "",
            f"status_{member.id}": "absent",
            f"seen_{member.id}": "",
        },
    )
    assert response.status_code == 302
    result = statuses(db_session, meeting.id)
    assert result == {"Lena Ledare": "present", "Maja Medlem": "absent", "Rolf Region": None}
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "attendance.record"))
    assert event.after == {"Lena Ledare": "present", "Maja Medlem": "absent"}


def test_a_row_save_without_htmx_falls_back_to_the_grid(client, mworld, meeting, db_session):
    sign_in(client, mworld, "process_leader")
    member = invitee_of(meeting, mworld, "member")
    response = post(
        client,
        f"/a/{mworld.slug}/meetings/{meeting.id}/attendance/{member.id}",
        {f"status_{member.id}": "present", f"seen_{member.id}": ""},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/attendance")
    assert statuses(db_session, meeting.id)["Maja Medlem"] == "present"


def test_an_invalid_status_is_refused(client, mworld, meeting, db_session):
    sign_in(client, mworld, "process_leader")
    member = invitee_of(meeting, mworld, "member")
    response = post(
        client,
        f"/a/{mworld.slug}/meetings/{meeting.id}/attendance",
        {f"status_{member.id}": "sleeping", f"seen_{member.id}": ""},
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)
    assert statuses(db_session, meeting.id)["Maja Medlem"] is None


def test_attendance_for_someone_not_invited_is_refused(client, mworld, meeting, db_session):
    other = make_meeting(db_session, mworld, group_id=mworld.other_group_id)
    stranger = other.invitees[0]
    leader = db_session.get(User, mworld.user_ids["process_leader"])
    with pytest.raises(DomainError, match="inte kallad"):
        attendance.set_statuses(leader, meeting, {stranger.id: AttendanceStatus.PRESENT})
    sign_in(client, mworld, "process_leader")
    response = post(
        client,
        f"/a/{mworld.slug}/meetings/{meeting.id}/attendance/{stranger.id}",
        {f"status_{stranger.id}": "present"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
    db_session.expire_all()
    assert db_session.get(Invitee, stranger.id).status is None


def test_a_substitute_who_is_not_a_member_represents_the_agency(
    client, mworld, meeting, db_session
):
    sign_in(client, mworld, "process_leader")
    member = invitee_of(meeting, mworld, "member")  # Försäkringskassan
    response = post(
        client,
        f"/a/{mworld.slug}/meetings/{meeting.id}/substitutes",
        {"invitee_id": member.id, "user_id": 0, "name": "Kalle Kollega", "agency_id": 0},
    )
    assert response.status_code == 302
    db_session.expire_all()
    meeting = db_session.get(Meeting, meeting.id)
    presence = {p.agency.name: p for p in attendance.agency_presence(meeting)}
    assert presence["Försäkringskassan"].represented
    assert presence["Försäkringskassan"].by == ["Kalle Kollega (ersättare)"]
    assert not presence["Region Gävleborg"].represented
    assert invitee_of(meeting, mworld, "member").status is AttendanceStatus.EXCUSED
    html = client.get(f"/a/{mworld.slug}/meetings/{meeting.id}/attendance").get_data(as_text=True)
    assert "Kalle Kollega" in html


def test_a_registered_substitute(mworld, meeting, db_session):
    leader = db_session.get(User, mworld.user_ids["process_leader"])
    region = invitee_of(meeting, mworld, "region_member")
    sub = attendance.add_substitute(
        leader,
        meeting,
        attendance.SubstituteData(region.id, mworld.user_ids["standing_substitute"], "", None),
    )
    assert sub.name == "Stina Ersättare"
    assert sub.agency_id == mworld.region_id
    with pytest.raises(DomainError, match="redan en ersättare"):
        attendance.add_substitute(
            leader, meeting, attendance.SubstituteData(region.id, None, "Någon", None)
        )
    with pytest.raises(DomainError, match="ta bort ersättaren"):
        attendance.set_statuses(leader, meeting, {region.id: AttendanceStatus.PRESENT})
    attendance.remove_substitute(leader, meeting, region.id)
    assert region.substitute is None


def test_substitute_needs_a_name_and_is_refused_for_someone_present(
    client, mworld, meeting, db_session
):
    sign_in(client, mworld, "process_leader")
    member = invitee_of(meeting, mworld, "member")
    url = f"/a/{mworld.slug}/meetings/{meeting.id}/substitutes"
    response = post(
        client, url, {"invitee_id": member.id, "user_id": 0, "name": "", "agency_id": 0}
    )
    assert response.status_code == 400
    assert "ange ersättarens namn" in response.get_data(as_text=True)
    leader = db_session.get(User, mworld.user_ids["process_leader"])
    attendance.set_statuses(leader, meeting, {member.id: AttendanceStatus.PRESENT})
    db_session.commit()
    response = post(
        client, url, {"invitee_id": member.id, "user_id": 0, "name": "X", "agency_id": 0}
    )
    assert response.status_code == 400
    assert "behöver ingen ersättare" in response.get_data(as_text=True)


def test_members_read_attendance_but_cannot_change_it(client, mworld, meeting):
    sign_in(client, mworld, "member")
    html = client.get(f"/a/{mworld.slug}/meetings/{meeting.id}/attendance").get_data(as_text=True)
    assert 'type="radio"' not in html
    assert "Inte registrerad" in html
    member_id = invitee_of(meeting, mworld, "member").id
    response = post(
        client,
        f"/a/{mworld.slug}/meetings/{meeting.id}/attendance",
        {f"status_{member_id}": "present"},
    )
    assert response.status_code == 404
