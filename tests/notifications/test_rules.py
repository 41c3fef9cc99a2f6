"""Every reminder rule at its boundary, once, and switched off by the person."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.clock import local_datetime
from portal.core.mail import MailStatus, OutboxMessage, render_body
from portal.meetings.models import Answer, Invitee, Meeting, Minutes, MinutesStatus, Substitute
from portal.meetings.services import meetings as services
from portal.notifications.models import Kind, NotificationSent
from portal.notifications.services import runner, settings
from portal.organisations.models import Association
from portal.plans.models import Activity, ActivityStatus, Plan, PlanStatus
from tests.support.meetings import MeetingWorld, make_meeting

DAY = dt.date(2027, 3, 16)  # a Tuesday; the meeting starts 09:00 Stockholm time


def at(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return local_datetime(day, dt.time(hour, minute))


def mails(db_session: Any) -> list[OutboxMessage]:
    return list(db_session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def queued_since(db_session: Any, before: int) -> list[tuple[str, str]]:
    return sorted((m.recipient, m.subject) for m in mails(db_session)[before:])


def noticed(db_session: Any, mworld: MeetingWorld) -> Meeting:
    meeting = make_meeting(db_session, mworld, DAY)
    services.send_notice(None, meeting)  # type: ignore[arg-type]
    db_session.commit()
    return meeting


def seat(meeting: Meeting, user_id: int) -> Invitee:
    return next(i for i in meeting.invitees if i.user_id == user_id)


# --- the meeting reminder -----------------------------------------------------------


def test_meeting_reminder_goes_n_days_before_to_non_answerers_and_substitutes(mworld, db_session):
    meeting = noticed(db_session, mworld)
    seat(meeting, mworld.user_ids["member"]).answer = Answer.COMING
    region = seat(meeting, mworld.user_ids["region_member"])
    region.answer = Answer.NOT_COMING
    db_session.add(
        Substitute(
            meeting_id=meeting.id,
            invitee=region,
            name="Vera Vikarie",
            email="vera@region.se",
            agency_id=mworld.region_id,
        )
    )
    db_session.commit()
    before = len(mails(db_session))

    assert runner.run(at(DAY - dt.timedelta(days=6), 23, 59)).total == 0  # the day before
    report = runner.run(at(DAY - dt.timedelta(days=5), 0, 1))  # five days before
    assert report.queued[Kind.MEETING_REMINDER] == 2
    sent = mails(db_session)[before:]
    assert sorted(m.recipient for m in sent) == sorted(
        [mworld.emails["process_leader"], "vera@region.se"]
    )
    leader = next(m for m in sent if m.recipient == mworld.emails["process_leader"])
    assert leader.subject.startswith("Påminnelse: Mysam Hudiksvall")
    assert "/answer/" in render_body(leader.body_text)  # the personal link, made as sent
    assert "http://portal.test/account/notifications" in leader.body_text
    vera = next(m for m in sent if m.recipient == "vera@region.se")
    assert "ersättare för Rolf Region" in vera.body_text
    assert "/account/notifications" not in vera.body_text  # no settings to change

    # Once: later runs on the same and the next days send nothing more.
    assert runner.run(at(DAY - dt.timedelta(days=5), 0, 2)).total == 0
    assert runner.run(at(DAY - dt.timedelta(days=1), 12)).total == 0
    assert len(mails(db_session)) == before + 2


def test_no_meeting_reminder_after_the_start_or_before_the_notice(mworld, db_session):
    noticed(db_session, mworld)
    make_meeting(db_session, mworld, DAY + dt.timedelta(days=1))  # no notice sent
    assert runner.run(at(DAY, 9, 0)).total == 0  # the meeting has started
    assert runner.run(at(DAY - dt.timedelta(days=1), 12)).queued[Kind.MEETING_REMINDER] == 3


def test_the_association_sets_the_days_before(mworld, db_session):
    noticed(db_session, mworld)
    db_session.get(Association, mworld.association_id).meeting_reminder_days = 2
    db_session.commit()
    assert runner.run(at(DAY - dt.timedelta(days=3), 23, 59)).total == 0
    assert runner.run(at(DAY - dt.timedelta(days=2))).queued[Kind.MEETING_REMINDER] == 3


def test_not_on_the_day_the_notice_went_out(mworld, db_session):
    meeting = noticed(db_session, mworld)
    meeting.notice_sent_at = at(DAY - dt.timedelta(days=2), 8)
    db_session.commit()
    assert runner.run(at(DAY - dt.timedelta(days=2), 23, 59)).total == 0
    assert runner.run(at(DAY - dt.timedelta(days=1), 0, 0)).queued[Kind.MEETING_REMINDER] == 3


def test_a_moved_meeting_is_reminded_again(mworld, db_session):
    meeting = noticed(db_session, mworld)
    assert runner.run(at(DAY - dt.timedelta(days=4))).queued[Kind.MEETING_REMINDER] == 3
    meeting.starts_at += dt.timedelta(days=7)
    meeting.ends_at += dt.timedelta(days=7)
    db_session.commit()
    assert runner.run(at(DAY - dt.timedelta(days=4), 1)).total == 0
    assert runner.run(at(DAY + dt.timedelta(days=3))).queued[Kind.MEETING_REMINDER] == 3


def test_a_person_who_switched_reminders_off_gets_none(mworld, db_session):
    noticed(db_session, mworld)
    member = db_session.get(User, mworld.user_ids["member"])
    settings.save(member, set(Kind) - {Kind.MEETING_REMINDER})
    db_session.commit()
    report = runner.run(at(DAY - dt.timedelta(days=5)))
    assert report.queued[Kind.MEETING_REMINDER] == 2
    assert report.switched_off == 1
    assert member.email not in {m.recipient for m in mails(db_session)[-2:]}


# --- minutes waiting for the adjuster ----------------------------------------------


def _submitted(db_session: Any, mworld: MeetingWorld, when: dt.datetime) -> Minutes:
    meeting = make_meeting(db_session, mworld, dt.date(2027, 2, 9))
    minutes = Minutes(
        meeting_id=meeting.id,
        status=MinutesStatus.SUBMITTED,
        adjuster_id=mworld.user_ids["member"],
        submitted_at=when,
    )
    db_session.add(minutes)
    db_session.commit()
    return minutes


def test_minutes_waiting_three_days_remind_the_adjuster_once(mworld, db_session):
    sent_at = dt.datetime(2027, 2, 10, 13, 0, tzinfo=dt.UTC)
    minutes = _submitted(db_session, mworld, sent_at)
    three_days = sent_at + dt.timedelta(days=3)
    assert runner.run(three_days - dt.timedelta(seconds=1)).total == 0
    before = len(mails(db_session))
    assert runner.run(three_days).queued[Kind.MINUTES_WAITING] == 1
    [message] = mails(db_session)[before:]
    assert message.recipient == mworld.emails["member"]
    assert f"/meetings/{minutes.meeting_id}/minutes" in message.body_text
    assert runner.run(three_days + dt.timedelta(days=2)).total == 0
    # Returned and sent again: a new occasion, three days after the new sending.
    minutes.submitted_at = three_days + dt.timedelta(days=2)
    db_session.commit()
    assert runner.run(three_days + dt.timedelta(days=4)).total == 0
    assert runner.run(three_days + dt.timedelta(days=5)).queued[Kind.MINUTES_WAITING] == 1


def test_approved_minutes_remind_nobody(mworld, db_session):
    minutes = _submitted(db_session, mworld, dt.datetime(2027, 2, 10, tzinfo=dt.UTC))
    minutes.status = MinutesStatus.APPROVED
    db_session.commit()
    assert runner.run(dt.datetime(2027, 3, 1, tzinfo=dt.UTC)).total == 0


# --- the weekly digests -------------------------------------------------------------

MONDAY = dt.date(2027, 3, 15)


def _plan(db_session: Any, pworld: Any, year: int, status: PlanStatus) -> Plan:
    plan = Plan(
        association_id=pworld.association_id,
        group_id=pworld.group_id,
        year=year,
        template_version_id=pworld.version_id,
        status=status,
    )
    db_session.add(plan)
    db_session.flush()
    return plan


def _activity(
    db_session: Any, plan: Plan, what: str, due: dt.date, user_id: int, **kw: Any
) -> Activity:
    activity = Activity(plan_id=plan.id, what=what, responsible_id=user_id, due_date=due, **kw)
    db_session.add(activity)
    return activity


def test_activity_digest_holds_due_within_14_days_and_overdue_once_a_week(pworld, db_session):
    plan = _plan(db_session, pworld, 2027, PlanStatus.ADOPTED)
    member = pworld.user_ids["member"]
    _activity(db_session, plan, "Fjorton dagar", MONDAY + dt.timedelta(days=14), member)
    _activity(db_session, plan, "Femton dagar", MONDAY + dt.timedelta(days=15), member)
    _activity(db_session, plan, "Försenad", MONDAY - dt.timedelta(days=1), member)
    _activity(
        db_session,
        plan,
        "Klar",
        MONDAY - dt.timedelta(days=1),
        member,
        status=ActivityStatus.DONE,
    )
    db_session.commit()
    before = len(mails(db_session))
    report = runner.run(at(MONDAY, 6))
    assert report.queued[Kind.ACTIVITY_DIGEST] == 1
    [digest] = [m for m in mails(db_session)[before:] if "åtgärder" in m.subject]
    assert "Fjorton dagar" in digest.body_text
    assert "Försenad" in digest.body_text
    assert "Femton dagar" not in digest.body_text
    assert "Klar" not in digest.body_text
    assert runner.run(at(MONDAY + dt.timedelta(days=6), 23, 59)).total == 0  # same week
    assert runner.run(at(MONDAY + dt.timedelta(days=7))).queued[Kind.ACTIVITY_DIGEST] == 1


def test_no_digest_for_nothing_due(pworld, db_session):
    plan = _plan(db_session, pworld, 2027, PlanStatus.ADOPTED)
    _activity(
        db_session, plan, "Långt fram", MONDAY + dt.timedelta(days=15), pworld.user_ids["member"]
    )
    db_session.commit()
    assert runner.run(at(MONDAY, 6)).queued[Kind.ACTIVITY_DIGEST] == 0


def test_admin_digest_lists_plans_not_adopted_and_failed_mail(pworld, db_session):
    _plan(db_session, pworld, 2027, PlanStatus.DRAFT)
    db_session.add(
        OutboxMessage(
            association_id=pworld.association_id,
            recipient="x@example.org",
            subject="s",
            body_text="b",
            message_id="<m@x>",
            status=MailStatus.FAILED,
        )
    )
    db_session.commit()
    before = len(mails(db_session))
    assert runner.run(at(MONDAY, 6)).queued[Kind.ADMIN_DIGEST] == 1
    [digest] = mails(db_session)[before:]
    assert digest.recipient == db_session.get(User, pworld.user_ids["admin"]).email
    assert "Mysam Hudiksvall" in digest.body_text
    assert "1 e-postmeddelande kunde inte levereras" in digest.body_text
    assert runner.run(at(MONDAY + dt.timedelta(days=1))).total == 0


def test_no_admin_digest_when_nothing_needs_an_admin(pworld, db_session):
    _plan(db_session, pworld, 2027, PlanStatus.ADOPTED)
    db_session.commit()
    assert runner.run(at(MONDAY, 6)).total == 0


def test_the_key_forbids_a_second_row(mworld, db_session):
    import pytest
    from sqlalchemy.exc import IntegrityError

    row = {
        "association_id": mworld.association_id,
        "kind": Kind.ADMIN_DIGEST,
        "recipient": "a@example.org",
        "subject": "association:1",
        "period": "2027-W11",
    }
    db_session.add(NotificationSent(**row))
    db_session.commit()
    db_session.add(NotificationSent(**row))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_one_association_failing_holds_up_no_other(mworld, db_session, monkeypatch, caplog):
    from portal.notifications.services import rules

    other = db_session.scalar(
        sa.select(Association.id).where(Association.id != mworld.association_id)
    )
    for association_id in (mworld.association_id, other):
        db_session.add(
            OutboxMessage(
                association_id=association_id,
                recipient="x@example.org",
                subject="s",
                body_text="b",
                message_id=f"<m{association_id}@x>",
                status=MailStatus.FAILED,
            )
        )
    db_session.commit()
    real = rules.admin_digests

    def broken(association: Association, now: dt.datetime) -> list[rules.Due]:
        if association.id == mworld.association_id:
            raise RuntimeError("boom")
        return real(association, now)

    monkeypatch.setattr(runner, "RULES", (broken,))
    report = runner.run(at(MONDAY, 6))
    assert report.failed == [mworld.slug]
    assert report.queued[Kind.ADMIN_DIGEST] == 1  # the other association's admin
    assert "boom" in caplog.text
    monkeypatch.setattr(runner, "RULES", (real,))
    assert runner.run(at(MONDAY, 7)).queued[Kind.ADMIN_DIGEST] == 1  # the first, now
