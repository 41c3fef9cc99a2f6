"""Files attached to a meeting, its minutes or a plan, and their bytes."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core import audit
from portal.db import enum_column, utcnow
from portal.extensions import Model

TITLE_MAX = 200
FILENAME_MAX = 255


class DocumentSection(enum.StrEnum):
    """What a document belongs to: the meeting (agenda, presentations), the minutes, a plan."""

    MEETING = "meeting"
    MINUTES = "minutes"
    PLAN = "plan"


class DocumentStorage(enum.StrEnum):
    """Where a document's bytes are: a row of ``document_contents`` or a file."""

    DATABASE = "database"
    DIRECTORY = "directory"


class Document(Model):
    """One attached file. Belongs to exactly one meeting or one plan of its association;
    the database removes it with its meeting or plan (``ON DELETE CASCADE``)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True
    )
    section: Mapped[DocumentSection] = mapped_column(
        enum_column(DocumentSection, "document_section")
    )
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    filename: Mapped[str] = mapped_column(sa.String(FILENAME_MAX))
    # Decided from the bytes at upload, never from the name or the browser's word.
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage: Mapped[DocumentStorage] = mapped_column(
        enum_column(DocumentStorage, "document_storage")
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()
    content: Mapped[DocumentContent | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, uselist=False
    )

    __table_args__ = (
        sa.CheckConstraint("(meeting_id IS NULL) <> (plan_id IS NULL)", name="one_owner"),
        sa.CheckConstraint("size >= 0", name="size_not_negative"),
    )


class DocumentContent(Model):
    """The bytes of a document kept in the database (the default storage)."""

    __tablename__ = "document_contents"

    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)


AUDIT_WORDS = audit.AuditWords(
    actions={
        "document.upload": _l("Document attached"),
        "document.delete": _l("Document removed"),
    },
    fields={
        "filename": _l("File name"),
        "content_type": _l("File type"),
        "size": _l("Size in bytes"),
    },
)
