"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask, current_app
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


@dataclass(frozen=True)
class AuditWords:
    """One domain's words for the log: its action codes, the fields it records, and the
    readable values of its coded fields. Each domain declares its words beside its models
    (``AUDIT_WORDS``); ``create_app`` registers them (``register_words``).

    ``values`` is keyed by subject (an action's first part, "plan" in "plan.adopt") and
    field; the field "*" covers every field of its subject (attendance is recorded per
    person's name).
    """

    actions: Mapping[str, Any] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)
    values: Mapping[tuple[str, str], Mapping[Any, Any]] = field(default_factory=dict)


# The fields that every domain records; the rest are the domains' own.
WORDS = AuditWords(
    fields={
        "name": _l("Name"),
        "kind": _l("Kind"),
        "email": _l("E-mail"),
        "active": _l("Active"),
        "user_id": _l("Person"),
    }
)
_REGISTRY = "portal_audit_words"


def register_words(app: Flask, *words: AuditWords) -> None:
    """Add domains' words to ``app``'s catalogue. A code named twice must mean the same
    (the same msgid): two domains giving one code different words is a mistake."""
    actions: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    values: dict[tuple[str, str], Mapping[Any, Any]] = {}
    known = app.extensions.setdefault(_REGISTRY, AuditWords(actions, fields, values))
    for domain in words:
        _merge(known.actions, domain.actions)
        _merge(known.fields, domain.fields)
        _merge(known.values, domain.values)


def _merge(known: Mapping[Any, Any], new: Mapping[Any, Any]) -> None:
    assert isinstance(known, dict)  # the registry's own, made in register_words
    for key, label in new.items():
        if key in known and _msgid(known[key]) != _msgid(label):
            raise ValueError(f"audit words: {key!r} is named twice, differently")
        known[key] = label


def _msgid(label: Any) -> Any:
    """What a label says before translation (a lazy string's arguments, a mapping's items)."""
    if isinstance(label, Mapping):
        return {k: _msgid(v) for k, v in label.items()}
    return getattr(label, "_args", label)


def words() -> AuditWords:
    """Every registered domain's words, for the current app."""
    registered: AuditWords | None = current_app.extensions.get(_REGISTRY)
    return registered if registered is not None else WORDS


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


def action_label(action: str) -> str:
    """The readable name of an action code (the code itself if none is known)."""
    return str(words().actions.get(action, action))


def field_label(name: str) -> str:
    """The readable name of a recorded field."""
    return str(words().fields.get(name, name))


def value_label(action: str, field: str, value: Any) -> str:
    """A recorded value as people read it: codes through the catalogue, dates and
    numbers the Swedish way, yes or no, lists as a list; never a raw code or Python syntax."""
    subject = action.split(".", 1)[0]
    values = words().values
    labels = values.get((subject, field)) or values.get((subject, "*")) or {}
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
