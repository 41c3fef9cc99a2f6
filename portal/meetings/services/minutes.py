"""Minutes: revisions, the adjuster (justerare), approval, corrections, structured items.

Every save is a new revision. Approved minutes are frozen: a later change is a
correction, a new revision marked as such, which goes through approval again.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.core import audit
from portal.core.concurrency import (
    MissingVersionError,
    StaleEditError,
    bump,
    first_row,
    lock_row,
)
from portal.core.errors import DomainError
from portal.core.mail import queue_mail, render_mail
from portal.db import utcnow
from portal.extensions import db
from portal.meetings.models import (
    COMMENT_MAX,
    ITEM_TEXT_MAX,
    MINUTES_MAX,
    Meeting,
    Minutes,
    MinutesItem,
    MinutesItemKind,
    MinutesRevision,
    MinutesStatus,
)


def minutes_of(meeting: Meeting) -> Minutes | None:
    """The meeting's minutes with revisions (and their authors) and items, or None."""
    return db.session.scalar(
        sa.select(Minutes)
        .where(Minutes.meeting_id == meeting.id)
        .options(
            selectinload(Minutes.revisions).joinedload(MinutesRevision.author),
            selectinload(Minutes.revisions).joinedload(MinutesRevision.approved_by),
            selectinload(Minutes.items),
            joinedload(Minutes.adjuster),
        )
    )


def _minutes(meeting: Meeting) -> Minutes:
    """The meeting's minutes, made if need be, locked until the transaction ends and read
    afresh: every change of the minutes takes its turn, and sees the one before it."""
    minutes = minutes_of(meeting)
    if minutes is not None:
        return _locked(minutes)
    made, _created = first_row(lambda: _insert(meeting), lambda: _stored(meeting))
    return _locked(made)


def _locked(minutes: Minutes) -> Minutes:
    lock_row(minutes)
    db.session.expire(minutes, ["revisions", "items", "adjuster"])
    return minutes


def _insert(meeting: Meeting) -> Minutes:
    minutes = Minutes(meeting_id=meeting.id, meeting=meeting, status=MinutesStatus.DRAFT)
    db.session.add(minutes)
    db.session.flush()
    return minutes


def _stored(meeting: Meeting) -> Minutes | None:
    return db.session.scalar(sa.select(Minutes).where(Minutes.meeting_id == meeting.id))


class StaleMinutesError(StaleEditError):
    """A revision was saved after the one the form was based on; ``current`` is the newest."""

    def __init__(self, current: MinutesRevision) -> None:
        super().__init__(current)
        self.message = _(
            "Someone else saved revision %(n)d after you opened the minutes. Compare the two "
            "texts below; your text is kept in the form, and saving again makes it the newest "
            "revision (theirs stays in the history).",
            n=current.number,
        )


def latest(minutes: Minutes | None) -> MinutesRevision | None:
    """The newest revision."""
    return minutes.revisions[-1] if minutes and minutes.revisions else None


def approved(minutes: Minutes | None) -> MinutesRevision | None:
    """The newest approved revision: what members read as the minutes."""
    if minutes is None:
        return None
    done = [r for r in minutes.revisions if r.approved_at is not None]
    return done[-1] if done else None


def _audit(actor: User, action: str, minutes: Minutes, summary: str, **values: object) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=minutes,
        association_id=minutes.meeting.association_id,
        summary=summary,
        after=dict(values) or None,
    )


def authors(minutes: Minutes | None) -> set[int]:
    """Everyone who wrote any revision of the minutes, corrections included."""
    if minutes is None:
        return set()
    return {r.author_id for r in minutes.revisions if r.author_id is not None}


def adjuster_refusal(minutes: Minutes | None, user_id: int) -> str | None:
    """Why this person cannot be the adjuster of these minutes, or None if they can.

    The adjuster vouches for someone else's text: whoever wrote any revision of
    the minutes, a correction included, cannot also approve them.
    """
    if user_id in authors(minutes):
        return _("The adjuster must be someone other than those who wrote the minutes.")
    return None


def not_started_refusal(meeting: Meeting, now: dt.datetime | None = None) -> str | None:
    """Why the minutes cannot go for approval yet: the meeting has not started."""
    if meeting.starts_at > (now or utcnow()):
        return _(
            "The minutes can be sent for approval and approved once the meeting has started "
            "(%(when)s).",
            when=format_datetime(meeting.starts_at, "short"),
        )
    return None


def _check_adjuster(minutes: Minutes) -> None:
    """The appointed adjuster may approve: someone other than the writers, after the start."""
    if minutes.adjuster_id is None:
        raise DomainError(_("Appoint an adjuster first."), field="adjuster_id")
    refusal = adjuster_refusal(minutes, minutes.adjuster_id) or not_started_refusal(minutes.meeting)
    if refusal:
        raise DomainError(refusal, field="adjuster_id")


def _check_editable(minutes: Minutes) -> None:
    if minutes.status is MinutesStatus.SUBMITTED:
        raise DomainError(
            _("The minutes are with the adjuster and cannot be changed until they are returned."),
            field="body",
        )


def save_revision(
    actor: User, meeting: Meeting, body: str, *, base: int | None, correction: bool = False
) -> MinutesRevision:
    """Save the text as a new revision. Approved minutes only change through a correction.

    ``base`` is the number of the newest revision when the form was opened (0: there was
    none). A save based on an older revision than the newest is a conflict: two people
    saving at the same moment take turns on the minutes' row, and the second one is
    told, so no text is ever buried under a revision its author did not see.
    """
    if base is None:
        raise MissingVersionError()
    if len(body) > MINUTES_MAX:
        raise DomainError(
            _("The minutes can be at most %(n)d characters.", n=MINUTES_MAX), field="body"
        )
    if not body.strip():
        raise DomainError(_("Write the minutes before saving."), field="body")
    minutes = _minutes(meeting)
    previous = latest(minutes)
    if (previous.number if previous else 0) != base:
        assert previous is not None
        raise StaleMinutesError(previous)
    _check_editable(minutes)
    if minutes.status is MinutesStatus.APPROVED and not correction:
        raise DomainError(
            _("Approved minutes cannot be edited in place. Make a correction instead."),
            field="body",
        )
    if minutes.adjuster_id == actor.id:
        raise DomainError(
            _(
                "You are the appointed adjuster and cannot also write the minutes. "
                "Appoint another adjuster first."
            ),
            field="body",
        )
    if previous is not None and previous.body == body:
        raise DomainError(_("Nothing was changed."), field="body")
    revision = MinutesRevision(
        number=previous.number + 1 if previous else 1,
        body=body,
        author_id=actor.id,
        is_correction=approved(minutes) is not None,
    )
    minutes.revisions.append(revision)
    minutes.status = MinutesStatus.DRAFT
    bump(minutes)
    db.session.flush()
    _audit(
        actor,
        "minutes.correct" if revision.is_correction else "minutes.save",
        minutes,
        _("Revision %(n)d", n=revision.number),
        revision=revision.number,
        characters=len(body),
    )
    return revision


def appoint_adjuster(actor: User, meeting: Meeting, user_id: int) -> Minutes:
    """Appoint one of the invited people, other than the minutes' writers, as adjuster."""
    minutes = _minutes(meeting)
    _check_editable(minutes)
    invitee = next((i for i in meeting.invitees if i.user_id == user_id), None)
    if invitee is None:
        raise DomainError(
            _("The adjuster must be one of the people invited to the meeting."),
            field="adjuster_id",
        )
    refusal = adjuster_refusal(minutes, user_id)
    if refusal:
        raise DomainError(refusal, field="adjuster_id")
    minutes.adjuster_id = user_id
    minutes.adjuster = invitee.user
    _audit(actor, "minutes.adjuster", minutes, invitee.user.name, adjuster=invitee.user.name)
    return minutes


def submit(actor: User, meeting: Meeting, link: str | None = None) -> Minutes:
    """Send the newest revision to the adjuster for approval."""
    minutes = minutes_of(meeting)
    if minutes is not None:
        _locked(minutes)
    revision = latest(minutes)
    if minutes is None or revision is None:
        raise DomainError(_("Write the minutes before sending them for approval."))
    if minutes.status is MinutesStatus.SUBMITTED:
        raise DomainError(_("The minutes have already been sent for approval."))
    if revision.approved_at is not None:
        raise DomainError(_("The minutes are already approved."))
    _check_adjuster(minutes)
    assert minutes.adjuster is not None
    minutes.status = MinutesStatus.SUBMITTED
    minutes.submitted_at = utcnow()
    minutes.return_comment = None
    _audit(actor, "minutes.submit", minutes, minutes.adjuster.name, revision=revision.number)
    adjuster = minutes.adjuster
    subject, body = render_mail(
        "meetings/minutes_submitted", adjuster.locale, meeting=meeting, link=link
    )
    queue_mail(
        recipient=adjuster.email,
        subject=subject,
        body=body,
        association_id=meeting.association_id,
    )
    return minutes


def _check_with_adjuster(actor: User, minutes: Minutes | None) -> Minutes:
    if minutes is not None:
        _locked(minutes)
    if minutes is None or minutes.status is MinutesStatus.DRAFT:
        raise DomainError(_("The minutes have not been sent for approval."))
    if minutes.status is MinutesStatus.APPROVED:
        raise DomainError(_("The minutes are already approved."))
    if minutes.adjuster_id != actor.id:
        raise DomainError(_("Only the appointed adjuster can approve the minutes."))
    return minutes


def approve(actor: User, meeting: Meeting, link: str | None = None) -> MinutesRevision:
    """The adjuster approves the minutes; they are frozen and mailed to everyone invited."""
    minutes = _check_with_adjuster(actor, minutes_of(meeting))
    _check_adjuster(minutes)
    revision = latest(minutes)
    assert revision is not None
    revision.approved_at = utcnow()
    revision.approved_by_id = actor.id
    minutes.status = MinutesStatus.APPROVED
    _audit(actor, "minutes.approve", minutes, _("Revision %(n)d", n=revision.number))
    _mail_approved(meeting, minutes, revision, link)
    return revision


def return_minutes(actor: User, meeting: Meeting, comment: str) -> Minutes:
    """The adjuster sends the minutes back with a comment."""
    minutes = _check_with_adjuster(actor, minutes_of(meeting))
    comment = comment.strip()
    if not comment:
        raise DomainError(_("Say what should be changed."), field="comment")
    if len(comment) > COMMENT_MAX:
        raise DomainError(
            _("The comment can be at most %(n)d characters.", n=COMMENT_MAX), field="comment"
        )
    minutes.status = MinutesStatus.DRAFT
    minutes.return_comment = comment
    _audit(actor, "minutes.return", minutes, comment[:200], comment=comment)
    revision = latest(minutes)
    author = revision.author if revision is not None else None
    if author is not None:
        subject, body = render_mail(
            "meetings/minutes_returned",
            author.locale,
            meeting=meeting,
            adjuster=actor.name,
            comment=comment,
        )
        queue_mail(
            recipient=author.email,
            subject=subject,
            body=body,
            association_id=meeting.association_id,
        )
    return minutes


def _mail_approved(
    meeting: Meeting, minutes: Minutes, revision: MinutesRevision, link: str | None
) -> None:
    decisions = [i for i in minutes.items if i.kind is MinutesItemKind.DECISION]
    follow_ups = [i for i in minutes.items if i.kind is MinutesItemKind.FOLLOW_UP]
    for invitee in sorted(meeting.invitees, key=lambda i: i.user.name):
        user = invitee.user
        if not user.active:
            continue
        subject, body = render_mail(
            "meetings/minutes_approved",
            user.locale,
            meeting=meeting,
            revision=revision,
            decisions=decisions,
            follow_ups=follow_ups,
            link=link,
        )
        queue_mail(
            recipient=user.email,
            subject=subject,
            body=body,
            association_id=meeting.association_id,
        )


@dataclass(frozen=True)
class ItemData:
    """A decision or follow-up as the form submits it."""

    kind: MinutesItemKind
    text: str
    responsible: str = ""
    due_on: dt.date | None = None


def add_item(actor: User, meeting: Meeting, data: ItemData) -> MinutesItem:
    """Record a decision or follow-up; only while the minutes are a draft."""
    minutes = _minutes(meeting)
    _check_editable(minutes)
    if minutes.status is MinutesStatus.APPROVED:
        raise DomainError(_("Approved minutes are frozen. Make a correction first."), field="text")
    text = data.text.strip()
    if not text:
        raise DomainError(_("Describe the decision or follow-up."), field="text")
    if len(text) > ITEM_TEXT_MAX:
        raise DomainError(_("At most %(n)d characters.", n=ITEM_TEXT_MAX), field="text")
    item = MinutesItem(
        kind=data.kind,
        text=text,
        responsible=data.responsible.strip(),
        due_on=data.due_on,
        position=len(minutes.items),
    )
    minutes.items.append(item)
    db.session.flush()
    _audit(actor, "minutes.item_add", minutes, text[:200], kind=data.kind.value, text=text)
    return item


def remove_item(actor: User, meeting: Meeting, item_id: int) -> None:
    """Remove a decision or follow-up from draft minutes."""
    minutes = _minutes(meeting)
    _check_editable(minutes)
    if minutes.status is MinutesStatus.APPROVED:
        raise DomainError(_("Approved minutes are frozen. Make a correction first."))
    item = next((i for i in minutes.items if i.id == item_id), None)
    if item is None:
        raise DomainError(_("No such item in these minutes."))
    audit.record(
        actor=actor,
        action="minutes.item_remove",
        obj=minutes,
        association_id=meeting.association_id,
        summary=item.text[:200],
        before={"kind": item.kind.value, "text": item.text},
    )
    minutes.items.remove(item)
    db.session.flush()


@dataclass(frozen=True)
class DiffLine:
    """One line of a comparison: ``+`` added, ``-`` removed, `` `` unchanged."""

    sign: str
    text: str


def compare(old: MinutesRevision, new: MinutesRevision) -> list[DiffLine]:
    """A line diff between two revisions."""
    lines = difflib.ndiff(old.body.splitlines(), new.body.splitlines())
    return [DiffLine(line[0], line[2:]) for line in lines if not line.startswith("?")]
