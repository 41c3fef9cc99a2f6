"""Erasing a person: their name and address become a stable pseudonym everywhere.

Rows are kept, so every count stays what it was (attendance, turnover, plans, the
board's figures); only what identifies the person changes. Every text and JSON column
of every table is searched for the name and the address, so that a copy in a minutes
text, an audit entry or a mail body goes too. Approved minutes are a public record and
are not rewritten: where they name the person, the name stays there, and only there
(``kept_in_records``; the confirmation page says so). A person who approved minutes
signed that record and is not erased at all; nor is someone who still sits in a group
or holds a role, or whose name another person shares (a text naming "Eva Gran" could
mean either).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import Actor, AuditEvent
from portal.core.clock import today
from portal.core.mail import MailStatus, OutboxMessage
from portal.extensions import db
from portal.groups.models import Membership
from portal.meetings.models import Meeting, Minutes, MinutesItem, MinutesRevision, MinutesStatus
from portal.organisations.models import AssociationRole
from portal.privacy.services.retention import remove_contact_details

# Too short a name would replace parts of other words.
MIN_NAME_LENGTH = 3
PERSON_OBJECTS = ("User", "AssociationPerson")


@dataclass(frozen=True)
class Refusal:
    """Why a person cannot be erased, and which records keep their name."""

    reason: str
    records: list[str]


def pseudonym(user: User) -> str:
    """The stable name an erased person is shown by ("Person 4711")."""
    return f"Person {user.id}"


def is_erased(user: User) -> bool:
    """Whether the person has been erased already."""
    return user.name == pseudonym(user)


def refusal(user: User) -> Refusal | None:
    """Why the person must be kept, or None when they may be erased."""
    if user.is_platform_admin:
        return Refusal(_("A platform administrator cannot be erased; remove the role first."), [])
    seats = _current_seats(user)
    if seats:
        return Refusal(
            _(
                "%(name)s still holds a seat or a role. End the memberships and remove the "
                "roles first: an erased person cannot be invited or sit in a group.",
                name=user.name,
            ),
            seats,
        )
    namesakes = db.session.scalar(
        sa.select(sa.func.count()).where(User.name == user.name, User.id != user.id)
    )
    if namesakes:
        return Refusal(
            _(
                "Someone else in the portal is also called %(name)s, so the texts that mention "
                "the name cannot be told apart. Change one of the names first (for instance "
                "with a middle initial) and correct the texts by hand.",
                name=user.name,
            ),
            [],
        )
    approved = _approved_minutes(
        sa.or_(
            Minutes.adjuster_id == user.id,
            sa.exists().where(
                MinutesRevision.minutes_id == Minutes.id,
                MinutesRevision.approved_by_id == user.id,
            ),
        )
    )
    if approved:
        return Refusal(
            _(
                "%(name)s approved minutes. Approved minutes are a public record signed by "
                "the one who approved them, so the person is not erased.",
                name=user.name,
            ),
            [_minutes_name(m) for m in approved],
        )
    return None


def kept_in_records(user: User) -> list[str]:
    """The approved minutes whose text names the person: the name stays there (a public
    record is not rewritten), and only there."""
    named = sa.exists().where(
        MinutesRevision.minutes_id == Minutes.id, MinutesRevision.body.contains(user.name)
    )
    named_in_item = sa.exists().where(
        MinutesItem.minutes_id == Minutes.id,
        sa.or_(MinutesItem.text.contains(user.name), MinutesItem.responsible.contains(user.name)),
    )
    return [_minutes_name(m) for m in _approved_minutes(sa.or_(named, named_in_item))]


def _approved_minutes(condition: sa.ColumnElement[bool]) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .join(Minutes, Minutes.meeting_id == Meeting.id)
            .where(Minutes.status == MinutesStatus.APPROVED, condition)
            .options(joinedload(Meeting.group))
            .order_by(Meeting.starts_at)
        )
    )


def _minutes_name(meeting: Meeting) -> str:
    return f"{meeting.group.name} {meeting.starts_at:%Y-%m-%d}"


def _records() -> dict[str, sa.ColumnElement[bool]]:
    """Per table, the rows that are approved minutes: the sweep leaves them as they are."""
    approved = sa.select(Minutes.id).where(Minutes.status == MinutesStatus.APPROVED)
    return {
        MinutesRevision.__tablename__: MinutesRevision.minutes_id.in_(approved),
        MinutesItem.__tablename__: MinutesItem.minutes_id.in_(approved),
    }


def _current_seats(user: User) -> list[str]:
    """The person's memberships in force today or later, and their association roles."""
    day = today()
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(Membership.user_id == user.id)
        .where(sa.or_(Membership.valid_to.is_(None), Membership.valid_to >= day))
        .options(joinedload(Membership.group))
    ).all()
    roles = db.session.scalars(
        sa.select(AssociationRole)
        .where(AssociationRole.user_id == user.id)
        .options(joinedload(AssociationRole.association))
    ).all()
    return [m.group.name for m in memberships] + [
        f"{r.association.name}: {audit.value_label('roles.set', 'roles', r.role.value)}"
        for r in roles
    ]


def erase(actor: Actor, user: User) -> str:
    """Replace the person's name and address by their pseudonym everywhere; returns it.

    The caller has checked ``refusal``. The erasure is recorded without the erased
    details, and earlier audit entries about the person lose theirs.
    """
    name, email = user.name, user.email
    alias = pseudonym(user)
    # Mail not yet sent to the person is not sent at all; copies of sent mail are kept,
    # their address and name replaced below.
    db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.recipient == email, OutboxMessage.status != MailStatus.SENT
        )
    )
    remove_contact_details(user)
    user.name = alias
    user.locale = None
    db.session.flush()
    needles = [n for n in (name, email) if len(n) >= MIN_NAME_LENGTH and n != alias]
    replace_everywhere(needles, alias, keep=_records())
    db.session.execute(
        sa.update(AuditEvent)
        .where(AuditEvent.object_type.in_(PERSON_OBJECTS), AuditEvent.object_id == user.id)
        .values(before=sa.null(), after=sa.null())
    )
    audit.record(actor=actor, action="person.erase", obj=user, association_id=None, summary=alias)
    return alias


def _text_columns(table: sa.Table) -> tuple[list[sa.Column[Any]], list[sa.Column[Any]]]:
    texts, jsons = [], []
    for column in table.columns:
        if isinstance(column.type, sa.JSON):
            jsons.append(column)
        elif isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum):
            texts.append(column)
    return texts, jsons


def replace_everywhere(
    needles: list[str], alias: str, keep: dict[str, sa.ColumnElement[bool]] | None = None
) -> None:
    """Replace each needle by ``alias`` in every text and JSON column of every table, except
    in the rows ``keep`` names per table (records that are not rewritten)."""
    keep = keep or {}
    for table in db.metadata.sorted_tables:
        if table.name == "users":
            continue  # the person's own row is rewritten whole; others' names stay as they are
        kept = keep.get(table.name)
        rows = sa.not_(kept) if kept is not None else sa.true()
        texts, jsons = _text_columns(table)
        for column in texts:
            for needle in needles:
                db.session.execute(
                    sa.update(table)
                    .where(rows, column.contains(needle, autoescape=True))
                    .values({column.name: sa.func.replace(column, needle, alias)})
                )
        for column in jsons:
            _replace_in_json(table, column, needles, alias, rows)


def _replace_in_json(
    table: sa.Table,
    column: sa.Column[Any],
    needles: list[str],
    alias: str,
    scope: sa.ColumnElement[bool],
) -> None:
    # The JSON text holds non-ASCII letters escaped ("\u00c5sa"): look for both spellings.
    spellings = {s for n in needles for s in (n, json.dumps(n)[1:-1])}
    as_text = sa.cast(column, sa.Text)
    keys = list(table.primary_key.columns)
    rows = db.session.execute(
        sa.select(*keys, column).where(
            scope, sa.or_(*(as_text.contains(s, autoescape=True) for s in spellings))
        )
    ).all()
    for row in rows:
        value = _walk(row[-1], needles, alias)
        db.session.execute(
            sa.update(table)
            .where(*(key == row[i] for i, key in enumerate(keys)))
            .values({column.name: value})
        )


def _walk(value: Any, needles: list[str], alias: str) -> Any:
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, alias)
        return value
    if isinstance(value, list):
        return [_walk(v, needles, alias) for v in value]
    if isinstance(value, dict):
        return {_walk(k, needles, alias): _walk(v, needles, alias) for k, v in value.items()}
    return value
