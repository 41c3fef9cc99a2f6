"""Two-factor sign-in: the code step after the password, turning it on and off, and the
rule that admins and board members of an association that requires it must set it up."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from portal.accounts.blueprint import bp
from portal.accounts.forms import TwoFactorForm
from portal.accounts.models import User
from portal.accounts.services import totp
from portal.core.security import public
from portal.extensions import db, limiter

PENDING = "_2fa_pending"  # who passed the password step, and when
MUST_ENROL = "_2fa_enrol"
SETUP_KEY = "_2fa_setup"
PENDING_SECONDS = 300
MAX_ATTEMPTS = 5
# What a person who must set up two-factor may still reach.
ENROL_ENDPOINTS = {
    "accounts.two_factor_setup",
    "accounts.logout",
    "accounts.logout_everywhere",
    "core.set_language",
    "core.healthz",
}


def _limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def after_password(user: User, next_url: str) -> Response:
    """Sign in, or ask for the second factor first."""
    if totp.is_enabled(user):
        session[PENDING] = {
            "id": user.id,
            "v": user.session_version,
            "at": int(time.time()),
            "next": next_url,
            "tries": 0,
        }
        return redirect(url_for("accounts.two_factor"))
    login_user(user)
    if totp.required_for(user):
        session[MUST_ENROL] = True
        return redirect(url_for("accounts.two_factor_setup"))
    return redirect(next_url)


def _pending_user() -> tuple[User, dict[str, Any]] | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("id"))
    if user is None or not user.active or user.session_version != pending.get("v"):
        return None
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
def two_factor() -> Response | tuple[str, int]:
    """The code from the authenticator app, or a recovery code."""
    found = _pending_user()
    if found is None:
        session.pop(PENDING, None)
        return redirect(url_for("accounts.login"))
    user, pending = found
    form = TwoFactorForm()
    error = None
    if form.validate_on_submit():
        if totp.verify(user, form.code.data, current_app.config["SECRET_KEY"]):
            session.pop(PENDING, None)
            login_user(user)
            return redirect(pending["next"])
        pending["tries"] += 1
        session[PENDING] = pending
        if pending["tries"] >= MAX_ATTEMPTS:
            session.pop(PENDING, None)
            flash(_("Too many wrong codes. Sign in again."), "error")
            return redirect(url_for("accounts.login"))
        error = _("The code is wrong or has been used.")
    status = 400 if error or form.errors else 200
    return render_template("accounts/two_factor.html", form=form, error=error), status


@bp.route("/account/two-factor", methods=["GET", "POST"])
def two_factor_setup() -> Response | str | tuple[str, int]:
    """Turn two-factor sign-in on (QR code, then a code) or off (with a code)."""
    form = TwoFactorForm()
    required = totp.required_for(current_user)
    if totp.is_enabled(current_user):
        if form.validate_on_submit() and not required:
            if totp.verify(current_user, form.code.data, current_app.config["SECRET_KEY"]):
                totp.disable(current_user)
                flash(_("Two-factor sign-in is off."), "success")
                return redirect(url_for("accounts.session_list"))
            form.code.errors = [_("The code is wrong or has been used.")]
        status = 400 if form.errors else 200
        return render_template(
            "accounts/two_factor_setup.html",
            form=form,
            enabled=True,
            required=required,
            codes_left=totp.recovery_codes_left(current_user),
        ), status
    secret = session.get(SETUP_KEY) or totp.new_secret()
    session[SETUP_KEY] = secret
    if form.validate_on_submit():
        codes = totp.enable(current_user, secret, form.code.data, current_app.config["SECRET_KEY"])
        if codes is not None:
            session.pop(SETUP_KEY, None)
            session.pop(MUST_ENROL, None)
            return render_template("accounts/recovery_codes.html", codes=codes)
        form.code.errors = [_("The code is wrong. Check the time on the phone and try again.")]
    uri = totp.provisioning_uri(current_user, secret)
    status = 400 if form.errors else 200
    return render_template(
        "accounts/two_factor_setup.html",
        form=form,
        enabled=False,
        required=required,
        secret=secret,
        qr=totp.qr_svg(uri, _("QR code for the authenticator app")),
    ), status


def register_two_factor(app: Flask) -> None:
    """Send a person who must set up two-factor to the setup page until they have."""

    @app.before_request
    def _enrol_first() -> Response | None:
        endpoint = request.endpoint
        if endpoint is None or endpoint == "static" or endpoint in ENROL_ENDPOINTS:
            return None
        if getattr(app.view_functions.get(endpoint), "is_public", False):
            # A page that asks for no sign-in asks nothing of an account either (a
            # survey's or a meeting's link, the statements): and its session is not read.
            return None
        if not session.get(MUST_ENROL):
            return None
        if not current_user.is_authenticated:
            session.pop(MUST_ENROL, None)
            return None
        return redirect(url_for("accounts.two_factor_setup"))
