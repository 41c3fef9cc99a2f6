"""The person's reminder settings, reached from their account page and every reminder."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.transactions import atomic
from portal.notifications.blueprint import bp
from portal.notifications.forms import SettingsForm
from portal.notifications.services import settings

__all__ = ["bp", "edit"]  # importing the module registers its route on bp


@bp.route("/account/notifications", methods=["GET", "POST"])
def edit() -> Response | tuple[str, int]:
    """Switch each kind of reminder on or off."""
    form = SettingsForm()
    if request.method == "GET":
        form.fill(settings.enabled_kinds(current_user))
    if form.validate_on_submit():
        with atomic():
            changed = settings.save(current_user, form.enabled())
        flash(
            _("Your reminder settings were saved.") if changed else _("Nothing was changed."),
            "success",
        )
        return redirect(url_for(".edit"))
    return render_template("notifications/settings.html", form=form), form.status
