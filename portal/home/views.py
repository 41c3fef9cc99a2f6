"""The start page: the person's associations and current groups."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from portal.core.permissions import principal
from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association

bp = Blueprint("home", __name__)


@bp.route("/")
def index() -> str:
    """The person's associations and current groups."""
    p = principal(current_user)
    association_ids = p.registered_in | p.admin_of | p.board_of
    associations = db.session.scalars(
        sa.select(Association).where(Association.id.in_(association_ids)).order_by(Association.name)
    ).all()
    groups = db.session.scalars(
        sa.select(Group).where(Group.id.in_(p.groups)).order_by(Group.name)
    ).all()
    return render_template("home/index.html", associations=associations, groups=groups, principal=p)
