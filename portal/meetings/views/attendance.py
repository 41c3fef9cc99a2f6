"""The attendance grid: per-row saves with htmx, the whole grid as a plain form."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.confirm import confirm_delete
from portal.core.errors import DomainError
from portal.core.forms import BaseForm, Conflict, choices
from portal.core.htmx import is_htmx, page
from portal.core.loaders import require
from portal.core.transactions import atomic
from portal.meetings import policies
from portal.meetings.blueprint import bp
from portal.meetings.forms import ActionForm, SubstituteForm, attendance_form
from portal.meetings.models import ATTENDANCE_STATUS_LABELS, Invitee, Meeting
from portal.meetings.services import attendance
from portal.meetings.views.common import load_meeting
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
        labels=ATTENDANCE_STATUS_LABELS,
        message=message,
    )


def _after_conflict(
    invitees: list[Invitee], form: BaseForm, error: attendance.AttendanceConflictError
) -> BaseForm:
    """The grid again after a conflict: rows the person did not change show what is
    stored now; changed rows keep their choice, and a conflicting one is now based on
    what is stored, so that saving again records the choice (after reading both)."""
    changes = form.changes()
    fresh = attendance_form(invitees, formdata=None)
    fresh.conflict = Conflict(
        rows=[
            (
                row.invitee.user.name,
                str(ATTENDANCE_STATUS_LABELS[row.wanted]) if row.wanted else _("Not recorded"),
                str(ATTENDANCE_STATUS_LABELS[row.stored]) if row.stored else _("Not recorded"),
            )
            for row in error.rows
        ]
    )
    conflicting = {row.invitee.id for row in error.rows}
    fresh.row_notes = {
        row.invitee.id: row_label
        for row, (_n, _y, row_label) in zip(error.rows, fresh.conflict.rows, strict=True)
    }
    for invitee in invitees:
        seen, chosen = changes.get(invitee.id, (None, None))
        if invitee.id in changes and chosen != seen:
            fresh[f"status_{invitee.id}"].data = chosen.value if chosen else None
            if invitee.id not in conflicting:
                fresh[f"seen_{invitee.id}"].data = seen.value if seen else ""
    fresh.form_errors_extra.append(error.message)
    return fresh


@bp.route("/meetings/<int:meeting_id>/attendance", methods=["GET", "POST"])
def attendance_grid(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """The grid of invited people; managers save it as a whole (the plain-form way).

    Only the rows the person changed are saved; a row someone else changed since the
    page was shown is never reverted (409, both versions, the choices kept)."""
    association, meeting = load_meeting(slug, meeting_id)
    invitees = _invitees(meeting)
    form = attendance_form(invitees)
    if form.is_submitted():
        require(policies.can_manage_meetings(current_user, meeting.group))
    if form.validate_on_submit():
        try:
            with atomic():
                changed = attendance.record(current_user, meeting, form.changes())
        except attendance.AttendanceConflictError as conflict:
            form = _after_conflict(_invitees(meeting), form, conflict)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if changed:
                flash(_("The attendance was saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for(".attendance_grid", slug=slug, meeting_id=meeting.id))
    return _grid(association, meeting, form=form, status=form.response_status())


@bp.route("/meetings/<int:meeting_id>/attendance/<int:invitee_id>", methods=["POST"])
def attendance_row(slug: str, meeting_id: int, invitee_id: int) -> Response | tuple[str, int]:
    """Save one person's attendance; htmx gets the row's status and the agency summary,
    and the row's new "seen" value so that the next change is based on it."""
    association, meeting = load_meeting(slug, meeting_id, manage=True)
    invitee = next((i for i in meeting.invitees if i.id == invitee_id), None)
    require(invitee is not None)
    assert invitee is not None
    form = attendance_form([invitee])
    error: str | None = None
    status = 200
    if form.validate_on_submit() and form.changes():
        try:
            with atomic():
                attendance.record(current_user, meeting, form.changes())
        except attendance.AttendanceConflictError as conflict:
            row = conflict.rows[0]
            stored = ATTENDANCE_STATUS_LABELS[row.stored] if row.stored else _("not recorded")
            error = _(
                "Someone else recorded %(stored)s meanwhile; your choice is kept: "
                "press Save attendance to record it.",
                stored=stored,
            )
            status = 409
        except DomainError as exc:
            error, status = exc.message, 400
    else:
        messages = [e for errors in form.errors.values() for e in errors]
        error, status = " ".join(map(str, messages)) or _("Choose present, absent or excused."), 400
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
        labels=ATTENDANCE_STATUS_LABELS,
        error=error,
    )
    return current_app.make_response((body, status))


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
