"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from portal.db import utcnow
from portal.extensions import Model, db


class Actor(Protocol):
    """Who made a change, as the log needs them: a ``portal.accounts`` user.

    The log names no domain; the mapper finds the ``User`` class by name.
    """

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...


class AuditEvent(Model):
    """One recorded change. Rows are only ever inserted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    association_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    actor: Mapped[Actor | None] = relationship("User")


# Human-readable names for action codes and recorded fields. Other domains add
# their own entries next to their models (``ACTION_LABELS.update(...)``).
ACTION_LABELS: dict[str, Any] = {
    "association.create": _l("Association created"),
    "association.update": _l("Association changed"),
    "agency.create": _l("Agency added"),
    "agency.update": _l("Agency changed"),
    "agency.delete": _l("Agency deleted"),
    "group.create": _l("Group created"),
    "group.update": _l("Group changed"),
    "group.delete": _l("Group deleted"),
    "membership.add": _l("Member added"),
    "membership.end": _l("Membership ended"),
    "person.add": _l("Person registered"),
    "person.update": _l("Person changed"),
    "person.remove": _l("Person removed from the register"),
    "roles.set": _l("Roles changed"),
    "password.set": _l("Password chosen"),
    "user.platform_admin": _l("Platform administrator appointed"),
}
FIELD_LABELS: dict[str, Any] = {
    "name": _l("Name"),
    "slug": _l("Short name in addresses"),
    "min_survey_answers": _l("Minimum answers before a survey figure is shown"),
    "meeting_reminder_days": _l("Days before a meeting that its reminder goes out"),
    "kind": _l("Kind"),
    "municipalities": _l("Municipalities"),
    "municipality_names": _l("Municipalities"),
    "email": _l("E-mail"),
    "active": _l("Active"),
    "roles": _l("Roles in the association"),
    "user_id": _l("Person"),
    "agency_id": _l("Agency"),
    "role": _l("Role"),
    "valid_from": _l("From"),
    "valid_to": _l("To"),
}


# Readable values of coded fields (an enum's value, a role), per subject (an action's
# first part, "plan" in "plan.adopt") and field; the field "*" covers every field of
# its subject (attendance is recorded per person's name). Domains add their own.
VALUE_LABELS: dict[tuple[str, str], Mapping[Any, Any]] = {}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


def action_label(action: str) -> str:
    """The readable name of an action code (the code itself if none is known)."""
    return str(ACTION_LABELS.get(action, action))


def field_label(name: str) -> str:
    """The readable name of a recorded field."""
    return str(FIELD_LABELS.get(name, name))


def value_label(action: str, field: str, value: Any) -> str:
    """A recorded value as people read it: codes through the catalogue, dates and
    numbers the Swedish way, yes or no, lists as a list; never a raw code or Python syntax."""
    subject = action.split(".", 1)[0]
    labels = VALUE_LABELS.get((subject, field)) or VALUE_LABELS.get((subject, "*")) or {}
    return _shown(value, labels)


def _shown(value: Any, labels: Mapping[Any, Any]) -> str:
    if value is None or value in ("", []):
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v, labels) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {_shown(v, labels)}" for k, v in value.items())
    if isinstance(value, bool | int | float):
        return _number(value)
    return _text(str(value), labels)


def _number(value: bool | float) -> str:
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, int):
        return str(value)  # years, counts and numbers of things: no thousands space in 2026
    return format_decimal(value)


def _text(text: str, labels: Mapping[Any, Any]) -> str:
    if text in labels:
        return str(labels[text])
    if _ISO_DATE.fullmatch(text):
        return format_date(dt.date.fromisoformat(text))
    if _ISO_DATETIME.fullmatch(text):
        return format_datetime(dt.datetime.fromisoformat(text), "short")
    return text


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of ``obj`` as JSON-safe values, for before/after records."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, list):
            value = sorted(str(v) for v in value)
        elif hasattr(value, "value"):
            value = value.value
        out[name] = value
    return out


def record(
    *,
    actor: Actor | None,
    action: str,
    obj: Any,
    association_id: int | None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (it commits with the change)."""
    db.session.flush()
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        association_id=association_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        summary=summary[:300],
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def last_change(obj: Any) -> AuditEvent | None:
    """The newest recorded change of ``obj`` (with who made it), if any."""
    return db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == type(obj).__name__, AuditEvent.object_id == obj.id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether two snapshots differ."""
    return before != after


AUDIT_PAGE_SIZE = 50
MAX_AUDIT_PAGE = 100_000  # keeps the OFFSET within what the database accepts


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit log, newest first."""

    events: list[AuditEvent]
    page: int
    has_next: bool


def audit_page(association_id: int | None, page: int) -> AuditPage:
    """A page of an association's events; ``None`` gives the platform-level events."""
    page = min(max(page, 1), MAX_AUDIT_PAGE)
    scope = (
        AuditEvent.association_id.is_(None)
        if association_id is None
        else AuditEvent.association_id == association_id
    )
    rows = db.session.scalars(
        sa.select(AuditEvent)
        .where(scope)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_PAGE_SIZE + 1)
        .offset((page - 1) * AUDIT_PAGE_SIZE)
    ).all()
    return AuditPage(
        events=list(rows[:AUDIT_PAGE_SIZE]), page=page, has_next=len(rows) > AUDIT_PAGE_SIZE
    )
