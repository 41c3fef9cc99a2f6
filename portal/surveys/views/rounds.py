"""Survey pages for the association: rounds, response rates, instrument versions."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.confirm import confirm_delete
from portal.core.errors import DomainError
from portal.core.forms import choices
from portal.core.loaders import require
from portal.core.transactions import atomic
from portal.extensions import db
from portal.groups import services as group_services
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.surveys import needs, policies, schedule, services
from portal.surveys.blueprint import PREFIX, bp
from portal.surveys.forms import ConfirmForm, ListForm, RoundEditForm, RoundForm
from portal.surveys.models import (
    RESPONDENT_GROUP_LABELS,
    RespondentGroup,
    RespondentSource,
    SurveyRound,
)
from portal.surveys.services import lists
from portal.surveys.views.common import (
    load_round,
    load_surveys,
    respondent_group_label,
    status_label,
)


@bp.route(PREFIX)
def index(slug: str) -> str:
    """The association's survey rounds and the instrument versions on offer."""
    association = load_surveys(slug)
    rounds = services.rounds_of(association)
    visible = [
        r
        for r in rounds
        if policies.can_follow_round(current_user, r) or policies.can_read_results(current_user, r)
    ]
    return render_template(
        "surveys/index.html",
        association=association,
        rounds=visible,
        instruments=services.published_instruments(),
        can_manage=policies.can_manage_surveys(current_user, association.id),
        status_label=status_label,
        respondent_group_label=respondent_group_label,
    )


def _round_form(association: Association, survey_round: SurveyRound | None) -> RoundForm:
    form = RoundForm() if survey_round is None else RoundEditForm(obj=survey_round)
    if request.method == "GET":
        asked = request.args.get("respondent_group")
        if asked in RespondentGroup.__members__.values():
            form.respondent_group.data = asked
        elif survey_round is not None:
            form.respondent_group.data = survey_round.respondent_group.value
    respondent_group = form.chosen_group()
    form.instrument_id.choices = choices(
        (i.id, i.label + (" – " + _("example") if i.is_example else ""))
        for i in services.published_instruments(respondent_group)
    )
    groups = db.session.scalars(
        db.select(Group).where(Group.association_id == association.id).order_by(Group.name)
    ).all()
    form.group_ids.choices = choices((g.id, g.name) for g in groups)
    taken = sorted(
        r.year
        for r in services.rounds_of(association)
        if r is not survey_round and r.respondent_group == respondent_group
    )
    if taken:
        form.year.description = _(
            "The round's dates fall within this year. Years that already have a round: %(years)s.",
            years=", ".join(map(str, taken)),
        )
    else:
        form.year.description = _("The round's dates fall within this year.")
    if request.method == "GET":
        if survey_round is None:
            suggestion = schedule.suggest(taken, group_services.today())
            form.year.data, form.opens_on.data, form.closes_on.data = suggestion
            form.min_answers.data = association.min_survey_answers
            form.group_ids.data = [g.id for g in groups]
        else:
            form.fill_stored(survey_round)
    return form


def _showing_instruments(form: RoundForm) -> bool:
    """The form was sent with "Show this group's instrument versions" (without
    JavaScript): shown again with what was typed, nothing saved."""
    if request.method != "POST" or "show_instruments" not in request.form:
        return False
    form.instrument_id.data = None
    return True


@bp.route(f"{PREFIX}/new", methods=["GET", "POST"])
def new(slug: str) -> Response | tuple[str, int]:
    """Prepare a round: nothing is sent until it is opened."""
    association = load_surveys(slug)
    require(policies.can_manage_surveys(current_user, association.id))
    form = _round_form(association, None)
    if _showing_instruments(form):
        pass
    elif form.validate_on_submit():
        try:
            with atomic():
                survey_round = services.create_round(current_user, association, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(
                _("The round is prepared. Check it, then open it to send the invitations."),
                "success",
            )
            return redirect(url_for(".show", slug=slug, round_id=survey_round.id))
    return render_template(
        "surveys/round_form.html", association=association, form=form, survey_round=None
    ), form.status


@bp.route(f"{PREFIX}/<int:round_id>/edit", methods=["GET", "POST"])
def edit(slug: str, round_id: int) -> Response | tuple[str, int]:
    """Change a prepared round (not once it has opened)."""
    association, survey_round = load_round(slug, round_id, manage=True)
    if not survey_round.is_draft:
        flash(_("The round has opened; its settings can no longer change."), "error")
        return redirect(url_for(".show", slug=slug, round_id=round_id))
    form = _round_form(association, survey_round)
    assert isinstance(form, RoundEditForm)
    if _showing_instruments(form):
        pass
    elif form.validate_on_submit():
        try:
            with atomic():
                services.update_round(
                    current_user, association, survey_round, form.to_data(), form.lock()
                )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The round was saved."), "success")
            return redirect(url_for(".show", slug=slug, round_id=round_id))
    return render_template(
        "surveys/round_form.html", association=association, form=form, survey_round=survey_round
    ), form.status


@bp.route(f"{PREFIX}/<int:round_id>")
def show(slug: str, round_id: int) -> str:
    """A round: its settings, and while it runs the response rate."""
    association, survey_round = load_round(slug, round_id)
    rates = None
    if not survey_round.is_draft and policies.can_follow_round(current_user, survey_round):
        rates = services.response_rates(survey_round)
        if not policies.can_see_all_groups(current_user, survey_round):
            own = policies.led_groups_in(current_user, survey_round)
            rates = services.Rates(
                groups=[r for r in rates.groups if r.group_id in own],
                total=rates.total,
            )
    return render_template(
        "surveys/show.html",
        association=association,
        survey_round=survey_round,
        rates=rates,
        can_manage=policies.can_manage_surveys(current_user, association.id),
        can_remind=policies.can_follow_round(current_user, survey_round)
        and survey_round.source is not RespondentSource.CODES,
        by_codes=survey_round.source is RespondentSource.CODES,
        can_issue_codes=policies.can_issue_codes(current_user, survey_round),
        can_read_results=policies.can_read_results(current_user, survey_round),
        accepts_answers=services.accepts_answers(survey_round),
        status_label=status_label,
        respondent_group_label=respondent_group_label,
        form=ConfirmForm(),
        list_size=lists.list_size(survey_round)
        if survey_round.source == RespondentSource.LIST
        else None,
    )


def _act(slug: str, round_id: int, action: str) -> Response:
    """Run one of the round's buttons; errors come back as a message on the round page."""
    manage = action != "remind"
    _association, survey_round = load_round(slug, round_id, manage=manage)
    if action == "remind":
        require(policies.can_follow_round(current_user, survey_round))
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with atomic():
            message = _run(action, survey_round)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(message, "success")
        if action == "close" and current_app.config["SURVEY_VACUUM_AT_CLOSE"]:
            services.vacuum_sealed_tables()  # outside the transaction; close-due retries
    return redirect(url_for(".show", slug=slug, round_id=round_id))


def _run(action: str, survey_round: SurveyRound) -> str:
    if action == "open":
        count = services.open_round(current_user, survey_round)
        if survey_round.source is RespondentSource.CODES:
            return _("The round is open. Issue participant codes for its groups.")
        return _("The round is open; %(n)d invitations are on their way.", n=count)
    if action == "remind":
        groups = (
            None
            if policies.can_see_all_groups(current_user, survey_round)
            else policies.led_groups_in(current_user, survey_round)
        )
        count = services.send_reminders(
            current_user, survey_round, dt.timedelta(days=1), group_ids=groups
        )
        return _("%(n)d reminders are on their way.", n=count)
    services.close_round(current_user, survey_round)
    return _("The round is closed. No more answers are accepted.")


@bp.route(f"{PREFIX}/<int:round_id>/open", methods=["POST"])
def open_round(slug: str, round_id: int) -> Response:
    """Open the round and send the invitations."""
    return _act(slug, round_id, "open")


@bp.route(f"{PREFIX}/<int:round_id>/remind", methods=["POST"])
def remind(slug: str, round_id: int) -> Response:
    """Remind those who have not answered (not those contacted in the last day)."""
    return _act(slug, round_id, "remind")


@bp.route(f"{PREFIX}/<int:round_id>/close", methods=["POST"])
def close(slug: str, round_id: int) -> Response:
    """Close the round by hand."""
    return _act(slug, round_id, "close")


@bp.route(f"{PREFIX}/<int:round_id>/list", methods=["GET", "POST"])
def respondent_list(slug: str, round_id: int) -> Response | tuple[str, int]:
    """Upload the list of respondents of a list round (staff, referrers), before it opens.

    Each upload replaces the list; a refused one names every bad line and keeps what
    was typed. The form carries the round's version: an upload from a page opened
    before someone else's upload (or settings save) is a conflict, not an overwrite.
    The list is deleted when the round closes.
    """
    association, survey_round = load_round(slug, round_id, manage=True)
    if survey_round.source != RespondentSource.LIST:
        abort(404)
    form = ListForm()
    if request.method == "GET":
        form.lock_version.data = str(survey_round.lock_version)
    if form.validate_on_submit() and survey_round.is_draft:
        upload = form.upload.data
        text = form.respondents.data or ""
        if upload and getattr(upload, "filename", ""):
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                form.upload.errors = [_("The file is not plain text in UTF-8.")]
                text = ""
            form.respondents.data = text  # a refused file is kept as text to correct
        if not form.upload.errors:
            try:
                with atomic():
                    count = lists.upload_list(current_user, survey_round, text, form.lock())
            except lists.ListError as error:
                form.respondents.errors = list(error.problems)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                flash(_("The list has %(n)d respondents.", n=count), "success")
                return redirect(url_for(".show", slug=slug, round_id=round_id))
    return render_template(
        "surveys/list_form.html",
        association=association,
        survey_round=survey_round,
        form=form,
        entries=lists.list_entries(survey_round),
    ), form.status


@bp.route(f"{PREFIX}/<int:round_id>/delete", methods=["GET", "POST"])
def delete(slug: str, round_id: int) -> Response | str:
    """Delete a round that has not opened (GET asks first)."""
    association, survey_round = load_round(slug, round_id, manage=True)
    if request.method == "GET":
        return confirm_delete(
            question=_("Delete the prepared round?"),
            name=_("Survey %(year)s", year=survey_round.year),
            button=_("Delete the prepared round"),
            cancel=url_for(".show", slug=slug, round_id=round_id),
        )
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with atomic():
            services.delete_round(current_user, survey_round)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".show", slug=slug, round_id=round_id))
    flash(_("The prepared round was deleted."), "success")
    return redirect(url_for(".index", slug=association.slug))


@bp.route("/survey-invitations/<int:invitation_id>/resend", methods=["POST"])
def resend_link(invitation_id: int) -> Response:
    """Send the signed-in person's own survey link again, to their own address."""
    try:
        with atomic():
            invitation = needs.resend_link(current_user, invitation_id)
    except DomainError as error:
        flash(error.message, "error")
    else:
        if invitation is None:
            abort(404)
        flash(_("The link is on its way to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("home.index"))


@bp.route(f"{PREFIX}/instruments/<int:instrument_id>")
def instrument(slug: str, instrument_id: int) -> str:
    """A published instrument version: indicators, questions, scales, the positive rule
    (a draft looks absent)."""
    association = load_surveys(slug)
    found = services.load_published(instrument_id)
    if found is None:
        abort(404)
    return render_template(
        "surveys/instrument.html",
        association=association,
        instrument=found,
        group_label=RESPONDENT_GROUP_LABELS[found.respondent_group],
    )
