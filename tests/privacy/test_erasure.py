"""Erasure: the name and address go from every table, the figures stay, records refuse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditEvent
from portal.core.clock import today
from portal.core.mail import MailStatus, queue_mail
from portal.groups.models import Membership
from portal.meetings.models import (
    Invitee,
    Meeting,
    Minutes,
    MinutesItem,
    MinutesItemKind,
    MinutesRevision,
    MinutesStatus,
    Substitute,
)
from portal.organisations.models import Association
from portal.plans.models import Activity
from portal.privacy.services import erasure
from portal.reporting.services.serialize import board_json
from portal.reporting.services.summary import Period, board_summary
from tests.conftest import csrf_token, put_session
from tests.privacy.conftest import where_found


def _leave(db_session: Any, user_id: int) -> None:
    """End the person's memberships yesterday, as the groups page does for one who left."""
    for membership in db_session.scalars(
        sa.select(Membership).where(Membership.user_id == user_id)
    ):
        if membership.valid_to is None:
            membership.valid_to = today() - dt.timedelta(days=1)
    db_session.flush()


def _figures(db_session: Any, association_id: int) -> list[dict[str, Any]]:
    association = db_session.get(Association, association_id)
    return [
        board_json(board_summary(association, Period.parse(year, kind)))
        for year in (2024, 2025)
        for kind in ("year", "h1")
    ]


def _meeting(db_session: Any, group_id: int) -> Meeting:
    return db_session.scalars(
        sa.select(Meeting).where(Meeting.group_id == group_id).order_by(Meeting.starts_at)
    ).first()


def _meeting_on(db_session: Any, group_id: int) -> Meeting:
    return db_session.scalars(
        sa.select(Meeting).where(Meeting.group_id == group_id).order_by(Meeting.starts_at)
    ).first()


def _minutes(
    db_session: Any, meeting: Meeting, body: str, status: MinutesStatus, **kw: Any
) -> Minutes:
    minutes = Minutes(meeting_id=meeting.id, status=status, **kw)
    db_session.add(minutes)
    db_session.flush()
    db_session.add(MinutesRevision(minutes_id=minutes.id, number=1, body=body, **kw.get("rev", {})))
    db_session.flush()
    return minutes


def _mention_everywhere(db_session: Any, rworld: Any, user: User) -> None:
    """Put the person's name and address where free text and logs keep copies."""
    name, email = user.name, user.email
    admin = db_session.get(User, rworld.user_ids["admin"])
    meeting = _meeting(db_session, rworld.group_ids["Mysam Alfa"])
    minutes = _minutes(
        db_session, meeting, f"Närvarande: {name}. {name} redovisar kartläggningen.",
        MinutesStatus.DRAFT,
    )  # fmt: skip
    db_session.add(
        MinutesItem(minutes_id=minutes.id, kind=MinutesItemKind.FOLLOW_UP,
                    text=f"{name} bjuder in FK", responsible=name)
    )  # fmt: skip
    other = db_session.scalars(
        sa.select(Invitee).where(Invitee.meeting_id == meeting.id, Invitee.user_id != user.id)
    ).first()
    db_session.add(Substitute(meeting_id=meeting.id, invitee_id=other.id, user_id=user.id,
                              name=name,
                              agency_id=other.agency_id))  # fmt: skip
    activity = db_session.scalars(
        sa.select(Activity).where(Activity.responsible_id == user.id)
    ).one()
    activity.outcome = f"Genomförd av {name} ({email})"
    audit.record(
        actor=admin, action="person.update", obj=user, association_id=rworld.association_id,
        summary=name, before={"name": "Lena L.", "email": email}, after={"name": name},
    )  # fmt: skip
    membership = db_session.scalars(
        sa.select(Membership).where(Membership.user_id == user.id)
    ).first()
    audit.record(
        actor=admin, action="membership.add", obj=membership,
        association_id=rworld.association_id, summary=f"{name} i Mysam Alfa",
        after={"user_id": name, "roles": [name, "x"], "nested": {name: email}},
    )  # fmt: skip
    queue_mail(recipient=email, subject=f"Kallelse till {name}", body=f"Hej {name}!",
               association_id=rworld.association_id)  # fmt: skip
    db_session.flush()


def test_an_erased_persons_name_is_nowhere_and_every_figure_stays(db_session, rworld, client):
    leader = db_session.get(User, rworld.user_ids["leader"])
    name, email = leader.name, leader.email
    _leave(db_session, leader.id)
    _mention_everywhere(db_session, rworld, leader)
    sent = queue_mail(recipient=email, subject=f"Protokoll till {name}", body="Hej")
    sent.status = MailStatus.SENT
    assert set(where_found(name)) >= {
        "users.name", "minutes_revisions.body",
        "minutes_items.responsible", "meeting_substitutes.name", "activities.outcome",
        "audit_events.summary", "audit_events.after", "outbox_messages.body_text",
    }  # fmt: skip
    before = _figures(db_session, rworld.association_id)
    counts_before = _row_counts(db_session)

    put_session(client, rworld.user_ids["platform_admin"])
    token = csrf_token(client, f"/platform/people/{leader.id}/erase")
    response = client.post(f"/platform/people/{leader.id}/erase", data={"csrf_token": token})
    assert response.status_code == 302

    db_session.expire_all()
    assert where_found(name) == []
    assert where_found(email) == []
    assert _figures(db_session, rworld.association_id) == before
    assert _row_counts(db_session) == {
        **counts_before,
        "audit_events": counts_before["audit_events"] + 1,
        "outbox_messages": counts_before["outbox_messages"] - 1,  # the unsent one only
    }
    leader = db_session.get(User, rworld.user_ids["leader"])
    assert leader.name == f"Person {leader.id}"
    assert leader.password_hash is None
    assert not leader.active


def _row_counts(db_session: Any) -> dict[str, int]:
    from portal.extensions import db

    return {
        t.name: db_session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name not in {"user_sessions"}
    }


def test_the_erasure_is_logged_without_details_and_earlier_entries_lose_theirs(
    db_session, rworld, client
):
    user = db_session.get(User, rworld.user_ids["m1"])
    name = user.name
    _leave(db_session, user.id)
    admin = db_session.get(User, rworld.user_ids["admin"])
    audit.record(actor=admin, action="person.update", obj=user, association_id=None,
                 before={"name": "Gammalt namn"}, after={"name": name})  # fmt: skip
    db_session.flush()
    put_session(client, rworld.user_ids["platform_admin"])
    page = client.get(f"/platform/people/{user.id}/erase")
    assert page.status_code == 200
    assert name in page.get_data(as_text=True)  # the confirmation names whom it erases
    token = csrf_token(client, f"/platform/people/{user.id}/erase")
    assert (
        client.post(f"/platform/people/{user.id}/erase", data={"csrf_token": token}).status_code
        == 302
    )

    events = db_session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "User", AuditEvent.object_id == user.id)
        .order_by(AuditEvent.id)
    ).all()  # fmt: skip
    assert events[-1].action == "person.erase"
    assert events[-1].summary == f"Person {user.id}"
    assert all(e.before is None and e.after is None for e in events)
    assert "Gammalt namn" not in str([(e.summary, e.before, e.after) for e in events])


def test_erasing_twice_changes_nothing_more(db_session, rworld, client):
    user = db_session.get(User, rworld.user_ids["m2"])
    _leave(db_session, user.id)
    put_session(client, rworld.user_ids["platform_admin"])
    token = csrf_token(client, f"/platform/people/{user.id}/erase")
    client.post(f"/platform/people/{user.id}/erase", data={"csrf_token": token})
    again = client.post(f"/platform/people/{user.id}/erase", data={"csrf_token": token})
    assert again.status_code == 302
    erased = db_session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "person.erase", AuditEvent.object_id == user.id
        )
    ).all()
    assert len(erased) == 1


def test_a_person_who_approved_minutes_is_not_erased_and_is_told_why(db_session, rworld, client):
    approver = db_session.get(User, rworld.user_ids["former"])
    name = approver.name
    meeting = _meeting(db_session, rworld.group_ids["Mysam Alfa"])
    minutes = Minutes(meeting_id=meeting.id, status=MinutesStatus.APPROVED, adjuster_id=approver.id)
    db_session.add(minutes)
    db_session.flush()
    db_session.add(MinutesRevision(minutes_id=minutes.id, number=1, body="Mötet öppnades.",
                                   approved_at=dt.datetime(2025, 3, 12, tzinfo=dt.UTC),
                                   approved_by_id=approver.id))  # fmt: skip
    db_session.flush()

    put_session(client, rworld.user_ids["platform_admin"])
    page = client.get(f"/platform/people/{approver.id}/erase")
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "allmän handling" in html
    assert "2025-03-11" in html  # which record keeps the name
    token = csrf_token(client, "/platform/people")
    refused = client.post(f"/platform/people/{approver.id}/erase", data={"csrf_token": token})
    assert refused.status_code == 409
    db_session.expire_all()
    assert db_session.get(User, approver.id).name == name


def test_approved_minutes_keep_the_name_and_nothing_else_does(db_session, rworld, client):
    person = db_session.get(User, rworld.user_ids["m4"])
    _leave(db_session, person.id)
    meeting = _meeting(db_session, rworld.group_ids["Mysam Alfa"])
    name = person.name
    _minutes(db_session, meeting, f"{name} föredrog ärendet.", MinutesStatus.APPROVED)
    other = _meeting_on(db_session, rworld.group_ids["Mysam Beta"])
    _minutes(db_session, other, f"{name} skickar underlaget.", MinutesStatus.DRAFT)
    assert erasure.refusal(person) is None
    assert erasure.kept_in_records(person) == [f"Mysam Alfa {meeting.starts_at:%Y-%m-%d}"]

    put_session(client, rworld.user_ids["platform_admin"])
    page = client.get(f"/platform/people/{person.id}/erase").get_data(as_text=True)
    assert f"Mysam Alfa {meeting.starts_at:%Y-%m-%d}" in page  # the page says where it stays
    token = csrf_token(client, "/platform/people")
    client.post(f"/platform/people/{person.id}/erase", data={"csrf_token": token})
    db_session.expire_all()
    assert where_found(name) == ["minutes_revisions.body"]
    bodies = set(db_session.scalars(sa.select(MinutesRevision.body)))
    assert f"{name} föredrog ärendet." in bodies  # the record, as approved
    assert f"Person {person.id} skickar underlaget." in bodies  # a draft is not a record


def test_others_cannot_erase(db_session, rworld, client):
    target = rworld.user_ids["m5"]
    for role in ("admin", "board", "leader"):
        put_session(client, rworld.user_ids[role])
        token = csrf_token(client, "/")
        assert client.get(f"/platform/people/{target}/erase").status_code == 404
        assert (
            client.post(f"/platform/people/{target}/erase", data={"csrf_token": token}).status_code
            == 404
        )
    db_session.expire_all()
    assert db_session.get(User, target).name == "Medlem m5"


def test_erasing_without_csrf_is_refused(db_session, rworld, client):
    target = rworld.user_ids["m5"]
    put_session(client, rworld.user_ids["platform_admin"])
    assert client.post(f"/platform/people/{target}/erase").status_code == 400
    db_session.expire_all()
    assert db_session.get(User, target).name == "Medlem m5"


def test_a_person_who_still_sits_in_a_group_or_holds_a_role_is_not_erased(db_session, rworld):
    member = db_session.get(User, rworld.user_ids["m5"])
    refusal = erasure.refusal(member)
    assert refusal is not None
    assert refusal.records == ["Mysam Alfa"]
    board = db_session.get(User, rworld.user_ids["board"])
    refusal = erasure.refusal(board)
    assert refusal is not None
    assert refusal.records[0].endswith("Styrelseledamot")
    _leave(db_session, member.id)
    assert erasure.refusal(member) is None


def test_a_namesake_stops_the_erasure_since_texts_cannot_tell_them_apart(db_session, rworld, f):
    person = db_session.get(User, rworld.user_ids["m4"])
    _leave(db_session, person.id)
    f.user(name=person.name)
    refusal = erasure.refusal(person)
    assert refusal is not None
    assert person.name in refusal.reason
