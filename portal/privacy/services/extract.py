"""A register extract: everything the portal holds about one person, as plain data.

The same dictionary feeds the page and the JSON download. Survey answers are never in
it: a submitted response names no person and no invitation, so nothing links one to
anyone (the extract says so).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.accounts.models import User, UserSession
from portal.core.audit import AuditEvent
from portal.core.mail import OutboxMessage
from portal.extensions import db
from portal.groups.models import Membership
from portal.meetings.models import Invitee, Meeting, MinutesRevision, Substitute
from portal.organisations.models import AssociationPerson, AssociationRole
from portal.plans.models import Activity, Plan, PlanChange
from portal.reporting.models import ReportAnalysis

SURVEY_NOTE = "survey-answers-not-linked"


def _day(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def extract(user: User) -> dict[str, Any]:
    """The person's data by section; dates as ISO text so the dict is JSON as it is."""
    return {
        "account": _account(user),
        "associations": _associations(user),
        "memberships": _memberships(user),
        "meetings": _meetings(user),
        "activities": _activities(user),
        "texts": _texts(user),
        "audit": _audit(user),
        "mail": _mail(user),
        "survey_answers": SURVEY_NOTE,
    }


def _account(user: User) -> dict[str, Any]:
    sessions = db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id)
    ).all()
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "registered": _day(user.created_at),
        "language": user.locale,
        "platform_admin": user.is_platform_admin,
        "active": user.active,
        "password_set": user.password_hash is not None,
        "two_factor": user.totp_secret is not None,
        "sessions": [
            {"started": _day(s.created_at), "last_seen": _day(s.last_seen_at),
             "browser": s.user_agent}
            for s in sessions
        ],
    }  # fmt: skip


def _associations(user: User) -> list[dict[str, Any]]:
    entries = db.session.scalars(
        sa.select(AssociationPerson)
        .where(AssociationPerson.user_id == user.id)
        .options(joinedload(AssociationPerson.association))
    ).all()
    roles = db.session.scalars(
        sa.select(AssociationRole).where(AssociationRole.user_id == user.id)
    ).all()
    return [
        {
            "association": entry.association.name,
            "roles": sorted(
                r.role.value for r in roles if r.association_id == entry.association_id
            ),
        }
        for entry in entries
    ]


def _memberships(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        sa.select(Membership)
        .where(Membership.user_id == user.id)
        .options(joinedload(Membership.group), joinedload(Membership.agency))
        .order_by(Membership.valid_from, Membership.id)
    ).all()
    return [
        {"group": m.group.name, "agency": m.agency.name, "role": m.role.value,
         "from": _day(m.valid_from), "to": _day(m.valid_to)}
        for m in rows
    ]  # fmt: skip


def _meetings(user: User) -> list[dict[str, Any]]:
    invited = db.session.scalars(
        sa.select(Invitee)
        .join(Meeting)
        .where(Invitee.user_id == user.id)
        .options(joinedload(Invitee.meeting).joinedload(Meeting.group))
        .order_by(Meeting.starts_at)
    ).all()
    stood_in = db.session.scalars(
        sa.select(Substitute)
        .where(Substitute.user_id == user.id)
        .options(joinedload(Substitute.invitee).joinedload(Invitee.meeting))
    ).all()
    rows = [
        {"meeting": _day(i.meeting.starts_at), "group": i.meeting.group.name,
         "role": i.role.value, "attendance": i.status.value if i.status else None,
         "as_substitute": False}
        for i in invited
    ]  # fmt: skip
    rows += [
        {"meeting": _day(s.invitee.meeting.starts_at), "group": s.invitee.meeting.group.name,
         "role": None, "attendance": "present", "as_substitute": True}
        for s in stood_in
    ]  # fmt: skip
    return rows


def _activities(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        sa.select(Activity)
        .where(Activity.responsible_id == user.id)
        .options(joinedload(Activity.plan).joinedload(Plan.group))
        .order_by(Activity.id)
    ).all()
    return [
        {"plan": f"{a.plan.group.name} {a.plan.year}", "activity": a.what,
         "due": _day(a.due_date), "status": a.status.value}
        for a in rows
    ]  # fmt: skip


def _texts(user: User) -> list[dict[str, Any]]:
    minutes = db.session.scalars(
        sa.select(MinutesRevision)
        .where(MinutesRevision.author_id == user.id)
        .order_by(MinutesRevision.created_at)
    ).all()
    analyses = db.session.scalars(
        sa.select(ReportAnalysis).where(ReportAnalysis.updated_by_id == user.id)
    ).all()
    changes = db.session.scalars(
        sa.select(PlanChange).where(PlanChange.actor_id == user.id).order_by(PlanChange.id)
    ).all()
    return (
        [{"kind": "minutes", "written": _day(r.created_at), "text": r.body} for r in minutes]
        + [{"kind": "analysis", "written": _day(a.updated_at), "text": a.body} for a in analyses]
        + [{"kind": "plan_change", "written": _day(c.occurred_at), "text": c.summary}
           for c in changes]
    )  # fmt: skip


def _audit(user: User) -> list[dict[str, Any]]:
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                sa.and_(AuditEvent.object_type.in_(("User", "AssociationPerson")),
                        AuditEvent.object_id == user.id),
                AuditEvent.actor_id == user.id,
            )
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()  # fmt: skip
    return [
        {"when": _day(e.occurred_at), "action": e.action, "about_them": e.actor_id != user.id,
         "summary": e.summary}
        for e in events
    ]  # fmt: skip


def _mail(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.recipient == user.email)
        .order_by(OutboxMessage.created_at)
    ).all()
    return [
        {"written": _day(m.created_at), "sent": _day(m.sent_at), "status": m.status.value,
         "subject": m.subject}
        for m in rows
    ]  # fmt: skip
