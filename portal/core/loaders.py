"""Load an object through its association, or 404.

Every view that takes an id goes through one of these, so an id from another
association is indistinguishable from one that does not exist. The association
itself is loaded by ``portal.organisations.loaders``, which owns it.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import sqlalchemy as sa
from flask import abort

from portal.db import Base
from portal.extensions import db


class Scope(Protocol):
    """What a row is scoped to: an association, known by its id."""

    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=Base)


def load_scoped(model: type[T], object_id: int, association: Scope) -> T:
    """A row of ``model`` (with ``id`` and ``association_id`` columns) with this id that
    belongs to ``association``, else 404."""
    columns = model.__table__.c
    obj = db.session.scalar(
        sa.select(model).where(
            columns.id == object_id,
            columns.association_id == association.id,
        )
    )
    if obj is None:
        abort(404)
    return obj


def require(allowed: bool) -> None:
    """404 unless ``allowed``: refusals look like absence."""
    if not allowed:
        abort(404)
