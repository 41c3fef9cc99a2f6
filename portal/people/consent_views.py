"""The invited person's side: accepting a register invitation, confirming a new address.

The pages of ``portal.people.consent``, on a blueprint of their own: their addresses
(``/join/…``, ``/account/email/…``) sit outside the association's ``/a/<slug>/people``.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from portal.accounts.forms import JoinForm
from portal.accounts.services import oidc
from portal.core.errors import DomainError
from portal.core.security import public
from portal.core.transactions import atomic
from portal.extensions import limiter
from portal.people import consent

bp = Blueprint("consent", __name__)


def _limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
def join(token: str) -> Response | tuple[str, int]:
    """Accept an invitation: signed in as the address, or by choosing a password."""
    if len(token) > 128:
        abort(404)
    invitation = consent.find_invitation(token)
    if invitation is None:
        return render_template("accounts/link_invalid.html"), 410
    account = consent.account_for(invitation)
    if account is not None and not current_user.is_authenticated:
        flash(_("Sign in to accept the invitation."), "info")
        return redirect(url_for("accounts.login", next=request.path))
    if account is not None and current_user.id != account.id:
        return render_template("people/join.html", invitation=invitation, wrong_person=True), 403
    form = JoinForm(name=invitation.name) if request.method == "GET" else JoinForm()
    if request.method == "POST" and (account is not None or form.validate()):
        try:
            with atomic():
                if account is not None:
                    consent.accept(invitation, account)
                else:
                    user = consent.accept_as_new(invitation, form.name.data, form.password.data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(
                _("You are now in the register of %(name)s.", name=invitation.association.name),
                "success",
            )
            if account is None and oidc.password_refused(user):
                # The association signs its people in through its identity provider.
                return redirect(url_for("accounts.login"))
            if account is None:
                login_user(user)
            return redirect(url_for("home.index"))
    status = 400 if form.errors else 200
    return render_template(
        "people/join.html", invitation=invitation, form=form, new_account=account is None
    ), status


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> Response | str | tuple[str, int]:
    """The person confirms a new sign-in address an administrator asked for."""
    if len(token) > 128:
        abort(404)
    change = consent.find_change(token)
    if change is None or change.user_id != current_user.id:
        return render_template("accounts/link_invalid.html"), 410
    if request.method == "POST":
        try:
            with atomic():
                consent.confirm_change(change, current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Your sign-in address is now %(email)s.", email=current_user.email), "success")
        return redirect(url_for("accounts.session_list"))
    return render_template("people/confirm_email.html", change=change)
