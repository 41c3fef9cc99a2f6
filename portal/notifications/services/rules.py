"""What is due: one function per kind of reminder, each returning the mail to send.

Each rule reads one association at a time and returns ``Due`` items; whether one has
already gone is the runner's business (``runner``), not the rule's. ``now`` is passed
in, so each rule can be tested at its boundary without waiting.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.core.clock import local_date
from portal.core.mail import MailStatus, OutboxMessage
from portal.core.urls import absolute_url
from portal.extensions import db
from portal.meetings.models import Invitee, Meeting, Minutes, MinutesStatus, Substitute
from portal.meetings.services import answer_links
from portal.notifications.models import Kind
from portal.organisations.models import Association, AssociationRole, AssociationRoleName
from portal.plans.models import UNFINISHED, Activity, Plan, PlanStatus
from portal.surveys.models import RoundStatus, SurveyRound

MINUTES_WAIT = dt.timedelta(days=3)
DIGEST_HORIZON_DAYS = 14
ROUND_CLOSING_DAYS = 14


@dataclass(frozen=True)
class Due:
    """One mail that is due: the key that makes it once, its recipient, and what to say.

    ``template`` is rendered with ``context`` in the recipient's language; ``user`` is
    None for someone outside the register (a substitute known by name and address),
    who has no settings to change.
    """

    kind: Kind
    association_id: int
    recipient: str
    subject: str
    period: str
    user: User | None
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # What costs a write (a personal link), made only for mail actually queued.
    late_context: Callable[[], dict[str, Any]] | None = None


def week(day: dt.date) -> str:
    """The ISO week a weekly digest belongs to, e.g. ``2026-W49``."""
    year, number, _weekday = day.isocalendar()
    return f"{year}-W{number:02d}"


def meeting_reminders(association: Association, now: dt.datetime) -> list[Due]:
    """N days before a meeting (the association's setting), to each invited person who
    has not answered and to each substitute named. Not on the day the notice itself
    went out: that mail has just arrived. A moved meeting is a new occasion."""
    today = local_date(now)
    days = association.meeting_reminder_days
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.association_id == association.id,
            Meeting.notice_sent_at.is_not(None),
            Meeting.starts_at > now,
            Meeting.starts_at < now + dt.timedelta(days=days + 2),
        )
        .options(
            joinedload(Meeting.group),
            selectinload(Meeting.invitees).joinedload(Invitee.user),
            selectinload(Meeting.invitees)
            .joinedload(Invitee.substitute)
            .joinedload(Substitute.user),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    out: list[Due] = []
    for meeting in meetings:
        day = local_date(meeting.starts_at)
        sent_on = local_date(meeting.notice_sent_at) if meeting.notice_sent_at else today
        if today >= day - dt.timedelta(days=days) and sent_on < today:
            out += _reminders_for(association, meeting)
    return out


def _reminders_for(association: Association, meeting: Meeting) -> list[Due]:
    """The reminders of one meeting: a personal answer link for those who have not
    answered, a note of whom they stand in for to substitutes."""

    def due(
        recipient: str,
        user: User | None,
        late: Callable[[], dict[str, Any]] | None = None,
        **context: Any,
    ) -> Due:
        return Due(
            kind=Kind.MEETING_REMINDER,
            association_id=association.id,
            recipient=recipient,
            subject=f"meeting:{meeting.id}",
            period=local_date(meeting.starts_at).isoformat(),
            user=user,
            template="meetings/reminder",
            context={"meeting": meeting, **context},
            late_context=late,
        )

    out = []
    for invitee in sorted(meeting.invitees, key=lambda i: i.id):
        if invitee.answer is None and invitee.user.active:
            out.append(
                due(
                    invitee.user.email,
                    invitee.user,
                    late=partial(_answer_link, invitee),
                    answer_link=None,
                    substitute_for=None,
                )
            )
        sub = invitee.substitute
        address = (sub.user.email if sub.user else sub.email) if sub else None
        if sub is not None and address and (sub.user is None or sub.user.active):
            out.append(due(address, sub.user, answer_link=None, substitute_for=invitee.user.name))
    return out


def _answer_link(invitee: Invitee) -> dict[str, Any]:
    link = answer_links.issue_link(invitee)
    return {"answer_link": answer_links.LINK_MARKER.format(id=link.id)}


def minutes_waiting(association: Association, now: dt.datetime) -> list[Due]:
    """Minutes sent for approval three days ago or more and still not approved: to the
    adjuster, once per sending (minutes returned and sent again are a new occasion)."""
    rows = db.session.scalars(
        sa.select(Minutes)
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .where(
            Meeting.association_id == association.id,
            Minutes.status == MinutesStatus.SUBMITTED,
            Minutes.adjuster_id.is_not(None),
            Minutes.submitted_at <= now - MINUTES_WAIT,
        )
        .options(
            joinedload(Minutes.adjuster), joinedload(Minutes.meeting).joinedload(Meeting.group)
        )
        .order_by(Minutes.id)
    ).all()
    return [
        Due(
            kind=Kind.MINUTES_WAITING,
            association_id=association.id,
            recipient=m.adjuster.email,
            subject=f"minutes:{m.id}",
            period=m.submitted_at.isoformat(timespec="seconds") if m.submitted_at else "",
            user=m.adjuster,
            template="meetings/minutes_waiting",
            context={
                "minutes": m,
                "meeting": m.meeting,
                "link": absolute_url(
                    "meetings.minutes", slug=association.slug, meeting_id=m.meeting_id
                ),
            },
        )
        for m in rows
        if m.adjuster is not None and m.adjuster.active
    ]


def activity_digests(association: Association, now: dt.datetime) -> list[Due]:
    """Once a week, per responsible person: their unfinished activities due within 14
    days or overdue, in this and last year's plans (older plans have been followed up
    in their board summaries)."""
    today = local_date(now)
    rows = db.session.scalars(
        sa.select(Activity)
        .join(Plan, Plan.id == Activity.plan_id)
        .where(
            Plan.association_id == association.id,
            Plan.year >= today.year - 1,
            Activity.responsible_id.is_not(None),
            Activity.status.in_(UNFINISHED),
            Activity.due_date <= today + dt.timedelta(days=DIGEST_HORIZON_DAYS),
        )
        .options(joinedload(Activity.responsible), joinedload(Activity.plan).joinedload(Plan.group))
        .order_by(Activity.due_date, Activity.id)
    ).all()
    by_person: dict[int, list[Activity]] = defaultdict(list)
    people: dict[int, User] = {}
    for activity in rows:
        person = activity.responsible
        if person is not None and person.active:
            by_person[person.id].append(activity)
            people[person.id] = person
    return [
        Due(
            kind=Kind.ACTIVITY_DIGEST,
            association_id=association.id,
            recipient=people[user_id].email,
            subject=f"association:{association.id}",
            period=week(today),
            user=people[user_id],
            template="notifications/activity_digest",
            context={
                "association": association,
                "link": absolute_url("organisations.overview", slug=association.slug),
                "overdue": [a for a in items if a.due_date and a.due_date < today],
                "soon": [a for a in items if a.due_date and a.due_date >= today],
            },
        )
        for user_id, items in sorted(by_person.items())
    ]


def admin_digests(association: Association, now: dt.datetime) -> list[Due]:
    """Once a week, to each of the association's admins when something needs them:
    this year's plans not adopted, survey rounds closing within 14 days, failed mail."""
    today = local_date(now)
    drafts = db.session.scalars(
        sa.select(Plan)
        .where(
            Plan.association_id == association.id,
            Plan.year == today.year,
            Plan.status == PlanStatus.DRAFT,
        )
        .options(joinedload(Plan.group))
    ).all()
    rounds = db.session.scalars(
        sa.select(SurveyRound).where(
            SurveyRound.association_id == association.id,
            SurveyRound.status == RoundStatus.OPEN,
            SurveyRound.closes_on >= today,
            SurveyRound.closes_on <= today + dt.timedelta(days=ROUND_CLOSING_DAYS),
        )
    ).all()
    failed = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.association_id == association.id,
                OutboxMessage.status == MailStatus.FAILED,
            )
        )
        or 0
    )
    if not (drafts or rounds or failed):
        return []
    admins = db.session.scalars(
        sa.select(User)
        .join(AssociationRole, AssociationRole.user_id == User.id)
        .where(
            AssociationRole.association_id == association.id,
            AssociationRole.role == AssociationRoleName.ADMIN,
            User.active.is_(True),
        )
        .order_by(User.id)
    ).all()
    context = {
        "association": association,
        "link": absolute_url("organisations.overview", slug=association.slug),
        "drafts": sorted(drafts, key=lambda p: p.group.name),
        "rounds": rounds,
        "failed": failed,
    }
    return [
        Due(
            kind=Kind.ADMIN_DIGEST,
            association_id=association.id,
            recipient=admin.email,
            subject=f"association:{association.id}",
            period=week(today),
            user=admin,
            template="notifications/admin_digest",
            context=context,
        )
        for admin in admins
    ]


RULES = (meeting_reminders, minutes_waiting, activity_digests, admin_digests)
