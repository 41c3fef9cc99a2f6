"""Answering a notice: coming or not, and a substitute, by link or on the meeting page.

The notice carries a personal link for one seat. The outbox keeps only a marker; the
link is made from ``SECRET_KEY`` and the link row's nonce as the mail is sent, and the
database keeps only the link's hash. An answer of *not coming* records the seat as
excused (anmält förhinder), so the attendance grid starts from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core import audit, mail
from portal.core.errors import DomainError
from portal.core.urls import absolute_url
from portal.db import utcnow
from portal.extensions import db
from portal.groups.models import Group, Membership
from portal.meetings.models import (
    Answer,
    AnswerLink,
    AttendanceStatus,
    Invitee,
    Meeting,
    Substitute,
)
from portal.meetings.services import attendance, ical, needs
from portal.organisations.models import Association


def revoke_links(actor: User, invitee: Invitee) -> int:
    """Withdraw the seat's links; the next notice carries a new one. Returns how many."""
    links = db.session.scalars(
        sa.select(AnswerLink).where(
            AnswerLink.invitee_id == invitee.id, AnswerLink.revoked_at.is_(None)
        )
    ).all()
    for link in links:
        link.revoked_at = utcnow()
    if links:
        audit.record(
            actor=actor,
            action="meeting.answer_link_revoke",
            obj=invitee.meeting,
            association_id=invitee.meeting.association_id,
            summary=invitee.user.name,
        )
    return len(links)


@dataclass(frozen=True)
class AnswerData:
    """What the answer form submits."""

    answer: Answer
    substitute_user_id: int | None = None
    substitute_name: str = ""
    substitute_email: str = ""


def substitute_candidates(invitee: Invitee) -> list[User]:
    """People who may sit in for the invitee: seats for the same agency in the association
    in force on the meeting's day, the invitee excepted."""
    day = invitee.meeting.starts_at.date()
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Group, Group.id == Membership.group_id)
            .where(
                Group.association_id == invitee.meeting.association_id,
                Membership.agency_id == invitee.agency_id,
                Membership.valid_from <= day,
                sa.or_(Membership.valid_to.is_(None), Membership.valid_to >= day),
                User.id != invitee.user_id,
                User.active.is_(True),
            )
            .distinct()
            .order_by(User.name)
        )
    )


def _check(invitee: Invitee, data: AnswerData) -> tuple[User | None, str, str]:
    if invitee.meeting.ends_at <= utcnow():
        raise DomainError(_("The meeting has ended; it can no longer be answered."))
    if data.answer is Answer.COMING:
        return None, "", ""
    name, email = data.substitute_name.strip(), data.substitute_email.strip()
    if data.substitute_user_id:
        if name or email:
            raise DomainError(
                _("Choose a person from the list or type a name, not both."),
                field="substitute_name",
            )
        user = next(
            (u for u in substitute_candidates(invitee) if u.id == data.substitute_user_id), None
        )
        if user is None:
            raise DomainError(_("Choose a person of your own agency."), field="substitute_user")
        return user, user.name, user.email
    if email and not name:
        raise DomainError(_("Give the substitute's name."), field="substitute_name")
    if name and not email:
        raise DomainError(
            _("Give the substitute's e-mail address, so that the notice reaches them."),
            field="substitute_email",
        )
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise DomainError(
                _("That is not a valid e-mail address."), field="substitute_email"
            ) from error
    return None, name, email


def answer(actor: User | None, invitee: Invitee, data: AnswerData) -> bool:
    """Record the seat's answer and substitute. A newly named substitute gets their own
    notice with the calendar file. Returns whether anything changed."""
    meeting = invitee.meeting
    attendance.lock(meeting)
    sub_user, sub_name, sub_email = _check(invitee, data)
    before = _snapshot(invitee)
    current = invitee.substitute
    same = current is not None and (
        (current.user_id or None, current.name, (current.email or "").lower())
        == (sub_user.id if sub_user else None, sub_name, sub_email.lower())
    )
    if current is not None and not same:
        invitee.substitute = None
        db.session.flush()
    new_substitute = None
    if sub_name and not same:
        new_substitute = Substitute(
            meeting_id=meeting.id,
            invitee=invitee,
            user_id=sub_user.id if sub_user else None,
            name=sub_name,
            email=None if sub_user else sub_email,
            agency_id=invitee.agency_id,
        )
        db.session.add(new_substitute)
    invitee.answer = data.answer
    if data.answer is Answer.NOT_COMING and invitee.status is None:
        invitee.status = AttendanceStatus.EXCUSED
    elif data.answer is Answer.COMING and invitee.status is AttendanceStatus.EXCUSED:
        invitee.status = None
    db.session.flush()
    after = _snapshot(invitee)
    if not audit.changed(before, after):
        return False
    invitee.answered_at = utcnow()
    audit.record(
        actor=actor,
        action="meeting.answer",
        obj=meeting,
        association_id=meeting.association_id,
        summary=invitee.user.name,
        before=before,
        after=after,
    )
    if new_substitute is not None and meeting.notice_sent_at is not None:
        queue_substitute_notice(new_substitute)
    return True


def _snapshot(invitee: Invitee) -> dict[str, object]:
    sub = invitee.substitute
    return {
        "answer": invitee.answer.value if invitee.answer else None,
        "substitute": f"{sub.name} <{substitute_address(sub)}>" if sub else None,
    }


def substitute_address(substitute: Substitute) -> str:
    """Where a substitute's mail goes: the registered person's address, else the typed one."""
    if substitute.user_id is not None:
        user = db.session.get(User, substitute.user_id)
        return user.email if user else ""
    return substitute.email or ""


def queue_substitute_notice(substitute: Substitute, *, update: bool = False) -> None:
    """The substitute's own notice with the .ics, in their language (Swedish if unknown);
    with ``update`` the changed meeting (same UID, the new SEQUENCE)."""
    meeting = substitute.invitee.meeting
    address = substitute_address(substitute)
    if not address:
        return
    user = db.session.get(User, substitute.user_id) if substitute.user_id else None
    locale = (user.locale if user else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    association = db.session.get(Association, meeting.association_id)
    slug = association.slug if association else ""
    url = absolute_url("meetings.show", slug=slug, meeting_id=meeting.id)
    subject, body = mail.render_mail(
        "meetings/substitute_notice",
        locale,
        meeting=meeting,
        substitute=substitute,
        invitee=substitute.invitee,
        registered=user is not None,
        url=url,
        update=update,
    )
    with force_locale(locale):
        summary = ical.meeting_summary(meeting)  # the calendar file's title
    organizer = str(current_app.config["MAIL_DEFAULT_SENDER"])
    mail.queue_mail(
        recipient=address,
        subject=subject,
        body=body,
        association_id=meeting.association_id,
        attachments=[
            {
                "filename": "kallelse.ics",
                "content_type": "text/calendar; method=REQUEST",
                "content": ical.notice_ics(meeting, summary, organizer, address, url),
            }
        ],
    )
    substitute.notice_sent_at = utcnow()


def invitee_of(meeting: Meeting, user: User) -> Invitee | None:
    """The person's own seat at the meeting, if invited."""
    if not user.is_authenticated:
        return None
    return next((i for i in meeting.invitees if i.user_id == user.id), None)


def meetings_to_answer(person: User) -> list[Meeting]:
    """Upcoming meetings whose notice the person has received and not yet answered,
    soonest first (what the start page lists)."""
    return list(needs.to_answer(person.id, utcnow()))


@dataclass(frozen=True)
class AgencyFlag:
    """An agency absent from the group's last two meetings, with nobody named for this one."""

    name: str
    missed: int


def absent_agencies(meeting: Meeting, held: int = 2) -> list[AgencyFlag]:
    """Agencies invited to ``meeting`` that were not represented at either of the group's
    previous ``held`` meetings (with attendance recorded) and for which nobody has
    answered *coming* and no substitute is named."""
    previous = db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.group_id == meeting.group_id,
            Meeting.starts_at < meeting.starts_at,
            Meeting.ends_at <= utcnow(),
        )
        .order_by(Meeting.starts_at.desc())
        .limit(held)
        .options(
            selectinload(Meeting.invitees).joinedload(Invitee.agency),
            selectinload(Meeting.invitees)
            .joinedload(Invitee.substitute)
            .joinedload(Substitute.agency),
        )
    ).all()
    if len(previous) < held:
        return []
    recorded = [m for m in previous if any(i.status is not None for i in m.invitees)]
    if len(recorded) < held:
        return []
    absent: set[int] | None = None
    for earlier in recorded:
        missing = {p.agency.id for p in attendance.agency_presence(earlier) if not p.represented}
        absent = missing if absent is None else absent & missing
    covered = {i.agency_id for i in meeting.invitees if i.answer is Answer.COMING}
    covered |= {i.substitute.agency_id for i in meeting.invitees if i.substitute is not None}
    names = {i.agency_id: i.agency.name for i in meeting.invitees}
    return sorted(
        (
            AgencyFlag(name=names[a], missed=held)
            for a in (absent or set())
            if a in names and a not in covered
        ),
        key=lambda flag: flag.name,
    )
