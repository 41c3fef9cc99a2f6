"""The attendance grid: per-row saves with htmx, the whole grid as a plain form."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.confirm import confirm_delete
from portal.core.errors import DomainError
from portal.core.forms import BaseForm, choices
from portal.core.htmx import is_htmx, page
from portal.core.loaders import require
from portal.core.transactions import atomic
from portal.meetings import attendance, policies
from portal.meetings.forms import STATUS_LABELS, ActionForm, SubstituteForm, attendance_form
from portal.meetings.models import Invitee, Meeting
from portal.meetings.views import bp, load_meeting
from portal.organisations.models import Association
from portal.organisations.services import agencies_of


def _invitees(meeting: Meeting) -> list[Invitee]:
    return sorted(meeting.invitees, key=lambda i: (i.agency.name, i.user.name))


def _substitute_form(association: Association, meeting: Meeting) -> SubstituteForm:
    form = SubstituteForm()
    form.invitee_id.choices = choices(
        [
            (0, _("Choose a person")),
            *((i.id, f"{i.user.name} ({i.agency.name})") for i in _invitees(meeting)),
        ]
    )
    form.user_id.choices = choices(
        [
            (0, _("Not in the register")),
            # The address tells people with the same name apart, as on the group page.
            *((u.id, f"{u.name} ({u.email})") for u in attendance.registered_people(meeting)),
        ]
    )
    form.agency_id.choices = choices(
        [
            (0, _("The agency of the person replaced")),
            *((a.id, a.name) for a in agencies_of(association)),
        ]
    )
    return form


def _grid(
    association: Association,
    meeting: Meeting,
    *,
    form: BaseForm | None = None,
    substitute_form: SubstituteForm | None = None,
    status: int = 200,
    message: str | None = None,
) -> Response:
    can_manage = policies.can_manage_meetings(current_user, meeting.group)
    invitees = _invitees(meeting)
    return page(
        "meetings/attendance.html",
        "grid",
        status=status,
        association=association,
        meeting=meeting,
        group=meeting.group,
        invitees=invitees,
        form=form or attendance_form(invitees),
        substitute_form=substitute_form
        or (_substitute_form(association, meeting) if can_manage else None),
        presence=attendance.agency_presence(meeting),
        can_manage=can_manage,
        action_form=ActionForm(),
        labels=STATUS_LABELS,
        message=message,
    )


@bp.route("/meetings/<int:meeting_id>/attendance", methods=["GET", "POST"])
def attendance_grid(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """The grid of invited people; managers save it as a whole (the plain-form way)."""
    association, meeting = load_meeting(slug, meeting_id)
    form = attendance_form(_invitees(meeting))
    if form.is_submitted():
        require(policies.can_manage_meetings(current_user, meeting.group))
    if form.validate_on_submit():
        try:
            with atomic():
                attendance.set_statuses(current_user, meeting, form.statuses())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The attendance was saved."), "success")
            return redirect(url_for(".attendance_grid", slug=slug, meeting_id=meeting.id))
    return _grid(association, meeting, form=form, status=form.status)


@bp.route("/meetings/<int:meeting_id>/attendance/<int:invitee_id>", methods=["POST"])
def attendance_row(slug: str, meeting_id: int, invitee_id: int) -> Response | tuple[str, int]:
    """Save one person's attendance; htmx gets the row's status and the agency summary."""
    association, meeting = load_meeting(slug, meeting_id, manage=True)
    invitee = next((i for i in meeting.invitees if i.id == invitee_id), None)
    require(invitee is not None)
    assert invitee is not None
    form = attendance_form([invitee])
    error: str | None = None
    if form.validate_on_submit():
        try:
            with atomic():
                attendance.set_statuses(current_user, meeting, form.statuses())
        except DomainError as exc:
            error = exc.message
    else:
        error = _("Choose present, absent or excused.")
    if not is_htmx():
        if error:
            flash(error, "error")
        return redirect(url_for(".attendance_grid", slug=slug, meeting_id=meeting.id))
    body = render_template(
        "meetings/_attendance_saved.html",
        association=association,
        meeting=meeting,
        invitee=invitee,
        presence=attendance.agency_presence(meeting),
        labels=STATUS_LABELS,
        error=error,
    )
    response = current_app.make_response((body, 400 if error else 200))
    response.vary.add("HX-Request")
    return response


@bp.route("/meetings/<int:meeting_id>/attendance/everyone", methods=["POST"])
def everyone_present(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """Everyone not yet recorded is present; exceptions are then one click each."""
    association, meeting = load_meeting(slug, meeting_id, manage=True)
    form = ActionForm()
    if form.validate_on_submit():
        with atomic():
            count = attendance.everyone_present(current_user, meeting)
        message = _("%(n)d people were marked present.", n=count)
        if is_htmx():
            return _grid(association, meeting, message=message)
        flash(message, "success")
    return redirect(url_for(".attendance_grid", slug=slug, meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/substitutes", methods=["POST"])
def add_substitute(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """Record a substitute for an invited person."""
    association, meeting = load_meeting(slug, meeting_id, manage=True)
    form = _substitute_form(association, meeting)
    if form.validate_on_submit():
        try:
            with atomic():
                substitute = attendance.add_substitute(current_user, meeting, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("%(name)s was recorded as substitute.", name=substitute.name), "success")
            return redirect(url_for(".attendance_grid", slug=slug, meeting_id=meeting.id))
    return _grid(association, meeting, substitute_form=form, status=400)


@bp.route("/meetings/<int:meeting_id>/substitutes/<int:invitee_id>/delete", methods=["GET", "POST"])
def remove_substitute(slug: str, meeting_id: int, invitee_id: int) -> Response | str:
    """Take back a substitute (GET asks first)."""
    _association, meeting = load_meeting(slug, meeting_id, manage=True)
    if request.method == "GET":
        invitee = next((i for i in meeting.invitees if i.id == invitee_id), None)
        require(invitee is not None and invitee.substitute is not None)
        assert invitee is not None
        assert invitee.substitute is not None
        return confirm_delete(
            question=_("Remove the substitute?"),
            name=_(
                "%(substitute)s, in the place of %(name)s",
                substitute=invitee.substitute.name,
                name=invitee.user.name,
            ),
            button=_("Remove"),
            cancel=url_for(".attendance_grid", slug=slug, meeting_id=meeting.id),
        )
    form = ActionForm()
    if form.validate_on_submit():
        try:
            with atomic():
                attendance.remove_substitute(current_user, meeting, invitee_id)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The substitute was removed."), "success")
    return redirect(url_for(".attendance_grid", slug=slug, meeting_id=meeting.id))
