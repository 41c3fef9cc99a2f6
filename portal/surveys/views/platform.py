"""The platform admin's instrument pages: upload versions, check them, publish them to
every association at once. Under /platform, like the other platform pages, and absent
(404) to everyone else."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.concurrency import StaleEditError
from portal.core.errors import DomainError
from portal.core.transactions import atomic
from portal.extensions import db
from portal.surveys import policies, services
from portal.surveys.blueprint import bp
from portal.surveys.forms import InstrumentUploadForm, PublishInstrumentForm
from portal.surveys.instrument import InstrumentError, Problem, parse_instrument
from portal.surveys.models import RESPONDENT_GROUP_LABELS, Instrument

PLATFORM_PREFIX = "/platform/"


@bp.before_request
def _guard_platform_pages() -> None:
    """Pages under /platform look absent to all but the platform admin."""
    if request.path.startswith(PLATFORM_PREFIX) and not policies.can_publish_instruments(
        current_user
    ):
        abort(404)


def _load(instrument_id: int) -> Instrument:
    found = db.session.get(Instrument, instrument_id)
    if found is None:
        abort(404)
    return found


def _read(form: InstrumentUploadForm) -> tuple[Instrument | None, list[Problem]]:
    """Check the uploaded file and store it as a draft; the file's problems otherwise
    (a service refusal lands on the form)."""
    try:  # a byte order mark, as some Windows editors write, is not an error
        text = form.file.data.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        reason = _("The file is not UTF-8 text (%(reason)s).", reason=error.reason)
        return None, [Problem("", None, reason)]
    try:
        parsed = parse_instrument(text, form.group())
    except InstrumentError as error:
        return None, error.problems
    try:
        with atomic():
            instrument, outcome = services.import_instrument(current_user, parsed, publish=False)
    except DomainError as error:
        form.add_domain_error(error)
        return None, []
    if outcome == "created":
        message = _("Version %(version)s is stored unpublished. Check it, then publish it.")
    elif outcome == "replaced":
        message = _("The unpublished version %(version)s was replaced by the file.")
    else:
        message = _("Version %(version)s is stored as in the file already; nothing changed.")
    message = message % {"version": instrument.version}
    flash(message, "success")
    return instrument, []


@bp.route("/platform/instruments", methods=["GET", "POST"])
def platform_instruments() -> Response | tuple[str, int]:
    """Every instrument version, newest upload first, and the upload form."""
    form = InstrumentUploadForm()
    problems: list[Problem] = []
    if form.validate_on_submit():
        instrument, problems = _read(form)
        if instrument is not None:
            return redirect(url_for(".platform_instrument", instrument_id=instrument.id))
    status = 400 if problems or form.has_errors else 200
    return render_template(
        "surveys/platform/instruments.html",
        form=form,
        problems=problems,
        instruments=services.instruments(),
        uses=services.instrument_uses(),
        group_labels=RESPONDENT_GROUP_LABELS,
    ), status


def _render(instrument: Instrument, form: PublishInstrumentForm, status: int) -> tuple[str, int]:
    return render_template(
        "surveys/platform/instrument.html",
        instrument=instrument,
        form=form,
        use=services.instrument_uses().get(instrument.id, services.InstrumentUse()),
        frozen=services.is_frozen(instrument),
        group_labels=RESPONDENT_GROUP_LABELS,
    ), status


@bp.route("/platform/instruments/<int:instrument_id>")
def platform_instrument(instrument_id: int) -> tuple[str, int]:
    """One version as stored, with the publish button while it is a draft."""
    instrument = _load(instrument_id)
    form = PublishInstrumentForm(formdata=None, lock_version=instrument.lock_version)
    return _render(instrument, form, 200)


@bp.route("/platform/instruments/<int:instrument_id>/publish", methods=["POST"])
def platform_instrument_publish(instrument_id: int) -> Response | tuple[str, int]:
    """Offer a draft version to every association; a second click changes nothing, and
    a version replaced since the page was opened is shown again (409) to be checked."""
    instrument = _load(instrument_id)
    form = PublishInstrumentForm()
    if not form.validate_on_submit():
        return _render(instrument, form, form.status)
    try:
        with atomic():
            published = services.publish_instrument(current_user, instrument, form.lock())
    except StaleEditError:
        fresh = PublishInstrumentForm(formdata=None, lock_version=instrument.lock_version)
        fresh.form_errors_extra.append(
            _(
                "The version was replaced by another upload after you opened the page. "
                "Check the questions below, then publish again."
            )
        )
        return _render(instrument, fresh, 409)
    if published:
        flash(
            _(
                "%(label)s is published: every association is offered it from now on.",
                label=instrument.label,
            ),
            "success",
        )
    else:
        flash(_("%(label)s was already published.", label=instrument.label), "info")
    return redirect(url_for(".platform_instrument", instrument_id=instrument.id))
