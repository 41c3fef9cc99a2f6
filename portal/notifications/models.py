"""What has been sent (so nothing goes twice) and who has switched which reminder off."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.core import audit
from portal.db import enum_column, utcnow
from portal.extensions import Model


class Kind(enum.StrEnum):
    """The reminders and digests ``notify run`` sends."""

    MEETING_REMINDER = "meeting_reminder"
    MINUTES_WAITING = "minutes_waiting"
    ACTIVITY_DIGEST = "activity_digest"
    ADMIN_DIGEST = "admin_digest"


KIND_LABELS = {
    Kind.MEETING_REMINDER: _l("Reminder before a meeting I have not answered"),
    Kind.MINUTES_WAITING: _l("Minutes waiting for me to approve them"),
    Kind.ACTIVITY_DIGEST: _l("Weekly list of my activities due or overdue"),
    Kind.ADMIN_DIGEST: _l("Weekly list of what needs an administrator"),
}


class NotificationSent(Model):
    """One reminder or digest queued: the unique key makes a second one impossible.

    ``recipient`` is the address, ``subject`` names the object it is about (such as
    ``meeting:12``) and ``period`` the occasion (the meeting's day, an ISO week), so a
    moved meeting or a new week is a new occasion.
    """

    __tablename__ = "notifications_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[Kind] = mapped_column(enum_column(Kind, "notification_kind"))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(64))
    period: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("kind", "recipient", "subject", "period"),)


class NotificationOptOut(Model):
    """A person has switched one kind of reminder off (every kind is on by default)."""

    __tablename__ = "notification_opt_outs"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[Kind] = mapped_column(enum_column(Kind, "notification_kind"), primary_key=True)


AUDIT_WORDS = audit.AuditWords(
    actions={"notifications.settings": _l("Reminder settings changed")},
    fields={"on": _l("Reminders on")},
)
