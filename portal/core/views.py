"""Health check and language choice (the start page is ``portal.home``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField

from portal.core.forms import choices
from portal.core.security import is_safe_next, public
from portal.extensions import db

bp = Blueprint("core", __name__)


class LanguageForm(FlaskForm):
    """The language switch in the page header."""

    locale = SelectField(choices=choices([("sv", "Svenska"), ("en", "English")]))
    next = HiddenField()


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
    return redirect(target if is_safe_next(target) else url_for("home.index"))
