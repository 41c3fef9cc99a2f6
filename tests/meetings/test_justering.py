"""Justering: the adjuster is not a writer, and nothing is approved before the meeting starts.

Each rule is attacked through the service (so no page can skip it) and shown on the page
(so the process leader sees why a choice is not offered).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from portal.accounts.models import User
from portal.core.clock import local_datetime
from portal.core.errors import DomainError
from portal.meetings.models import Meeting, MinutesRevision, MinutesStatus
from portal.meetings.services import minutes as service
from tests.conftest import post
from tests.support.meetings import MeetingWorld, make_meeting
from tests.support.sessions import sign_in


def save(actor: User, meeting: Meeting, body: str, **kwargs: Any) -> MinutesRevision:
    """Save a revision based on the newest one, as a form opened just now would."""
    newest = service.latest(service.minutes_of(meeting))
    return service.save_revision(
        actor, meeting, body, base=newest.number if newest else 0, **kwargs
    )


def person(db_session: Any, world: MeetingWorld, role: str) -> User:
    return db_session.get(User, world.user_ids[role])


def url(world: MeetingWorld, meeting: Meeting, tail: str = "") -> str:
    return f"/a/{world.slug}/meetings/{meeting.id}/minutes{tail}"


def adjuster_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="adjuster_id".*?</select>', html, re.S)
    assert select is not None
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))


@pytest.fixture
def held(db_session: Any, mworld: MeetingWorld) -> Meeting:
    return make_meeting(db_session, mworld, dt.date(2025, 3, 11))


@pytest.fixture
def upcoming(db_session: Any, mworld: MeetingWorld) -> Meeting:
    return make_meeting(db_session, mworld, dt.datetime.now(dt.UTC).date() + dt.timedelta(days=20))


def test_the_writer_cannot_appoint_themself_and_the_page_says_why(client, mworld, held, db_session):
    leader = person(db_session, mworld, "process_leader")
    save(leader, held, "Anteckningar")
    db_session.commit()
    with pytest.raises(DomainError, match="någon annan än den som skrivit"):
        service.appoint_adjuster(leader, held, leader.id)
    sign_in(client, mworld, "process_leader")
    page = client.get(url(mworld, held)).get_data(as_text=True)
    offered = adjuster_options(page)
    assert not [o for o in offered if o.startswith("Lena Ledare")]
    assert "Maja Medlem (Försäkringskassan)" in offered  # the agency tells equal names apart
    assert "Erbjuds inte: Lena Ledare, som skrivit minnesanteckningarna." in page
    forced = post(client, url(mworld, held, "/adjuster"), {"adjuster_id": leader.id})
    assert forced.status_code == 400
    assert service.minutes_of(held).adjuster_id is None


def test_every_writer_of_any_revision_is_excluded(mworld, held, db_session):
    leader = person(db_session, mworld, "process_leader")
    member = person(db_session, mworld, "member")
    save(member, held, "Första utkastet")
    save(leader, held, "Andra utkastet")
    with pytest.raises(DomainError):
        service.appoint_adjuster(leader, held, member.id)
    assert service.appoint_adjuster(leader, held, mworld.user_ids["region_member"])


def test_an_appointed_adjuster_cannot_then_write(mworld, held, db_session):
    leader = person(db_session, mworld, "process_leader")
    service.appoint_adjuster(leader, held, leader.id)  # nothing written yet: allowed
    with pytest.raises(DomainError, match="utsedd justerare"):
        save(leader, held, "Mina anteckningar")
    service.appoint_adjuster(leader, held, mworld.user_ids["member"])
    save(leader, held, "Mina anteckningar")


def test_a_correction_writer_cannot_approve_the_correction(mworld, held, db_session):
    leader = person(db_session, mworld, "process_leader")
    member = person(db_session, mworld, "member")
    save(leader, held, "Text")
    service.appoint_adjuster(leader, held, member.id)
    service.submit(leader, held)
    service.approve(member, held)
    with pytest.raises(DomainError, match="utsedd justerare"):
        save(member, held, "Rättad text", correction=True)
    # Rows written before the rule (or by hand): the adjuster also wrote a revision.
    minutes = service.minutes_of(held)
    minutes.revisions.append(
        MinutesRevision(number=2, body="Rättad text", author_id=member.id, is_correction=True)
    )
    minutes.status = MinutesStatus.DRAFT
    with pytest.raises(DomainError, match="någon annan än den som skrivit"):
        service.submit(leader, held)
    minutes.status = MinutesStatus.SUBMITTED
    with pytest.raises(DomainError, match="någon annan än den som skrivit"):
        service.approve(member, held)


def test_nothing_goes_for_approval_before_the_meeting_starts(client, mworld, upcoming, db_session):
    leader = person(db_session, mworld, "process_leader")
    save(leader, upcoming, "Förberedda anteckningar")  # writing ahead is fine
    service.appoint_adjuster(leader, upcoming, mworld.user_ids["member"])
    db_session.commit()
    with pytest.raises(DomainError, match="när mötet har börjat"):
        service.submit(leader, upcoming)
    sign_in(client, mworld, "process_leader")
    page = client.get(url(mworld, upcoming)).get_data(as_text=True)
    assert "Skicka för justering" not in page
    assert 'id="submit-refusal"' in page
    refused = post(client, url(mworld, upcoming, "/submit"), follow_redirects=True)
    assert "när mötet har börjat" in refused.get_data(as_text=True)
    assert service.minutes_of(upcoming).status is MinutesStatus.DRAFT


def test_a_meeting_moved_later_after_submitting_cannot_be_approved(
    client, mworld, held, db_session
):
    leader = person(db_session, mworld, "process_leader")
    save(leader, held, "Text")
    service.appoint_adjuster(leader, held, mworld.user_ids["member"])
    service.submit(leader, held)
    later = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=5)
    held.starts_at = local_datetime(later, dt.time(9))
    held.ends_at = local_datetime(later, dt.time(12))
    db_session.commit()
    sign_in(client, mworld, "member")
    page = client.get(url(mworld, held)).get_data(as_text=True)
    assert 'id="approval-refusal"' in page
    assert "Justera minnesanteckningarna" not in page
    assert "Återsänd med kommentar" in page  # returning stays possible
    post(client, url(mworld, held, "/approve"))
    assert service.minutes_of(held).status is MinutesStatus.SUBMITTED


def test_the_meetings_list_shows_each_meetings_minutes_status(
    client, mworld, db_session, count_queries
):
    leader = person(db_session, mworld, "process_leader")
    member = person(db_session, mworld, "member")
    days = [dt.date(2025, m, 11) for m in (2, 3, 4, 5, 6)]
    meetings = [make_meeting(db_session, mworld, d) for d in days]
    save(leader, meetings[1], "Utkast")
    for m in meetings[2:]:
        save(leader, m, "Text")
        service.appoint_adjuster(leader, m, member.id)
        service.submit(leader, m)
    for m in meetings[3:]:
        service.approve(member, m)
    save(leader, meetings[4], "Rättad text", correction=True)
    db_session.commit()
    sign_in(client, mworld, "member")
    page_url = f"/a/{mworld.slug}/groups/{mworld.group_id}/meetings"
    client.get(page_url)
    with count_queries() as few:
        page = client.get(page_url).get_data(as_text=True)
    cells = re.findall(r"<td data-label=\"Minnesanteckningar\">(.*?)</td>", page, re.S)
    shown = [re.sub(r"<span.*?</span>|<[^>]+>", "", c).strip() for c in cells]
    assert shown == [  # newest first
        "Justerade; rättelse inte justerad ännu",
        "Justerade",
        "Skickade för justering",
        "Utkast",
        "Inte skrivna ännu",
    ]
    assert url(mworld, meetings[3]) in page  # the status links to the minutes
    # The status on the minutes page reads the same.
    minutes_page = client.get(url(mworld, meetings[4])).get_data(as_text=True)
    assert '<dd id="minutes-status">Justerade; rättelse inte justerad ännu</dd>' in minutes_page
    # One query for every meeting's minutes, however many meetings.
    make_meeting(db_session, mworld, dt.date(2025, 7, 1))
    with count_queries() as more:
        client.get(page_url)
    assert more.count == few.count
