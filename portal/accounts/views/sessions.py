"""Sessions as the person sees them: the loader that checks the session record on each
request, sign-out everywhere, and the list of one's own signed-in browsers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, logout_user, user_logged_in, user_logged_out
from werkzeug.wrappers import Response

from portal.accounts.blueprint import bp
from portal.accounts.models import User
from portal.accounts.services import sessions
from portal.accounts.useragent import describe

# The cookie's key naming the session record.
SESSION_KEY = "_sid"


def timeouts() -> sessions.Timeouts:
    """The configured idle and absolute session limits."""
    config = current_app.config
    return sessions.Timeouts(
        idle=dt.timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        absolute=dt.timedelta(days=config["SESSION_MAX_DAYS"]),
    )


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: ``id:version`` from the cookie and a live session record."""
    user_id, _, version = session_id.partition(":")
    key = session.get(SESSION_KEY)
    if not user_id.isdigit() or not version.isdigit() or not isinstance(key, str):
        return None
    return sessions.load_signed_in(int(user_id), int(version), key, timeouts())


def _started(_sender: Any, user: User, **_extra: Any) -> None:
    """A new session record at every sign-in, and a new CSRF token (the old one was
    handed out before sign-in, perhaps to someone else)."""
    session[SESSION_KEY] = sessions.start_session(user, request.user_agent.string or "")
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def _ended(_sender: Any, **_extra: Any) -> None:
    """Sign-out deletes the record, so a copy of the cookie is anonymous too."""
    key = session.pop(SESSION_KEY, None)
    if isinstance(key, str):
        sessions.end_session(key)


def register_sessions(app: Flask) -> None:
    """Check the session record on every request; keep records in step with sign-in."""
    from portal.accounts.views.twofactor import register_two_factor
    from portal.extensions import login_manager

    login_manager.user_loader(load_user)
    user_logged_in.connect(_started, app)
    user_logged_out.connect(_ended, app)
    register_two_factor(app)


def current_key() -> str | None:
    """The key of this request's session."""
    key = session.get(SESSION_KEY)
    return key if isinstance(key, str) else None


@bp.route("/account")
def session_list() -> str:
    """The person's signed-in browsers, with the device, last use and a sign-out button."""
    own = sessions.key_hash(current_key() or "")
    rows = [
        {"row": row, "device": describe(row.user_agent), "current": row.key_hash == own}
        for row in sessions.sessions_of(current_user)
    ]
    limits = timeouts()
    hours, minutes = divmod(int(limits.idle.total_seconds()) // 60, 60)
    idle_text = (
        ngettext("%(num)d hour", "%(num)d hours", hours)
        if not minutes
        else ngettext("%(num)d minute", "%(num)d minutes", hours * 60 + minutes)
    )
    return render_template(
        "accounts/sessions.html", rows=rows, idle_text=idle_text, max_days=limits.absolute.days
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
def end_one(session_id: int) -> Response:
    """Sign out one of one's own sessions (another person's is not found)."""
    row = sessions.session_of(current_user, session_id)
    if row is None:
        abort(404)
    if row.key_hash == sessions.key_hash(current_key() or ""):
        logout_user()
        flash(_("You are signed out."), "info")
        return redirect(url_for("accounts.login"))
    sessions.end_sessions_by_id([row.id])
    flash(_("The session was signed out."), "success")
    return redirect(url_for("accounts.session_list"))


@bp.route("/account/sessions/end-others", methods=["POST"])
def end_others() -> Response:
    """Sign out every other browser, keep this one."""
    count = sessions.end_sessions(current_user, keep=current_key())
    flash(
        ngettext(
            "%(num)d other session was signed out.",
            "%(num)d other sessions were signed out.",
            count,
        ),
        "success",
    )
    return redirect(url_for("accounts.session_list"))


@bp.route("/logout/everywhere", methods=["POST"])
def logout_everywhere() -> Response:
    """Sign out everywhere, this browser included."""
    user = current_user._get_current_object()
    logout_user()
    sessions.end_sessions(user)
    flash(_("You are signed out everywhere."), "info")
    return redirect(url_for("accounts.login"))
