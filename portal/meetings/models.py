"""Meetings, who was invited and who came, minutes with their revisions, calendar feeds."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.audit import AuditWords
from portal.db import TimestampMixin, VersionedMixin, enum_column, utcnow
from portal.extensions import Model
from portal.groups.models import Group, MembershipRole
from portal.organisations.models import Agency
from portal.plans.models import Activity

AGENDA_TITLE_MAX = 200
AGENDA_ITEMS_MAX = 30
MINUTES_MAX = 50_000
COMMENT_MAX = 2000
ITEM_TEXT_MAX = 1000


class AttendanceStatus(enum.StrEnum):
    """What happened to an invited person's seat at a meeting."""

    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


ATTENDANCE_STATUS_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.ABSENT: _l("Absent"),
    AttendanceStatus.EXCUSED: _l("Excused"),
}


class MinutesStatus(enum.StrEnum):
    """Where the minutes are on their way to approval (justering)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


class Answer(enum.StrEnum):
    """What an invited person answered to the notice (svar på kallelsen)."""

    COMING = "coming"
    NOT_COMING = "not_coming"


ANSWER_LABELS = {
    Answer.COMING: _l("Coming"),
    Answer.NOT_COMING: _l("Not coming"),
}


class MinutesItemKind(enum.StrEnum):
    """Structured items in the minutes."""

    DECISION = "decision"
    FOLLOW_UP = "follow_up"


ITEM_KIND_LABELS = {
    MinutesItemKind.DECISION: _l("Decision"),
    MinutesItemKind.FOLLOW_UP: _l("Follow-up"),
}


class Meeting(VersionedMixin, TimestampMixin, Model):
    """A meeting of a group. ``uid`` and ``sequence`` identify it to calendar programs."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime]
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    video_link: Mapped[str] = mapped_column(sa.String(500), default="")
    purpose: Mapped[str] = mapped_column(sa.String(1000), default="")
    uid: Mapped[str] = mapped_column(sa.String(255), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    notice_sent_at: Mapped[dt.datetime | None]

    group: Mapped[Group] = relationship()
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting",
        order_by="AgendaItem.position",
        cascade="all, delete-orphan",
    )
    invitees: Mapped[list[Invitee]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    def __repr__(self) -> str:
        return f"<Meeting {self.group_id} {self.starts_at.isoformat()}>"


class AgendaItem(Model):
    """One item of a meeting's agenda (dagordning)."""

    __tablename__ = "meeting_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(AGENDA_TITLE_MAX))

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")


class Invitee(Model):
    """A person invited to a meeting, as their seat in the group was on the meeting's day.

    The agency and role are copied so that later membership changes leave the record of
    who sat for whom untouched. ``status`` is the person's attendance once recorded.
    """

    __tablename__ = "meeting_invitees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agencies.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[MembershipRole] = mapped_column(enum_column(MembershipRole, "membership_role"))
    status: Mapped[AttendanceStatus | None] = mapped_column(
        enum_column(AttendanceStatus, "attendance_status")
    )
    answer: Mapped[Answer | None] = mapped_column(enum_column(Answer, "meeting_answer"))
    answered_at: Mapped[dt.datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="invitees")
    user: Mapped[User] = relationship()
    agency: Mapped[Agency] = relationship()
    substitute: Mapped[Substitute | None] = relationship(
        back_populates="invitee", cascade="all, delete-orphan", uselist=False
    )

    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)


class Substitute(Model):
    """Someone who attended in an invited person's place (ersättare).

    Either a person in the association's register (``user_id``) or someone who is not,
    known only by name; either way the agency they spoke for is recorded.
    """

    __tablename__ = "meeting_substitutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    invitee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting_invitees.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    # Where the substitute's own notice and reminder go when they are not registered.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agencies.id", ondelete="RESTRICT"), index=True
    )
    notice_sent_at: Mapped[dt.datetime | None]

    invitee: Mapped[Invitee] = relationship(back_populates="substitute")
    user: Mapped[User | None] = relationship()
    agency: Mapped[Agency] = relationship()


class Minutes(VersionedMixin, TimestampMixin, Model):
    """A meeting's minutes (minnesanteckningar): revisions, an adjuster and a status."""

    __tablename__ = "meeting_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[MinutesStatus] = mapped_column(
        enum_column(MinutesStatus, "minutes_status"), default=MinutesStatus.DRAFT
    )
    adjuster_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    return_comment: Mapped[str | None] = mapped_column(sa.String(COMMENT_MAX))
    submitted_at: Mapped[dt.datetime | None]

    meeting: Mapped[Meeting] = relationship()
    adjuster: Mapped[User | None] = relationship()
    revisions: Mapped[list[MinutesRevision]] = relationship(
        back_populates="minutes",
        order_by="MinutesRevision.number",
        cascade="all, delete-orphan",
    )
    items: Mapped[list[MinutesItem]] = relationship(
        back_populates="minutes",
        order_by="(MinutesItem.kind, MinutesItem.position)",
        cascade="all, delete-orphan",
    )


class MinutesRevision(Model):
    """One saved text of the minutes. Rows are never changed except to mark approval."""

    __tablename__ = "minutes_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting_minutes.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    is_correction: Mapped[bool] = mapped_column(default=False)
    approved_at: Mapped[dt.datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    minutes: Mapped[Minutes] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    __table_args__ = (sa.UniqueConstraint("minutes_id", "number"),)


class MinutesItem(Model):
    """A decision (beslut) or follow-up (uppföljning) recorded in the minutes."""

    __tablename__ = "minutes_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting_minutes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MinutesItemKind] = mapped_column(enum_column(MinutesItemKind, "minutes_item_kind"))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.String(ITEM_TEXT_MAX))
    responsible: Mapped[str] = mapped_column(sa.String(200), default="")
    due_on: Mapped[dt.date | None]
    # The action plan activity a follow-up created or updated; the link goes, the item stays.
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activities.id", ondelete="SET NULL"), index=True
    )

    minutes: Mapped[Minutes] = relationship(back_populates="items")
    activity: Mapped[Activity | None] = relationship()


class CalendarFeed(Model):
    """A secret calendar subscription address: a group's meetings or a person's.

    Only the SHA-256 of the token is stored; revoking sets ``revoked_at``.
    """

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
    group: Mapped[Group | None] = relationship()


class AnswerLink(Model):
    """The personal link in a notice by which an invited person answers without signing in.

    Only the SHA-256 of the token is stored. It answers this one seat only, stops working
    when the meeting has ended, and ``revoked_at`` ends it earlier.
    """

    __tablename__ = "meeting_answer_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting_invitees.id", ondelete="CASCADE"), index=True
    )
    # With SECRET_KEY it yields the token (services.answers); alone it yields nothing.
    nonce: Mapped[str] = mapped_column(sa.String(32))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    invitee: Mapped[Invitee] = relationship()


AUDIT_WORDS = AuditWords(
    actions={
        "meeting.create": _l("Meeting scheduled"),
        "meeting.update": _l("Meeting changed"),
        "meeting.notice": _l("Meeting notice sent"),
        "meeting.notice_again": _l("Changed meeting notice sent"),
        "attendance.record": _l("Attendance recorded"),
        "attendance.substitute_add": _l("Substitute recorded"),
        "attendance.substitute_remove": _l("Substitute removed"),
        "meeting.answer": _l("Notice answered"),
        "meeting.answer_link_revoke": _l("Answer link revoked"),
        "calendar_feed.create": _l("Calendar feed created"),
        "calendar_feed.revoke": _l("Calendar feed revoked"),
        "minutes.save": _l("Minutes saved"),
        "minutes.correct": _l("Correction of the minutes saved"),
        "minutes.adjuster": _l("Adjuster appointed"),
        "minutes.submit": _l("Minutes sent for approval"),
        "minutes.approve": _l("Minutes approved"),
        "minutes.return": _l("Minutes returned by the adjuster"),
        "minutes.item_add": _l("Decision or follow-up added"),
        "minutes.item_remove": _l("Decision or follow-up removed"),
        "minutes.follow_up_create": _l("Activity created from a follow-up"),
        "minutes.follow_up_link": _l("Follow-up linked to an activity"),
    },
    fields={
        "starts_at": _l("Starts"),
        "ends_at": _l("Ends"),
        "place": _l("Place"),
        "video_link": _l("Video link"),
        "purpose": _l("Purpose"),
        "agenda": _l("Agenda"),
        "sequence": _l("Version in calendars"),
        "substitute": _l("Substitute"),
        "for": _l("In place of"),
        "revision": _l("Revision"),
        "characters": _l("Characters"),
        "adjuster": _l("Adjuster"),
        "comment": _l("Comment"),
        "text": _l("Text"),
        "item": _l("Item number"),
        "activity": _l("Activity number"),
        "plan": _l("Plan number"),
        "previous": _l("Previous activity number"),
        "answer": _l("Answer"),
    },
    values={
        ("attendance", "*"): ATTENDANCE_STATUS_LABELS,  # recorded per person: name → status
        ("minutes", "kind"): ITEM_KIND_LABELS,
        ("meeting", "answer"): ANSWER_LABELS,
    },
)
