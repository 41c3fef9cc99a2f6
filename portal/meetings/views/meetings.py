"""Meeting pages: the group's meetings, scheduling, the meeting page and notices."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core import clock, signals
from portal.core.errors import DomainError
from portal.core.loaders import require
from portal.core.transactions import atomic
from portal.core.urls import absolute_url
from portal.meetings import policies
from portal.meetings.blueprint import bp
from portal.meetings.forms import (
    ActionForm,
    AnswerForm,
    MeetingEditForm,
    MeetingForm,
    YearForm,
)
from portal.meetings.models import ANSWER_LABELS, Meeting
from portal.meetings.services import answers, minutes_state
from portal.meetings.services import meetings as services
from portal.meetings.services.minutes_state import MINUTES_STATE_LABELS
from portal.meetings.views.common import load_group, load_meeting
from portal.organisations.models import Association


def meeting_link(association: Association, meeting: Meeting) -> str:
    return absolute_url("meetings.show", slug=association.slug, meeting_id=meeting.id)


@bp.route("/groups/<int:group_id>/meetings")
def index(slug: str, group_id: int) -> str:
    """The group's meetings, upcoming and held."""
    association, group = load_group(slug, group_id)
    meetings = services.meetings_of(group)
    now = dt.datetime.now(dt.UTC)
    return render_template(
        "meetings/index.html",
        association=association,
        group=group,
        upcoming=sorted((m for m in meetings if m.ends_at >= now), key=lambda m: m.starts_at),
        held=[m for m in meetings if m.ends_at < now],
        can_manage=policies.can_manage_meetings(current_user, group),
        minutes_states=minutes_state.states([m.id for m in meetings]),
        minutes_labels=MINUTES_STATE_LABELS,
    )


@bp.route("/groups/<int:group_id>/meetings/new", methods=["GET", "POST"])
def new(slug: str, group_id: int) -> Response | tuple[str, int]:
    """Schedule one meeting (process leaders, admins)."""
    association, group = load_group(slug, group_id)
    require(policies.can_manage_meetings(current_user, group))
    form = MeetingForm()
    if request.method == "GET":
        form.start_time.data = dt.time(9, 0)
        form.end_time.data = dt.time(12, 0)
        form.agenda.data = "\n".join(services.default_agenda())
    if form.validate_on_submit():
        try:
            with atomic():
                meeting = services.create_meeting(current_user, group, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(
                _("The meeting was scheduled. Send the notice when the agenda is ready."), "success"
            )
            return redirect(url_for(".show", slug=slug, meeting_id=meeting.id))
    return render_template(
        "meetings/form.html", association=association, group=group, form=form, meeting=None
    ), form.status


def _default_days(year: int) -> list[dt.date]:
    """The second Tuesday of February, May, September and November."""
    days = []
    for month in (2, 5, 9, 11):
        first = dt.date(year, month, 1)
        first_tuesday = first + dt.timedelta(days=(1 - first.weekday()) % 7)
        days.append(first_tuesday + dt.timedelta(days=7))
    return days


@bp.route("/groups/<int:group_id>/meetings/year", methods=["GET", "POST"])
def year(slug: str, group_id: int) -> Response | tuple[str, int]:
    """Schedule the year's four meetings in one step."""
    association, group = load_group(slug, group_id)
    require(policies.can_manage_meetings(current_user, group))
    form = YearForm()
    if request.method == "GET":
        today = clock.today()
        target = today.year + 1 if today.month >= 10 else today.year
        for field, day in zip(
            (form.day_1, form.day_2, form.day_3, form.day_4), _default_days(target), strict=True
        ):
            field.data = day
        form.start_time.data = dt.time(9, 0)
        form.end_time.data = dt.time(12, 0)
    if form.validate_on_submit():
        try:
            with atomic():
                meetings = services.create_year(current_user, group, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("%(n)d meetings were scheduled.", n=len(meetings)), "success")
            return redirect(url_for(".index", slug=slug, group_id=group.id))
    return render_template(
        "meetings/year.html", association=association, group=group, form=form
    ), form.status


@bp.route("/meetings/<int:meeting_id>")
def show(slug: str, meeting_id: int) -> str:
    """A meeting: time, place, agenda, who is invited, and links to attendance and minutes."""
    association, meeting = load_meeting(slug, meeting_id)
    return show_page(association, meeting)


def show_page(
    association: Association, meeting: Meeting, answer_form: AnswerForm | None = None
) -> str:
    """The meeting page; with the person's own answer form when they are invited, and
    for those who run the meeting the answers and the agencies that keep missing."""
    can_manage = policies.can_manage_meetings(current_user, meeting.group)
    own = answers.invitee_of(meeting, current_user)
    if own is not None and answer_form is None:
        answer_form = AnswerForm(formdata=None)
        answer_form.fill(own, answers.substitute_candidates(own))
    upcoming = meeting.ends_at > dt.datetime.now(dt.UTC)
    return render_template(
        "meetings/show.html",
        association=association,
        meeting=meeting,
        group=meeting.group,
        invitees=sorted(meeting.invitees, key=lambda i: (i.agency.name, i.user.name)),
        can_manage=can_manage,
        action_form=ActionForm(),
        **signals.page_context(signals.attachments_shown, meeting, section="meeting"),
        own=own if upcoming else None,
        answer_form=answer_form,
        answer_labels=ANSWER_LABELS,
        unanswered=[i for i in meeting.invitees if i.answer is None] if can_manage else [],
        flags=answers.absent_agencies(meeting) if can_manage and upcoming else [],
        upcoming=upcoming,
    )


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """Change a meeting; after the notice, everyone invited gets an update."""
    association, meeting = load_meeting(slug, meeting_id, manage=True)
    form = MeetingEditForm(obj=meeting) if request.method == "GET" else MeetingEditForm()
    if request.method == "GET":
        form.fill_stored(meeting)
    if form.validate_on_submit():
        try:
            with atomic():
                sent = services.update_meeting(
                    current_user,
                    meeting,
                    form.to_data(),
                    meeting_link(association, meeting),
                    form.lock(),
                )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(
                _("The changes were saved and an updated notice was sent.")
                if sent
                else _("The changes were saved."),
                "success",
            )
            return redirect(url_for(".show", slug=slug, meeting_id=meeting.id))
    return render_template(
        "meetings/form.html",
        association=association,
        group=meeting.group,
        form=form,
        meeting=meeting,
    ), form.response_status()


@bp.route("/meetings/<int:meeting_id>/notice", methods=["POST"])
def notice(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """Send the notice (kallelse) with agenda and calendar file to everyone invited."""
    association, meeting = load_meeting(slug, meeting_id, manage=True)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            with atomic():
                count = services.send_notice(
                    current_user, meeting, meeting_link(association, meeting)
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The notice was sent to %(n)d people.", n=count), "success")
    return redirect(url_for(".show", slug=slug, meeting_id=meeting.id))
