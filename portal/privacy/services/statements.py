"""The accessibility statement and the associations' privacy notices."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup

from portal.core import audit
from portal.core.audit import Actor
from portal.core.concurrency import bump, check_version, first_row
from portal.core.markdown import render
from portal.extensions import db
from portal.privacy.models import Statement, StatementKind

ACCESSIBILITY_KEY = "accessibility"
FIELDS = ("compliance", "body", "contact", "reviewed_on")


HEADING = re.compile(r"^(#{1,6})(?=\s)", re.MULTILINE)


def as_html(source: str, level: int) -> Markup:
    """A statement's Markdown as safe HTML whose top heading is ``<h{level}>``, however many
    ``#`` the writer began with: a text under an ``<h2>`` never skips to ``<h5>``."""
    depths = [len(m[1]) for m in HEADING.finditer(source or "")]
    lift = min(depths) - 1 if depths else 0
    if lift:
        source = HEADING.sub(lambda m: m[1][lift:], source)
    return render(source, level)


def privacy_key(association_id: int) -> str:
    """The key of an association's privacy notice."""
    return f"privacy:{association_id}"


@dataclass(frozen=True)
class StatementData:
    """What the edit form gives: the texts, and for accessibility the status and date."""

    body: str
    contact: str
    compliance: str | None = None
    reviewed_on: dt.date | None = None


def find(key: str) -> Statement | None:
    """The stored statement, or None when nobody has written it yet."""
    return db.session.scalar(sa.select(Statement).where(Statement.key == key))


def accessibility() -> Statement | None:
    """The installation's accessibility statement."""
    return find(ACCESSIBILITY_KEY)


def privacy_notice(association_id: int) -> Statement | None:
    """An association's privacy notice."""
    return find(privacy_key(association_id))


def blank(key: str, association_id: int | None) -> Statement:
    """An unsaved statement for an edit form opened before the first save (version 0)."""
    kind = StatementKind.ACCESSIBILITY if key == ACCESSIBILITY_KEY else StatementKind.PRIVACY
    return Statement(
        key=key, kind=kind.value, association_id=association_id, body="", contact="",
        lock_version=0,
    )  # fmt: skip


def _stored_or_first(key: str, association_id: int | None) -> Statement:
    """The stored row, or a first one at version 0 (another request's, if it won the race)."""
    stored = find(key)
    if stored is not None:
        return stored

    def insert() -> Statement:
        row = blank(key, association_id)
        db.session.add(row)
        db.session.flush()
        return row

    row, _created = first_row(insert, lambda: find(key))
    return row


def save(
    actor: Actor, key: str, association_id: int | None, data: StatementData, seen: int | None
) -> Statement:
    """Save a statement; a form opened on another version is a conflict (``StaleEditError``).

    The first save inserts the row (version 0 in the form means "nothing stored yet").
    """
    statement = _stored_or_first(key, association_id)
    check_version(statement, seen)
    before = audit.snapshot(statement, FIELDS)
    statement.body = data.body
    statement.contact = data.contact
    if statement.kind == StatementKind.ACCESSIBILITY:
        statement.compliance = data.compliance
        statement.reviewed_on = data.reviewed_on
    statement.updated_by_id = actor.id
    bump(statement)
    after = audit.snapshot(statement, FIELDS)
    if audit.changed(before, after):
        audit.record(
            actor=actor, action="statement.update", obj=statement,
            association_id=association_id, summary=key, before=before, after=after,
        )  # fmt: skip
    return statement
