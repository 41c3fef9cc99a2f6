"""Start page, health check and language choice."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField

from portal.core.forms import choices
from portal.core.permissions import principal
from portal.core.security import is_safe_next, public
from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association

bp = Blueprint("core", __name__)


class LanguageForm(FlaskForm):
    """The language switch in the page header."""

    locale = SelectField(choices=choices([("sv", "Svenska"), ("en", "English")]))
    next = HiddenField()


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
    return render_template("core/index.html", associations=associations, groups=groups, principal=p)


@bp.route("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    """200 after a database round trip, 503 when the database does not answer."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("Health check failed")
        db.session.rollback()
        return {"status": "unavailable", "database": "down"}, 503
    return {"status": "ok", "database": "up"}, 200


@bp.route("/language", methods=["POST"])
@public
def set_language() -> Response:
    """Switch the interface language for this session (and for the person, if signed in)."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
    target = form.next.data
    return redirect(target if is_safe_next(target) else url_for("core.index"))
