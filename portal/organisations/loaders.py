"""Load the association a page belongs to, or 404 (see ``portal.core.loaders``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from portal.core import permissions
from portal.extensions import db
from portal.organisations.models import Association


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
