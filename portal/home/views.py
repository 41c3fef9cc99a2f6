"""The start page: what needs the person now, then their associations and groups.

Each domain says what of its own needs the person (``core.signals.needs_me``); this
page only orders and shows the items, so it imports no domain for them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.core import clock, signals
from portal.core.permissions import principal
from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association

bp = Blueprint("home", __name__)

NEED_HEADINGS = {
    "meeting_to_answer": _l("Meetings to answer"),
    "minutes_to_adjust": _l("Minutes to approve"),
    "activity_due": _l("Your activities due or overdue"),
    "survey_to_answer": _l("Surveys you have not answered"),
    "plan_to_adopt": _l("Plans waiting for adoption"),
    "admin_task": _l("Open tasks of the association"),
}


@bp.route("/")
def index() -> str:
    """What needs the person now, in order; their associations and current groups."""
    p = principal(current_user)
    needs = signals.needs_of(current_user, principal=p, today=clock.today())
    sections = [
        (kind, NEED_HEADINGS.get(kind, kind), [n for n in needs if n.kind == kind])
        for kind in dict.fromkeys(n.kind for n in needs)
    ]
    association_ids = p.registered_in | p.admin_of | p.board_of
    associations = db.session.scalars(
        sa.select(Association).where(Association.id.in_(association_ids)).order_by(Association.name)
    ).all()
    groups = db.session.scalars(
        sa.select(Group).where(Group.id.in_(p.groups)).order_by(Group.name)
    ).all()
    return render_template(
        "home/index.html",
        associations=associations,
        groups=groups,
        principal=p,
        need_sections=sections,
    )
