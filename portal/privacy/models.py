"""Statements the law asks for, and the retention rules the platform admin sets."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.audit import AuditWords
from portal.db import VersionedMixin, utcnow
from portal.extensions import Model


class StatementKind(enum.StrEnum):
    """Which statement a text is."""

    ACCESSIBILITY = "accessibility"
    PRIVACY = "privacy"


class Compliance(enum.StrEnum):
    """How far the service meets the accessibility requirements (DIGG's three levels)."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class Statement(VersionedMixin, Model):
    """The accessibility statement (one for the installation) or an association's privacy
    notice. Texts are Markdown, rendered through ``core.markdown``.

    ``key`` is ``accessibility`` or ``privacy:<association id>``, so that the database
    keeps one of each (a unique index on a nullable association would let two slip by).
    """

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    association_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    compliance: Mapped[str | None] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    contact: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_on: Mapped[dt.date | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    updated_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("kind IN ('accessibility', 'privacy')", name="kind_known"),
    )


class RetentionRule(VersionedMixin, Model):
    """How many days one category of data is kept (a row only once the default changed)."""

    __tablename__ = "retention_rules"

    category: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    days: Mapped[int]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (sa.CheckConstraint("days BETWEEN 1 AND 36500", name="days_range"),)


AUDIT_WORDS = AuditWords(
    actions={
        "statement.update": _l("Statement changed"),
        "retention.update": _l("Retention rule changed"),
        "retention.run": _l("Retention rules applied"),
        "person.erase": _l("Person erased"),
        "person.extract": _l("Register extract produced"),
    },
    fields={
        "compliance": _l("Compliance status"),
        "body": _l("Text"),
        "contact": _l("Contact"),
        "reviewed_on": _l("Last reviewed"),
        "days": _l("Days"),
    },
)
