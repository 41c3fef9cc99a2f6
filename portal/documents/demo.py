"""Demo documents: an agenda (a one-page PDF) on each group's next meeting.

Idempotent: a meeting that already has a document gets none. Written directly, as the
demo's meetings are: no audit entry, no mail.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app

from portal.core.pdf import pdf_file
from portal.db import utcnow
from portal.documents.models import Document, DocumentContent, DocumentSection, DocumentStorage
from portal.documents.services import documents as services
from portal.extensions import db
from portal.groups.models import Group
from portal.meetings.models import Meeting
from portal.organisations.models import Association


def load_demo(association: Association) -> int:
    """Attach an agenda to every group's next meeting (or its last, when none is ahead)."""
    groups = db.session.scalars(
        sa.select(Group).where(Group.association_id == association.id).order_by(Group.name)
    ).all()
    added = 0
    for group in groups:
        meeting = _next_meeting(group)
        if meeting is None or db.session.scalar(
            sa.select(Document.id).where(Document.meeting_id == meeting.id).limit(1)
        ):
            continue
        _attach(meeting, group, agenda_pdf(meeting, group))
        added += 1
    db.session.flush()
    return added


def _next_meeting(group: Group) -> Meeting | None:
    ahead = db.session.scalar(
        sa.select(Meeting)
        .where(Meeting.group_id == group.id, Meeting.starts_at >= utcnow())
        .order_by(Meeting.starts_at)
        .limit(1)
    )
    return ahead or db.session.scalar(
        sa.select(Meeting)
        .where(Meeting.group_id == group.id)
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


def _attach(meeting: Meeting, group: Group, data: bytes) -> None:
    storage = DocumentStorage(current_app.config["DOCUMENT_STORAGE"])
    sha256 = hashlib.sha256(data).hexdigest()
    document = Document(
        association_id=meeting.association_id,
        meeting_id=meeting.id,
        section=DocumentSection.MEETING,
        title="Dagordning",
        filename=f"Dagordning {group.name} {meeting.starts_at.date().isoformat()}.pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=sha256,
        storage=storage,
    )
    if storage is DocumentStorage.DATABASE:
        document.content = DocumentContent(data=data)
    else:
        services.write_file(sha256, data)
    db.session.add(document)


def agenda_pdf(meeting: Meeting, group: Group) -> bytes:
    """A one-page PDF listing the meeting's agenda (Helvetica, Windows-1252 text)."""
    lines = [
        f"Dagordning - {group.name}",
        f"{meeting.starts_at.date().isoformat()}, {meeting.place}",
        "",
        *(f"{n}. {item.title}" for n, item in enumerate(meeting.agenda_items, start=1)),
    ]
    text = ["BT", "/F1 12 Tf", "56 780 Td", "16 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text.append(f"({escaped}) Tj T*")
    text.append("ET")
    stream = "\n".join(text).encode("cp1252", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    return pdf_file(objects)
