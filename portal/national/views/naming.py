"""An association's choice of being named in the national compilation (its admin's)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.errors import DomainError
from portal.core.transactions import atomic
from portal.national import policies
from portal.national.blueprint import bp
from portal.national.forms import NamingForm
from portal.national.services import set_named_nationally
from portal.organisations.loaders import load_association


@bp.route("/a/<slug>/national", methods=["GET", "POST"])
def naming(slug: str) -> Response | tuple[str, int]:
    """Whether the association is shown by name in the national compilation."""
    association = load_association(slug)
    if not policies.can_choose_naming(current_user, association.id):
        abort(404)
    form = NamingForm(obj=association) if request.method == "GET" else NamingForm()
    if form.validate_on_submit():
        try:
            with atomic():
                set_named_nationally(
                    current_user, association, bool(form.named_nationally.data), form.lock()
                )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".naming", slug=slug))
    return render_template(
        "national/naming.html", association=association, form=form
    ), form.response_status()
