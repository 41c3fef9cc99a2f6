"""The national network's API tokens: they read the national compilation only."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.api import services as api_services
from portal.api.forms import RevokeForm, TokenForm
from portal.api.models import ApiToken
from portal.core.errors import DomainError
from portal.core.transactions import atomic
from portal.extensions import db
from portal.national.blueprint import bp


def _page(form: TokenForm, secret: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "national/tokens.html",
        tokens=api_services.national_tokens(),
        form=form,
        secret=secret,
    ), status


@bp.route("/national/api-tokens")
def tokens() -> tuple[str, int]:
    """The national network's tokens and the form for a new one (guarded by path)."""
    return _page(TokenForm(formdata=None))


@bp.route("/national/api-tokens", methods=["POST"])
def token_create() -> tuple[str, int]:
    """Create a token and show its secret on this response only."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            with atomic():
                _token, secret = api_services.create_national_token(current_user, form.name.data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _page(TokenForm(formdata=None), secret=secret)
    return _page(form, status=400)


@bp.route("/national/api-tokens/<int:token_id>/revoke", methods=["POST"])
def token_revoke(token_id: int) -> Response:
    """Revoke a national token: it stops working at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not token.national:
        abort(404)  # an association's token is its admin's business
    if RevokeForm().validate_on_submit():
        try:
            with atomic():
                api_services.revoke_token(current_user, token)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(
                _("The token %(name)s was revoked and no longer works.", name=token.name), "success"
            )
    return redirect(url_for(".tokens"))
