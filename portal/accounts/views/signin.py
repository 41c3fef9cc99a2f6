"""Sign in, sign out, and setting a password from an e-mailed link."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.accounts.blueprint import bp
from portal.accounts.forms import (
    ForgotPasswordForm,
    LoginForm,
    ProviderChoiceForm,
    SetPasswordForm,
)
from portal.accounts.services import oidc
from portal.accounts.services import passwords as services
from portal.accounts.views import twofactor
from portal.core.errors import DomainError
from portal.core.security import is_safe_next, public
from portal.core.urls import absolute_url
from portal.extensions import limiter


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in."""
    return target if target is not None and is_safe_next(target) else url_for("home.index")


def render_login(error: str | None, status: int, form: LoginForm | None = None) -> tuple[str, int]:
    """The sign-in page: password form, and a button per association's provider."""
    return render_template(
        "accounts/login.html",
        form=form or LoginForm(),
        error=error,
        providers=oidc.sign_in_buttons(),
        provider_form=ProviderChoiceForm(),
        next=request.args.get("next"),
    ), status


def _refused() -> str:
    return _(
        "Your association signs in through its identity provider. Use its button on the "
        "sign-in page instead of a password."
    )


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Response | tuple[str, int]:
    """Sign in with e-mail and password; the error never says which part was wrong."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and oidc.password_refused(user):
            error = _refused()
        elif user is not None:
            return twofactor.after_password(user, _safe_next(request.args.get("next")))
        else:
            error = _("The e-mail address or password is wrong.")
    elif form.is_submitted():
        error = _("Enter both e-mail address and password.")
    return render_login(error, 200 if error is None else 400, form)


@bp.route("/logout", methods=["POST"])
@public
def logout() -> Response:
    """Sign out (POST with CSRF, so no other site can sign you out)."""
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password() -> Response | tuple[str, int]:
    """Send a reset link if the address is known; say the same thing either way."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # Only noted here, looked up by `mail send`: a known address must not answer
        # slower than an unknown one (issue 19).
        services.request_reset(form.email.data)
        flash(
            _(
                "If the address belongs to an account, a link to choose a new password "
                "is on its way."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    status = 400 if form.errors else 200
    return render_template("accounts/forgot.html", form=form), status


def send_requested_resets() -> int:
    """Queue the reset links asked for since the last run (``mail send`` calls this
    inside a request context, for the links' addresses)."""
    return services.send_requested_resets(
        link_for=lambda token: absolute_url("accounts.set_password", token=token),
        lifetime_hours=current_app.config["TOKEN_LIFETIME_HOURS"],
    )


@bp.route("/password/set/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def set_password(token: str) -> Response | tuple[str, int]:
    """Choose a password from an invitation or reset link (single use, expiring)."""
    if len(token) > 128:
        abort(404)
    row = services.find_valid_token(token)
    if row is None:
        return render_template("accounts/link_invalid.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.set_password_with_token(token, form.password.data)
        except DomainError as error:
            form.password.errors = [*form.password.errors, error.message]
        else:
            logout_user()
            if oidc.password_refused(user):
                flash(_refused(), "info")
                return redirect(url_for("accounts.login"))
            login_user(user)
            flash(_("Your password is saved and you are signed in."), "success")
            return redirect(url_for("home.index"))
    status = 400 if form.errors else 200
    return render_template("accounts/set_password.html", form=form, purpose=row.purpose), status
