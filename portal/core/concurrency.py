"""Saving what two people may edit at once: versions, conflicts and races.

Every editable shared object carries a ``lock_version``. Its edit form carries the
version it was opened on, and a save goes like this (``check_version``):

1. no version in the form: refused (``MissingVersionError``, a 400), never taken as
   "current";
2. the stored row is locked for the rest of the transaction and read afresh
   (``SELECT … FOR NO KEY UPDATE`` on PostgreSQL), so a save made at the same moment
   waits here until the first one has committed, and then sees what it saved;
3. a different version: ``StaleEditError`` carrying the stored object, which the view
   shows next to what the person typed (409, the conflict view);
4. otherwise the save goes ahead and ``bump`` counts the version on.

Rows written for the first time (a plan text, an analysis text, a meeting's minutes)
have no row to lock: ``first_row`` inserts in a savepoint, and when another request
inserted the same row first, gives that one back so the caller can compare versions.
Whatever race is left (``StaleDataError`` from a version column, a unique violation)
is turned into a conflict at the request boundary by ``core.errors``, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms.validators import InputRequired, Regexp

from portal.core.errors import DomainError
from portal.extensions import db

T = TypeVar("T")
VERSION_MESSAGE = _l(
    "The form lacks the version it was opened on. Reload the page and make the change again."
)


class MissingVersionError(DomainError):
    """A save came without the version its form was opened on."""

    def __init__(self) -> None:
        super().__init__(str(VERSION_MESSAGE), "lock_version")


class StaleEditError(DomainError):
    """Someone saved the object after the form was opened; ``current`` is what is stored."""

    def __init__(self, current: Any) -> None:
        super().__init__(
            _(
                "Someone else saved this after you opened it. Compare the two versions below; "
                "your text is kept in the form, and saving again replaces theirs."
            )
        )
        self.current = current


def version_field() -> HiddenField:
    """The hidden field a form carries its object's version in (required, digits)."""
    return HiddenField(
        _l("Version"),
        validators=[
            InputRequired(message=VERSION_MESSAGE),
            Regexp(r"^\d{1,9}$", message=VERSION_MESSAGE),
        ],
    )


def parse_version(value: Any) -> int | None:
    """The submitted version as a number, or None when it is missing or not a number."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() and len(text) < 10 else None


def lock_row(obj: Any) -> None:
    """Read the object's row afresh and keep it locked until the transaction ends.

    ``FOR NO KEY UPDATE`` does not hold up rows that merely refer to this one. The lock
    is taken on the row alone (an object loaded with joined relations cannot lock them
    all), then the object is read again. SQLite has no row locks (one writer at a time
    holds the whole database).
    """
    mapper = sa.inspect(obj).mapper
    keys = mapper.primary_key
    values = mapper.primary_key_from_instance(obj)
    db.session.execute(
        sa.select(*keys)
        .where(*(column == value for column, value in zip(keys, values, strict=True)))
        .with_for_update(key_share=True)
    )
    db.session.refresh(obj)


def check_version(obj: Any, seen: int | None) -> None:
    """Go ahead only if ``obj`` is still at the version the form was opened on."""
    if seen is None:
        raise MissingVersionError()
    lock_row(obj)
    if obj.lock_version != seen:
        raise StaleEditError(obj)


def bump(obj: Any) -> None:
    """Count the version on after a save (a mapper's own version column counts itself)."""
    if sa.inspect(type(obj)).version_id_col is None:
        obj.lock_version = (obj.lock_version or 0) + 1


def first_row(insert: Callable[[], T], existing: Callable[[], Any]) -> tuple[T, bool]:
    """Insert a row the first time it is written, or find the one someone else wrote.

    ``insert`` adds and flushes the new row; it runs in a savepoint, so a unique
    violation (another request inserted it first, and committed) undoes only the
    insert. Returns the row and whether this request created it.
    """
    try:
        with db.session.begin_nested():
            return insert(), True
    except sa.exc.IntegrityError:
        found: T | None = existing()
        if found is None:
            raise
        lock_row(found)
        return found, False
