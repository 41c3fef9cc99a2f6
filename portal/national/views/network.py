"""The platform administrator's list of national network accounts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import User
from portal.core.errors import DomainError
from portal.core.transactions import atomic
from portal.extensions import db
from portal.national import policies
from portal.national.blueprint import bp
from portal.national.forms import AppointForm
from portal.national.services import (
    appoint_national_network,
    national_network_accounts,
    withdraw_national_network,
)


def _guard() -> None:
    if not policies.can_appoint_national_network(current_user):
        abort(404)


@bp.route("/platform/national-network", methods=["GET", "POST"])
def network() -> Response | tuple[str, int]:
    """Who holds the national network role; give it to another account."""
    _guard()
    form = AppointForm()
    if form.validate_on_submit():
        try:
            with atomic():
                user = appoint_national_network(current_user, form.email.data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("%(name)s now holds the national network role.", name=user.name), "success")
            return redirect(url_for(".network"))
    return render_template(
        "national/network.html", form=form, accounts=national_network_accounts()
    ), form.status


@bp.route("/platform/national-network/<int:user_id>/withdraw", methods=["POST"])
def withdraw(user_id: int) -> Response:
    """Take the role away from one account."""
    _guard()
    user = db.session.get(User, user_id)
    if user is None or not user.is_national_network:
        abort(404)
    with atomic():
        withdraw_national_network(current_user, user)
    flash(_("%(name)s no longer holds the national network role.", name=user.name), "success")
    return redirect(url_for(".network"))
