"""Answering a notice: by the personal link without signing in, and on the meeting page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from flask import Flask

from portal.core.mail import OutboxMessage, render_body
from portal.db import utcnow
from portal.meetings.models import (
    Answer,
    AnswerLink,
    AttendanceStatus,
    Invitee,
    Meeting,
    Substitute,
)
from portal.meetings.services import answer_links, answers
from portal.meetings.services import meetings as services
from portal.organisations.models import Association
from tests.conftest import post
from tests.support.meetings import MeetingWorld, make_meeting
from tests.support.sessions import sign_in

LINK_RE = re.compile(r"http://portal\.test(/a/[\w-]+/answer/[0-9a-f]{64})")


def soon(days: int = 20) -> dt.date:
    return (utcnow() + dt.timedelta(days=days)).date()


def outbox(db_session: Any) -> list[OutboxMessage]:
    return list(db_session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def noticed(db_session: Any, mworld: MeetingWorld, day: dt.date | None = None) -> Meeting:
    """An upcoming meeting whose notice has gone out (queued)."""
    meeting = make_meeting(db_session, mworld, day or soon())
    services.send_notice(None, meeting, "http://portal.test/m")  # type: ignore[arg-type]
    db_session.commit()
    return meeting


def seat(db_session: Any, meeting: Meeting, user_id: int) -> Invitee:
    return db_session.scalar(
        sa.select(Invitee).where(Invitee.meeting_id == meeting.id, Invitee.user_id == user_id)
    )


def link_path(db_session: Any, email: str) -> str:
    """The answer link in the person's notice, as the mail sender renders it."""
    [message] = [m for m in outbox(db_session) if m.recipient == email]
    match = LINK_RE.search(render_body(message.body_text))
    assert match, message.body_text
    return match[1]


def test_the_outbox_and_the_database_hold_no_usable_link(app: Flask, mworld, db_session):
    meeting = noticed(db_session, mworld)
    message = next(m for m in outbox(db_session) if m.recipient == mworld.emails["member"])
    assert "[meeting-answer:" in message.body_text
    assert "/answer/" not in message.body_text
    path = link_path(db_session, mworld.emails["member"])
    token = path.rsplit("/", 1)[1]
    stored = db_session.scalars(sa.select(AnswerLink.token_hash)).all()
    assert token not in stored
    assert len(stored) == len(meeting.invitees)


def test_not_coming_with_a_typed_substitute_without_signing_in(client, mworld, db_session):
    meeting = noticed(db_session, mworld)
    path = link_path(db_session, mworld.emails["member"])
    page = client.get(path)
    assert page.status_code == 200
    assert "Maja Medlem" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    before = len(outbox(db_session))
    response = post(
        client,
        path,
        {
            "answer": "not_coming",
            "substitute_name": "Sara Vikarie",
            "substitute_email": "sara@fk.se",
        },
        token_page=path,
    )
    assert response.status_code == 302
    db_session.expire_all()
    invitee = seat(db_session, meeting, mworld.user_ids["member"])
    assert invitee.answer is Answer.NOT_COMING
    assert invitee.status is AttendanceStatus.EXCUSED  # the grid starts from the answer
    assert invitee.substitute.name == "Sara Vikarie"
    assert invitee.substitute.agency_id == mworld.fk_id
    new = outbox(db_session)[before:]
    assert [m.recipient for m in new] == ["sara@fk.se"]
    assert "Maja Medlem" in new[0].body_text
    assert new[0].attachments[0]["content_type"] == "text/calendar; method=REQUEST"


def test_submitting_the_same_answer_twice_sends_the_substitute_one_notice(
    client, mworld, db_session
):
    noticed(db_session, mworld)
    path = link_path(db_session, mworld.emails["member"])
    form = {"answer": "not_coming", "substitute_name": "Sara", "substitute_email": "sara@fk.se"}
    before = len(outbox(db_session))
    post(client, path, form, token_page=path)
    post(client, path, form, token_page=path)
    assert [m.recipient for m in outbox(db_session)[before:]] == ["sara@fk.se"]


def test_a_substitute_from_the_own_agency_from_the_list(client, mworld, db_session, f):
    colleague = f.user(db_session.get(Association, mworld.association_id), name="Kim Kollega")
    from portal.groups.models import Group
    from portal.organisations.models import Agency

    f.membership(
        db_session.get(Group, mworld.other_group_id),
        colleague,
        db_session.get(Agency, mworld.fk_id),
    )
    db_session.commit()
    meeting = noticed(db_session, mworld)
    path = link_path(db_session, mworld.emails["member"])
    assert "Kim Kollega" in client.get(path).text
    response = post(
        client, path, {"answer": "not_coming", "substitute_user": colleague.id}, token_page=path
    )
    assert response.status_code == 302
    db_session.expire_all()
    sub = seat(db_session, meeting, mworld.user_ids["member"]).substitute
    assert sub.user_id == colleague.id
    assert outbox(db_session)[-1].recipient == colleague.email


def test_someone_of_another_agency_cannot_be_chosen(client, mworld, db_session):
    meeting = noticed(db_session, mworld)
    path = link_path(db_session, mworld.emails["member"])
    response = post(
        client,
        path,
        {"answer": "not_coming", "substitute_user": mworld.user_ids["region_member"]},
        token_page=path,
    )
    assert response.status_code == 400
    db_session.expire_all()
    assert seat(db_session, meeting, mworld.user_ids["member"]).answer is None


def test_a_name_without_an_address_is_refused_and_the_typed_values_kept(client, mworld, db_session):
    meeting = noticed(db_session, mworld)
    path = link_path(db_session, mworld.emails["member"])
    response = post(
        client, path, {"answer": "not_coming", "substitute_name": "Sara Vikarie"}, token_page=path
    )
    assert response.status_code == 400
    assert 'value="Sara Vikarie"' in response.text
    assert 'aria-invalid="true"' in response.text
    bad = post(
        client,
        path,
        {"answer": "not_coming", "substitute_name": "Sara", "substitute_email": "not an address"},
        token_page=path,
    )
    assert bad.status_code == 400
    assert 'value="not an address"' in bad.text
    db_session.expire_all()
    invitee = seat(db_session, meeting, mworld.user_ids["member"])
    assert invitee.answer is None
    assert invitee.substitute is None


def test_coming_after_all_takes_back_the_excuse_and_the_substitute(client, mworld, db_session):
    meeting = noticed(db_session, mworld)
    path = link_path(db_session, mworld.emails["member"])
    form = {"answer": "not_coming", "substitute_name": "Sara", "substitute_email": "sara@fk.se"}
    post(client, path, form, token_page=path)
    post(client, path, {"answer": "coming"}, token_page=path)
    db_session.expire_all()
    invitee = seat(db_session, meeting, mworld.user_ids["member"])
    assert invitee.answer is Answer.COMING
    assert invitee.status is None
    assert invitee.substitute is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Substitute)) == 0


def test_the_link_answers_only_in_its_own_association(client, mworld, db_session, f):
    noticed(db_session, mworld)
    path = link_path(db_session, mworld.emails["member"])
    other = f.association()
    db_session.commit()
    assert client.get(path.replace(f"/a/{mworld.slug}/", f"/a/{other.slug}/")).status_code == 404


def test_a_tampered_revoked_or_expired_link_opens_nothing(client, mworld, db_session):
    meeting = noticed(db_session, mworld)
    path = link_path(db_session, mworld.emails["member"])
    tampered = path[:-1] + ("0" if path[-1] != "0" else "1")
    assert client.get(tampered).status_code == 404
    assert client.get(path[:-4]).status_code == 404
    invitee = seat(db_session, meeting, mworld.user_ids["member"])
    answers.revoke_links(None, invitee)  # type: ignore[arg-type]
    db_session.commit()
    assert client.get(path).status_code == 404
    assert post(client, path, {"answer": "coming"}, token_page="/login").status_code == 404
    # After the meeting a link no longer works either.
    other_path = link_path(db_session, mworld.emails["region_member"])
    meeting.starts_at = utcnow() - dt.timedelta(hours=3)
    meeting.ends_at = utcnow() - dt.timedelta(hours=1)
    db_session.commit()
    assert client.get(other_path).status_code == 404


def test_the_leader_withdraws_a_link_and_the_next_notice_carries_a_new_one(
    client, mworld, db_session
):
    meeting = noticed(db_session, mworld)
    path = link_path(db_session, mworld.emails["member"])
    invitee = seat(db_session, meeting, mworld.user_ids["member"])
    sign_in(client, mworld, "process_leader")
    response = post(
        client, f"/a/{mworld.slug}/meetings/{meeting.id}/invitees/{invitee.id}/revoke-link"
    )
    assert response.status_code == 302
    assert client.get(path).status_code == 404
    db_session.expire_all()
    old = next(m for m in outbox(db_session) if m.recipient == mworld.emails["member"])
    assert "/answer/" not in render_body(old.body_text)  # a mail still waiting goes without it
    services.send_notice(None, meeting, "http://portal.test/m")  # type: ignore[arg-type]
    db_session.commit()
    newest = [m for m in outbox(db_session) if m.recipient == mworld.emails["member"]][-1]
    new_path = LINK_RE.search(render_body(newest.body_text))[1]  # type: ignore[index]
    assert new_path != path
    assert client.get(new_path).status_code == 200


def test_a_member_answers_on_the_meeting_page(client, mworld, db_session):
    meeting = noticed(db_session, mworld)
    sign_in(client, mworld, "region_member")
    page = client.get(f"/a/{mworld.slug}/meetings/{meeting.id}")
    assert 'id="answer-heading"' in page.text
    response = post(client, f"/a/{mworld.slug}/meetings/{meeting.id}/answer", {"answer": "coming"})
    assert response.status_code == 302
    db_session.expire_all()
    assert seat(db_session, meeting, mworld.user_ids["region_member"]).answer is Answer.COMING


def test_someone_not_invited_cannot_answer(client, mworld, db_session):
    meeting = noticed(db_session, mworld)
    sign_in(client, mworld, "admin")
    response = post(client, f"/a/{mworld.slug}/meetings/{meeting.id}/answer", {"answer": "coming"})
    assert response.status_code == 404


def test_the_leader_sees_answers_and_who_has_not_answered(client, mworld, db_session):
    meeting = noticed(db_session, mworld)
    path = link_path(db_session, mworld.emails["member"])
    post(client, path, {"answer": "coming"}, token_page=path)
    sign_in(client, mworld, "process_leader")
    page = client.get(f"/a/{mworld.slug}/meetings/{meeting.id}").text
    assert "2 personer har inte svarat på kallelsen." in page
    assert "Kommer" in page


def test_meetings_to_answer_lists_unanswered_upcoming_notices(client, mworld, db_session):
    from portal.accounts.models import User

    later = noticed(db_session, mworld, soon(30))
    first = noticed(db_session, mworld, soon(10))
    make_meeting(db_session, mworld, soon(40))  # no notice yet
    member = db_session.get(User, mworld.user_ids["member"])
    assert answers.meetings_to_answer(member) == [first, later]
    url = answer_links.link_url(answer_links.issue_link(seat(db_session, first, member.id)))
    path = url.removeprefix("http://portal.test")
    post(client, path, {"answer": "coming"}, token_page=path)
    assert answers.meetings_to_answer(member) == [later]


def test_an_agency_absent_twice_is_flagged_until_someone_is_named(client, mworld, db_session):
    held = []
    for days_ago in (60, 30):
        meeting = make_meeting(db_session, mworld, soon(-days_ago))
        for invitee in meeting.invitees:
            invitee.status = (
                AttendanceStatus.ABSENT
                if invitee.agency_id == mworld.region_id
                else AttendanceStatus.PRESENT
            )
        held.append(meeting)
    db_session.commit()
    upcoming = noticed(db_session, mworld)
    assert [flag.name for flag in answers.absent_agencies(upcoming)] == ["Region Gävleborg"]
    sign_in(client, mworld, "process_leader")
    assert "Region Gävleborg" in client.get(f"/a/{mworld.slug}/meetings/{upcoming.id}").text
    # One absence is not a pattern.
    held[0].invitees[0].status = AttendanceStatus.PRESENT
    for invitee in held[0].invitees:
        invitee.status = AttendanceStatus.PRESENT
    db_session.commit()
    assert answers.absent_agencies(upcoming) == []
    for invitee in held[0].invitees:
        if invitee.agency_id == mworld.region_id:
            invitee.status = AttendanceStatus.ABSENT
    db_session.commit()
    path = link_path(db_session, mworld.emails["region_member"])
    post(
        client,
        path,
        {
            "answer": "not_coming",
            "substitute_name": "Vera Vikarie",
            "substitute_email": "v@region.se",
        },
        token_page=path,
    )
    db_session.expire_all()
    assert answers.absent_agencies(db_session.get(Meeting, upcoming.id)) == []


def test_the_link_row_for_a_seat_is_reused(app, mworld, db_session):
    meeting = noticed(db_session, mworld)
    invitee = seat(db_session, meeting, mworld.user_ids["member"])
    first = answer_links.issue_link(invitee)
    assert answer_links.issue_link(invitee).id == first.id


def test_a_named_substitute_gets_the_changed_notice(client, mworld, db_session):
    meeting = noticed(db_session, mworld)
    path = link_path(db_session, mworld.emails["member"])
    form = {"answer": "not_coming", "substitute_name": "Sara", "substitute_email": "sara@fk.se"}
    post(client, path, form, token_page=path)
    db_session.expire_all()
    meeting = db_session.get(Meeting, meeting.id)
    before = len(outbox(db_session))
    services.update_meeting(
        None,  # type: ignore[arg-type]
        meeting,
        services.MeetingData(
            starts_at=meeting.starts_at + dt.timedelta(hours=1),
            ends_at=meeting.ends_at + dt.timedelta(hours=1),
            place="Kommunhuset",
            agenda=["Öppnande", "Handlingsplanen"],
        ),
        "http://portal.test/m",
        meeting.lock_version,
    )
    db_session.commit()
    to_sara = [m for m in outbox(db_session)[before:] if m.recipient == "sara@fk.se"]
    assert [m.subject.split(":")[0] for m in to_sara] == ["Ändrad kallelse"]
    assert "SEQUENCE:1" in to_sara[0].attachments[0]["content"]
