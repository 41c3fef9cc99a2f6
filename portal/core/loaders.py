"""Load an object through its association, or 404.

Every view that takes an id goes through one of these, so an id from another
association is indistinguishable from one that does not exist.
"""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from portal.core import permissions
from portal.extensions import db
from portal.organisations.models import Association

T = TypeVar("T")


def load_association(slug: str) -> Association:
    """The association the signed-in person may read, else 404."""
    association = db.session.scalar(sa.select(Association).where(Association.slug == slug))
    if association is None or not permissions.can_read_association(current_user, association.id):
        abort(404)
    return association


def load_admin_association(slug: str) -> Association:
    """The association the signed-in person administers, else 404."""
    association = load_association(slug)
    if not permissions.is_association_admin(current_user, association.id):
        abort(404)
    return association


def load_scoped(model: type[T], object_id: int, association: Association) -> T:
    """A row of ``model`` with this id that belongs to ``association``, else 404."""
    obj = db.session.scalar(
        sa.select(model).where(
            model.id == object_id,  # type: ignore[attr-defined]
            model.association_id == association.id,  # type: ignore[attr-defined]
        )
    )
    if obj is None:
        abort(404)
    return obj


def require(allowed: bool) -> None:
    """404 unless ``allowed``: refusals look like absence."""
    if not allowed:
        abort(404)
