"""Minutes pages: write with preview, revisions and comparison, approval, print layout."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core import signals
from portal.core.confirm import confirm_delete
from portal.core.errors import DomainError
from portal.core.forms import choices
from portal.core.htmx import is_htmx
from portal.core.loaders import require
from portal.core.markdown import render
from portal.core.transactions import atomic
from portal.core.urls import absolute_url
from portal.meetings import policies
from portal.meetings.blueprint import bp
from portal.meetings.forms import (
    ActionForm,
    AdjusterForm,
    FollowUpLinkForm,
    ItemForm,
    MinutesForm,
    ReturnForm,
)
from portal.meetings.models import (
    ITEM_KIND_LABELS,
    Meeting,
    Minutes,
    MinutesItemKind,
    MinutesStatus,
)
from portal.meetings.services import follow_ups, minutes_state
from portal.meetings.services import meetings as meeting_services
from portal.meetings.services import minutes as service
from portal.meetings.services.minutes_state import MINUTES_STATE_LABELS
from portal.organisations.loaders import load_association
from portal.organisations.models import Association
from portal.plans.models import Activity, Plan


def _load(slug: str, meeting_id: int) -> tuple[Association, Meeting, Minutes | None]:
    """A meeting whose minutes the person may read: its readers and the adjuster."""
    association = load_association(slug)
    meeting = meeting_services.load_meeting(meeting_id, association.id)
    require(meeting is not None)
    assert meeting is not None
    minutes = service.minutes_of(meeting)
    is_adjuster = minutes is not None and policies.can_approve_minutes(current_user, minutes)
    require(is_adjuster or policies.can_read_meetings(current_user, meeting.group))
    return association, meeting, minutes


def _link(association: Association, meeting: Meeting) -> str:
    return absolute_url("meetings.minutes", slug=association.slug, meeting_id=meeting.id)


def _page(
    association: Association,
    meeting: Meeting,
    minutes: Minutes | None,
    *,
    status: int = 200,
    **forms: Any,
) -> tuple[str, int]:
    can_manage = policies.can_manage_meetings(current_user, meeting.group)
    is_adjuster = minutes is not None and policies.can_approve_minutes(current_user, minutes)
    newest = service.latest(minutes)
    frozen = minutes is not None and minutes.status is MinutesStatus.APPROVED
    form = forms.get("form")
    if form is None and can_manage:
        form = MinutesForm(formdata=None)
        form.body.data = newest.body if newest else ""
        form.correction.data = "1" if frozen else ""
        form.base_revision.data = str(newest.number if newest else 0)
    adjuster_form = forms.get("adjuster_form") or AdjusterForm(formdata=None)
    _set_adjuster_choices(adjuster_form, meeting, minutes)
    if minutes is not None and minutes.adjuster_id and not forms.get("adjuster_form"):
        adjuster_form.adjuster_id.data = minutes.adjuster_id
    plan = follow_ups.plan_of(meeting)
    activities = follow_ups.activities_of(plan)
    return render_template(
        "meetings/minutes.html",
        association=association,
        meeting=meeting,
        group=meeting.group,
        minutes=minutes,
        newest=newest,
        approved=service.approved(minutes),
        render=render,
        can_manage=can_manage,
        is_adjuster=is_adjuster,
        frozen=frozen,
        form=form,
        preview=forms.get("preview"),
        adjuster_form=adjuster_form,
        return_form=forms.get("return_form") or ReturnForm(formdata=None),
        item_form=forms.get("item_form") or ItemForm(formdata=None),
        action_form=ActionForm(),
        kind_labels=ITEM_KIND_LABELS,
        statuses=MinutesStatus,
        plan=plan,
        can_link=follow_ups.can_link_follow_ups(current_user, meeting.group),
        follow_up_kind=MinutesItemKind.FOLLOW_UP,
        plan_year=follow_ups.plan_year(meeting),
        activities={a.id: a for a in activities},
        link_forms=_link_forms(meeting, minutes, plan, activities, forms.get("link_forms", {})),
        follow_up_errors=forms.get("follow_up_errors", {}),
        minutes_state=minutes_state.state(minutes),
        minutes_labels=MINUTES_STATE_LABELS,
        not_started=service.not_started_refusal(meeting),
        approval_refusal=_approval_refusal(meeting, minutes),
        **signals.page_context(signals.attachments_shown, meeting, section="minutes"),
    ), status


def _set_adjuster_choices(form: AdjusterForm, meeting: Meeting, minutes: Minutes | None) -> None:
    """Offer the invited people who may adjust; say who is left out and why."""
    writers = service.authors(minutes)
    offered = [i for i in meeting.invitees if i.user_id not in writers]
    form.adjuster_id.choices = choices(
        [
            (0, _("Choose a person")),
            *((i.user_id, f"{i.user.name} ({i.agency.name})") for i in offered),
        ]
    )
    left_out = sorted(i.user.name for i in meeting.invitees if i.user_id in writers)
    if left_out:
        form.adjuster_id.description = _(
            "Not offered: %(names)s, who wrote the minutes. "
            "The adjuster must be someone other than those who wrote them.",
            names=", ".join(left_out),
        )


def _approval_refusal(meeting: Meeting, minutes: Minutes | None) -> str | None:
    """Why the appointed adjuster cannot approve (yet), shown instead of the button."""
    if minutes is None or minutes.adjuster_id is None:
        return None
    return service.adjuster_refusal(minutes, minutes.adjuster_id) or service.not_started_refusal(
        meeting
    )


def _set_activity_choices(form: FollowUpLinkForm, activities: list[Activity]) -> None:
    form.activity_id.choices = choices(
        [(0, _("Choose an activity")), *((a.id, a.what) for a in activities)]
    )


def _link_forms(
    meeting: Meeting,
    minutes: Minutes | None,
    plan: Plan | None,
    activities: list[Activity],
    given: dict[int, FollowUpLinkForm],
) -> dict[int, FollowUpLinkForm]:
    """A link form per follow-up, while the minutes are a draft and the person may link."""
    if (
        minutes is None
        or plan is None
        or minutes.status is not MinutesStatus.DRAFT
        or not follow_ups.can_link_follow_ups(current_user, meeting.group)
    ):
        return {}
    forms: dict[int, FollowUpLinkForm] = {}
    for item in minutes.items:
        if item.kind is not MinutesItemKind.FOLLOW_UP:
            continue
        form = given.get(item.id)
        if form is None:
            form = FollowUpLinkForm(formdata=None, prefix=f"item-{item.id}")
            form.activity_id.data = item.activity_id or 0
        _set_activity_choices(form, activities)
        forms[item.id] = form
    return forms


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["GET", "POST"])
def minutes(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """Read the minutes; the process leader writes them here (each save a revision)."""
    association, meeting, current = _load(slug, meeting_id)
    if request.method == "GET":
        return _page(association, meeting, current)
    require(policies.can_manage_meetings(current_user, meeting.group))
    form = MinutesForm()
    if form.validate_on_submit():
        if form.preview.data:
            return _page(association, meeting, current, form=form, preview=form.body.data)
        try:
            with atomic():
                revision = service.save_revision(
                    current_user,
                    meeting,
                    form.body.data or "",
                    base=form.base(),
                    correction=bool(form.correction.data),
                )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("Revision %(n)d was saved.", n=revision.number), "success")
            return redirect(url_for(".minutes", slug=slug, meeting_id=meeting.id))
        current = service.minutes_of(meeting)
    return _page(association, meeting, current, form=form, status=max(form.status, 400))


@bp.route("/meetings/<int:meeting_id>/minutes/preview", methods=["POST"])
def minutes_preview(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """The typed text as it will look (htmx); without htmx, the page with the preview."""
    association, meeting, current = _load(slug, meeting_id)
    require(policies.can_manage_meetings(current_user, meeting.group))
    form = MinutesForm()
    form.validate_on_submit()
    if not is_htmx():
        return _page(association, meeting, current, form=form, preview=form.body.data)
    body = render_template("meetings/_preview.html", preview=form.body.data or "", render=render)
    return current_app.make_response(body)


def _act(slug: str, meeting_id: int, done: str, call: Any) -> Response | tuple[str, int]:
    """Run a state change from a button; errors come back as a message on the page."""
    _association, meeting, _current = _load(slug, meeting_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            with atomic():
                call(meeting)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(done, "success")
    return redirect(url_for(".minutes", slug=slug, meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/minutes/adjuster", methods=["POST"])
def minutes_adjuster(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """Appoint the adjuster among the invited people."""
    association, meeting, current = _load(slug, meeting_id)
    require(policies.can_manage_meetings(current_user, meeting.group))
    form = AdjusterForm()
    _set_adjuster_choices(form, meeting, current)
    if form.validate_on_submit():
        try:
            with atomic():
                service.appoint_adjuster(current_user, meeting, form.adjuster_id.data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The adjuster was appointed."), "success")
            return redirect(url_for(".minutes", slug=slug, meeting_id=meeting.id))
    return _page(association, meeting, current, adjuster_form=form, status=400)


@bp.route("/meetings/<int:meeting_id>/minutes/submit", methods=["POST"])
def minutes_submit(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """Send the minutes to the adjuster."""
    association, meeting, _current = _load(slug, meeting_id)
    require(policies.can_manage_meetings(current_user, meeting.group))
    link = _link(association, meeting)
    return _act(
        slug,
        meeting_id,
        _("The minutes were sent to the adjuster."),
        lambda m: service.submit(current_user, m, link),
    )


@bp.route("/meetings/<int:meeting_id>/minutes/approve", methods=["POST"])
def minutes_approve(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """The adjuster approves; the minutes are mailed to everyone invited."""
    association, meeting, current = _load(slug, meeting_id)
    require(current is not None and policies.can_approve_minutes(current_user, current))
    link = _link(association, meeting)
    return _act(
        slug,
        meeting_id,
        _("The minutes were approved and sent to the members."),
        lambda m: service.approve(current_user, m, link),
    )


@bp.route("/meetings/<int:meeting_id>/minutes/return", methods=["POST"])
def minutes_return(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """The adjuster sends the minutes back with a comment."""
    association, meeting, current = _load(slug, meeting_id)
    require(current is not None and policies.can_approve_minutes(current_user, current))
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            with atomic():
                service.return_minutes(current_user, meeting, form.comment.data or "")
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The minutes were returned to the process leader."), "success")
            return redirect(url_for(".minutes", slug=slug, meeting_id=meeting.id))
    return _page(association, meeting, current, return_form=form, status=400)


@bp.route("/meetings/<int:meeting_id>/minutes/items", methods=["POST"])
def minutes_item_add(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """Record a decision or follow-up."""
    association, meeting, current = _load(slug, meeting_id)
    require(policies.can_manage_meetings(current_user, meeting.group))
    form = ItemForm()
    if form.validate_on_submit():
        try:
            with atomic():
                service.add_item(current_user, meeting, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The item was added."), "success")
            return redirect(url_for(".minutes", slug=slug, meeting_id=meeting.id))
    return _page(association, meeting, current, item_form=form, status=400)


@bp.route("/meetings/<int:meeting_id>/minutes/items/<int:item_id>/delete", methods=["GET", "POST"])
def minutes_item_remove(
    slug: str, meeting_id: int, item_id: int
) -> Response | tuple[str, int] | str:
    """Remove a decision or follow-up from draft minutes (GET asks first)."""
    _association, meeting, current = _load(slug, meeting_id)
    require(policies.can_manage_meetings(current_user, meeting.group))
    if request.method == "GET":
        item = next((i for i in current.items if i.id == item_id), None) if current else None
        require(item is not None)
        assert item is not None
        return confirm_delete(
            question=_("Remove this item from the minutes?"),
            name=item.text,
            button=_("Remove"),
            cancel=url_for(".minutes", slug=slug, meeting_id=meeting.id),
        )
    return _act(
        slug,
        meeting_id,
        _("The item was removed."),
        lambda m: service.remove_item(current_user, m, item_id),
    )


def _load_for_follow_up(slug: str, meeting_id: int) -> tuple[Association, Meeting, Minutes]:
    """The minutes a person who edits both the minutes and the plan links from."""
    association, meeting, current = _load(slug, meeting_id)
    require(current is not None and follow_ups.can_link_follow_ups(current_user, meeting.group))
    assert current is not None
    return association, meeting, current


def _item_url(slug: str, meeting_id: int, item_id: int) -> str:
    return url_for(".minutes", slug=slug, meeting_id=meeting_id, _anchor=f"follow-up-{item_id}")


@bp.route("/meetings/<int:meeting_id>/minutes/items/<int:item_id>/activity/new", methods=["POST"])
def follow_up_create(slug: str, meeting_id: int, item_id: int) -> Response | tuple[str, int]:
    """Create an activity in the group's action plan from a follow-up."""
    association, meeting, current = _load_for_follow_up(slug, meeting_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            with atomic():
                activity = follow_ups.create_activity(current_user, meeting, current, item_id)
        except DomainError as error:
            errors = {item_id: error.message}
            return _page(association, meeting, current, follow_up_errors=errors, status=400)
        flash(_("The activity was created in the action plan."), "success")
        if activity.due_date is None and _due_on(current, item_id) is not None:
            flash(_("The due date is outside the plan year and was left out."), "info")
        return redirect(_item_url(slug, meeting_id, item_id))
    errors = {item_id: _("The form has expired. Try again.")}
    return _page(association, meeting, current, follow_up_errors=errors, status=400)


def _due_on(minutes: Minutes, item_id: int) -> dt.date | None:
    return next((i.due_on for i in minutes.items if i.id == item_id), None)


@bp.route("/meetings/<int:meeting_id>/minutes/items/<int:item_id>/activity", methods=["POST"])
def follow_up_link(slug: str, meeting_id: int, item_id: int) -> Response | tuple[str, int]:
    """Link a follow-up to an existing activity; optionally update its status and outcome."""
    association, meeting, current = _load_for_follow_up(slug, meeting_id)
    form = FollowUpLinkForm(prefix=f"item-{item_id}")
    _set_activity_choices(form, follow_ups.activities_of(follow_ups.plan_of(meeting)))
    if form.validate_on_submit():
        try:
            with atomic():
                follow_ups.link_activity(current_user, meeting, current, item_id, form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            flash(_("The follow-up is linked to the activity."), "success")
            return redirect(_item_url(slug, meeting_id, item_id))
    forms = {item_id: form}
    errors = {item_id: " ".join(form.form_errors_extra)} if form.form_errors_extra else {}
    return _page(
        association, meeting, current, link_forms=forms, follow_up_errors=errors, status=400
    )


@bp.route("/meetings/<int:meeting_id>/minutes/compare")
def minutes_compare(slug: str, meeting_id: int) -> tuple[str, int]:
    """A line diff between any two revisions (``?a=`` and ``?b=`` are revision numbers)."""
    association, meeting, current = _load(slug, meeting_id)
    revisions = current.revisions if current else []
    by_number = {r.number: r for r in revisions}
    a = by_number.get(request.args.get("a", type=int) or 0)
    b = by_number.get(request.args.get("b", type=int) or 0)
    if a is None and len(revisions) >= 2:
        a = revisions[-2]
    if b is None and revisions:
        b = revisions[-1]
    return render_template(
        "meetings/compare.html",
        association=association,
        meeting=meeting,
        group=meeting.group,
        revisions=revisions,
        a=a,
        b=b,
        lines=service.compare(a, b) if a and b else [],
    ), 200


@bp.route("/meetings/<int:meeting_id>/minutes/print")
def minutes_print(slug: str, meeting_id: int) -> str:
    """The minutes laid out for printing."""
    association, meeting, current = _load(slug, meeting_id)
    return render_template(
        "meetings/print.html",
        association=association,
        meeting=meeting,
        group=meeting.group,
        minutes=current,
        approved=service.approved(current),
        newest=service.latest(current),
        render=render,
        kind_labels=ITEM_KIND_LABELS,
        present=sorted(
            (i for i in meeting.invitees if i.status and i.status.value == "present"),
            key=lambda i: i.user.name,
        ),
    )
