"""Attaching, reading and removing documents.

Bytes go to the database by default (``document_contents``), so every app server and
every backup has them; with ``DOCUMENT_STORAGE=directory`` they are files named by
their SHA-256 under ``DOCUMENT_DIRECTORY`` (written before the row commits; a file
whose row never commits is an orphan that harms nothing).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import audit
from portal.core.errors import DomainError
from portal.documents.models import (
    TITLE_MAX,
    Document,
    DocumentContent,
    DocumentSection,
    DocumentStorage,
)
from portal.documents.services import content
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.plans.models import Plan


@dataclass(frozen=True)
class Upload:
    """A file as the form hands it over: the uploader's name for it and its bytes."""

    filename: str
    stream: IO[bytes]
    title: str = ""


def max_bytes() -> int:
    return int(current_app.config["DOCUMENT_MAX_MB"]) * 1024 * 1024


def check(upload: Upload) -> content.FileType:
    """The file's type, or a ``DomainError`` on the file field saying what is wrong."""
    size = content.size_of(upload.stream)
    if size == 0:
        raise DomainError(_("The file is empty."), field="file")
    if size > max_bytes():
        raise DomainError(
            _(
                "The file is %(size)s MB; the largest file accepted is %(limit)d MB.",
                size=f"{size / 1024 / 1024:.1f}".replace(".", ","),
                limit=current_app.config["DOCUMENT_MAX_MB"],
            ),
            field="file",
        )
    kind = content.detect(upload.stream)
    if kind is None:
        raise DomainError(
            _(
                "The file is not a PDF, Office, OpenDocument or image file"
                " (its content was checked, not its name)."
            ),
            field="file",
        )
    if content.extension_of(upload.filename) not in kind.extensions:
        raise DomainError(
            _(
                "The file's name does not match its content: it is a %(kind)s file."
                " Give it the extension .%(ext)s and try again.",
                kind=kind.label,
                ext=kind.extensions[0],
            ),
            field="file",
        )
    return kind


def clean_filename(name: str) -> str:
    """The base name without directories or control characters, at most 255 long."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip() or "dokument"
    stem, dot, ext = base.rpartition(".")
    if len(base) > 255:
        base = f"{stem[: 250 - len(ext)]}{dot}{ext}" if dot else base[:255]
    return base


def attach(
    actor: User,
    upload: Upload,
    *,
    section: DocumentSection,
    meeting: Meeting | None = None,
    plan: Plan | None = None,
) -> Document:
    """Check and store ``upload`` on the meeting (or its minutes) or the plan; audited."""
    owner = meeting if meeting is not None else plan
    assert owner is not None
    assert (meeting is None) != (plan is None)
    kind = check(upload)
    data = upload.stream.read()
    filename = clean_filename(upload.filename)
    storage = DocumentStorage(current_app.config["DOCUMENT_STORAGE"])
    document = Document(
        association_id=owner.association_id,
        meeting_id=meeting.id if meeting is not None else None,
        plan_id=plan.id if plan is not None else None,
        section=section,
        title=(upload.title.strip() or filename)[:TITLE_MAX],
        filename=filename,
        content_type=kind.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage=storage,
        uploaded_by_id=actor.id,
    )
    if storage is DocumentStorage.DATABASE:
        document.content = DocumentContent(data=data)
    else:
        write_file(document.sha256, data)
    db.session.add(document)
    audit.record(
        actor=actor,
        action="document.upload",
        obj=document,
        association_id=document.association_id,
        summary=document.title,
        after={"filename": filename, "content_type": kind.label, "size": len(data)},
    )
    return document


def _directory() -> Path:
    return Path(current_app.config["DOCUMENT_DIRECTORY"])


def write_file(sha256: str, data: bytes) -> None:
    """Keep ``data`` as the file named by its SHA-256 (written once, atomically)."""
    path = _directory() / sha256[:2] / sha256
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)


def read(document: Document) -> bytes:
    """The document's bytes, from wherever they are kept."""
    if document.storage is DocumentStorage.DIRECTORY:
        return (_directory() / document.sha256[:2] / document.sha256).read_bytes()
    data = db.session.scalar(
        sa.select(DocumentContent.data).where(DocumentContent.document_id == document.id)
    )
    return data or b""


def remove(actor: User, document: Document) -> None:
    """Delete the document (its stored bytes go with its row); audited."""
    audit.record(
        actor=actor,
        action="document.delete",
        obj=document,
        association_id=document.association_id,
        summary=document.title,
        before={"filename": document.filename, "size": document.size},
    )
    db.session.delete(document)
    db.session.flush()


def load(document_id: int, association_id: int) -> Document | None:
    """A document of the association, or None."""
    return db.session.scalar(
        sa.select(Document).where(
            Document.id == document_id, Document.association_id == association_id
        )
    )


def of_meeting(meeting_id: int, section: DocumentSection) -> Sequence[Document]:
    """The meeting's (or its minutes') documents, oldest first."""
    return db.session.scalars(
        sa.select(Document)
        .where(Document.meeting_id == meeting_id, Document.section == section)
        .order_by(Document.created_at, Document.id)
    ).all()


def of_plan(plan_id: int) -> Sequence[Document]:
    """The plan's documents, oldest first."""
    return db.session.scalars(
        sa.select(Document)
        .where(Document.plan_id == plan_id)
        .order_by(Document.created_at, Document.id)
    ).all()
