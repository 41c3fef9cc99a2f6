"""Answering a notice: by the personal link without signing in, or on the meeting page."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import User
from portal.core.errors import DomainError
from portal.core.loaders import require
from portal.core.security import public
from portal.core.transactions import atomic
from portal.extensions import db
from portal.meetings.blueprint import bp
from portal.meetings.forms import ActionForm, AnswerForm
from portal.meetings.models import ANSWER_LABELS, Invitee, Meeting
from portal.meetings.services import answer_links, answers
from portal.meetings.views.common import load_meeting
from portal.meetings.views.meetings import show_page
from portal.organisations.models import Association


def _private(response: Response | str, status: int = 200) -> Response:
    """A page opened by a personal link is neither cached nor named to other sites."""
    out = response if isinstance(response, Response) else make_response(response, status)
    out.headers["Cache-Control"] = "no-store"
    out.headers["Referrer-Policy"] = "no-referrer"
    return out


def _save(form: AnswerForm, actor: User | None, invitee: Invitee) -> bool:
    """Validate and save the answer; False with the errors on the form."""
    if not form.validate_on_submit():
        return False
    try:
        with atomic():
            changed = answers.answer(actor, invitee, form.to_data())
    except DomainError as error:
        form.add_domain_error(error)
        return False
    flash(
        _("Thank you, your answer was saved.") if changed else _("Your answer is unchanged."),
        "success",
    )
    return True


@bp.route("/answer/<token>", methods=["GET", "POST"])
@public
def answer_by_link(slug: str, token: str) -> Response:
    """The page the notice's personal link opens: no sign-in, works without JavaScript."""
    link = answer_links.find_link(token)
    if link is None:
        return _private(render_template("meetings/answer_gone.html"), 404)
    invitee = link.invitee
    meeting: Meeting = invitee.meeting
    association = db.session.get(Association, meeting.association_id)
    if association is None or association.slug != slug:
        abort(404)
    form = AnswerForm()
    form.fill(invitee, answers.substitute_candidates(invitee))
    if _save(form, None, invitee):
        return _private(redirect(url_for(".answer_by_link", slug=slug, token=token)))
    return _private(
        render_template(
            "meetings/answer.html",
            association=association,
            meeting=meeting,
            invitee=invitee,
            form=form,
            answer_labels=ANSWER_LABELS,
            action=url_for(".answer_by_link", slug=slug, token=token),
        ),
        form.status,
    )


@bp.route("/meetings/<int:meeting_id>/answer", methods=["POST"])
def answer(slug: str, meeting_id: int) -> Response | tuple[str, int]:
    """A signed-in member answers on the meeting page."""
    association, meeting = load_meeting(slug, meeting_id)
    invitee = answers.invitee_of(meeting, current_user)
    require(invitee is not None)
    assert invitee is not None  # for mypy: require() aborted otherwise
    form = AnswerForm()
    form.fill(invitee, answers.substitute_candidates(invitee))
    if _save(form, current_user, invitee):
        return redirect(url_for(".show", slug=slug, meeting_id=meeting.id) + "#answer-heading")
    return show_page(association, meeting, answer_form=form), form.status


@bp.route("/meetings/<int:meeting_id>/invitees/<int:invitee_id>/revoke-link", methods=["POST"])
def revoke_link(slug: str, meeting_id: int, invitee_id: int) -> Response:
    """Withdraw a person's answer link (say, the notice reached the wrong person)."""
    _association, meeting = load_meeting(slug, meeting_id, manage=True)
    invitee = next((i for i in meeting.invitees if i.id == invitee_id), None)
    if invitee is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        with atomic():
            count = answers.revoke_links(current_user, invitee)
        flash(
            _("The answer link of %(name)s was withdrawn.", name=invitee.user.name)
            if count
            else _("%(name)s has no answer link in force.", name=invitee.user.name),
            "success",
        )
    return redirect(url_for(".show", slug=slug, meeting_id=meeting.id))
