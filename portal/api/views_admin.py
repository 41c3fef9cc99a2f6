"""The association admin's API token page: list, create (secret shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.api import services
from portal.api.forms import RevokeForm, TokenForm
from portal.api.models import ApiToken
from portal.core.errors import DomainError
from portal.core.loaders import load_scoped
from portal.core.transactions import atomic
from portal.organisations.loaders import load_admin_association
from portal.organisations.models import Association

bp = Blueprint("api_tokens", __name__, url_prefix="/a/<slug>/api-tokens")


def _page(
    association: Association, form: TokenForm, secret: str | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "api/tokens.html",
        association=association,
        tokens=services.tokens_of(association),
        form=form,
        secret=secret,
        revoke_form=RevokeForm(formdata=None),
    ), status


@bp.route("/")
def index(slug: str) -> tuple[str, int]:
    """The association's tokens and the form for a new one."""
    association = load_admin_association(slug)
    return _page(association, TokenForm(formdata=None))


@bp.route("/", methods=["POST"])
def create(slug: str) -> tuple[str, int]:
    """Create a token and show its secret on this response only."""
    association = load_admin_association(slug)
    form = TokenForm()
    if form.validate_on_submit():
        try:
            with atomic():
                _token, secret = services.create_token(current_user, association, form.name.data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _page(association, TokenForm(formdata=None), secret=secret)
    return _page(association, form, status=400)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
def revoke(slug: str, token_id: int) -> Response:
    """Revoke a token: it stops working at once."""
    association = load_admin_association(slug)
    token = load_scoped(ApiToken, token_id, association)
    if RevokeForm().validate_on_submit():
        try:
            with atomic():
                services.revoke_token(current_user, token)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(
                _("The token %(name)s was revoked and no longer works.", name=token.name), "success"
            )
    return redirect(url_for(".index", slug=slug))
