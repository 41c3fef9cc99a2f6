"""Sign-in through an association's OpenID Connect provider, and its configuration page.

The provider's sign-in ends where the password's does (``twofactor.after_password``):
the same server-side session, and the portal's own second factor is still asked for
when the person has turned it on or their role requires it. The portal cannot tell
from a provider's token whether it used a second factor (``acr``/``amr`` values differ
between providers), so it does not count on one.
"""

from __future__ import annotations

import secrets
import time

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.blueprint import bp
from portal.accounts.forms import IdentityProviderForm, ProviderChoiceForm
from portal.accounts.models import OidcProvider
from portal.accounts.services import oidc
from portal.accounts.views import twofactor
from portal.accounts.views.signin import _login_limit, _safe_next, render_login
from portal.core.security import public
from portal.core.transactions import atomic
from portal.core.urls import absolute_url
from portal.extensions import db, limiter
from portal.organisations.loaders import load_admin_association
from portal.organisations.models import Association

ATTEMPT = "_oidc_attempt"
ATTEMPT_SECONDS = 600


def _redirect_uri() -> str:
    return absolute_url("accounts.oidc_callback")


@bp.route("/login/provider", methods=["POST"])
@public
@limiter.limit(_login_limit)
def oidc_start() -> Response | tuple[str, int]:
    """Send the browser to the chosen association's identity provider."""
    form = ProviderChoiceForm()
    if not form.validate_on_submit():
        abort(400)
    found = db.session.execute(
        sa.select(Association, OidcProvider)
        .join(OidcProvider, OidcProvider.association_id == Association.id)
        .where(Association.slug == form.association.data)
    ).first()
    if found is None:
        abort(404)
    association, row = found
    try:
        url, attempt = oidc.begin(row, _redirect_uri(), current_app.config["SECRET_KEY"])
    except oidc.OidcError as error:
        return render_login(error.message, 502)
    session[ATTEMPT] = {
        **attempt,
        "association": association.id,
        "at": int(time.time()),
        "next": _safe_next(request.args.get("next")),
    }
    return redirect(url)


@bp.route("/login/provider/callback")
@public
@limiter.limit(_login_limit)
def oidc_callback() -> Response | tuple[str, int]:
    """The provider sends the browser back with a code: check it and sign the person in."""
    attempt = session.pop(ATTEMPT, None)
    failed = _("The sign-in through the identity provider failed. Try again.")
    if (
        not isinstance(attempt, dict)
        or time.time() - attempt.get("at", 0) > ATTEMPT_SECONDS
        or not secrets.compare_digest(
            str(request.args.get("state", "")).encode(), str(attempt.get("state", "")).encode()
        )
    ):
        return render_login(failed, 400)
    if request.args.get("error"):
        return render_login(_("The identity provider did not sign you in."), 400)
    code = request.args.get("code", "")
    association = db.session.get(Association, attempt.get("association"))
    row = db.session.get(OidcProvider, attempt.get("association"))
    if (
        association is None
        or row is None
        or not code
        or len(code) > 2000
        # RFC 9207: a provider that names itself in the answer must be the one asked.
        or request.args.get("iss", row.issuer) != row.issuer
    ):
        return render_login(failed, 400)
    try:
        email = oidc.finish(row, _redirect_uri(), current_app.config["SECRET_KEY"], attempt, code)
    except oidc.OidcError as error:
        return render_login(error.message, 400)
    user = oidc.person_in(association, email)
    if user is None:
        return render_login(
            _(
                "%(address)s is not among the people of %(association)s, so you cannot sign "
                "in with it. Ask the association's administrator to add you.",
                address=email,
                association=association.name,
            ),
            403,
        )
    return twofactor.after_password(user, attempt.get("next") or url_for("home.index"))


@bp.route("/a/<slug>/sign-in", methods=["GET", "POST"])
def identity_provider(slug: str) -> Response | tuple[str, int]:
    """The association's identity provider (its administrators)."""
    association = load_admin_association(slug)
    row = oidc.provider_of(association)
    form = IdentityProviderForm(obj=row) if request.method == "GET" else IdentityProviderForm()
    if request.method == "GET":
        form.client_secret.data = ""
    if form.validate_on_submit():
        issuer = str(form.issuer.data).strip()
        loopback = current_app.config["PORTAL_ENV"] != "production"
        if not oidc.issuer_allowed(issuer, loopback=loopback):
            form.issuer.errors = [
                *form.issuer.errors,
                _("The issuer must be an https:// address."),
            ]
        elif row is None and not form.client_secret.data:
            form.client_secret.errors = [*form.client_secret.errors, _("Enter the client secret.")]
        else:
            with atomic():
                oidc.configure(
                    current_user,
                    association,
                    oidc.ProviderData(
                        issuer=issuer,
                        client_id=form.client_id.data.strip(),
                        client_secret=form.client_secret.data or "",
                        button_label=form.button_label.data.strip(),
                        required=bool(form.required.data),
                    ),
                    current_app.config["SECRET_KEY"],
                )
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".identity_provider", slug=slug))
    status = 400 if form.errors else 200
    return render_template(
        "accounts/identity_provider.html",
        association=association,
        form=form,
        configured=row is not None,
        redirect_uri=_redirect_uri(),
    ), status
