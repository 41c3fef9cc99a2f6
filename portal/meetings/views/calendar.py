"""Calendar subscriptions: manage one's feed addresses, and the public .ics feeds."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core import permissions
from portal.core.errors import DomainError
from portal.core.forms import choices
from portal.core.loaders import require
from portal.core.security import public
from portal.core.transactions import atomic
from portal.core.urls import absolute_url
from portal.extensions import db
from portal.groups.models import Group
from portal.meetings.blueprint import bp
from portal.meetings.forms import ActionForm, FeedForm
from portal.meetings.models import CalendarFeed
from portal.meetings.services import calendar, ical
from portal.organisations.loaders import load_association
from portal.organisations.models import Association


def _readable_groups(association: Association) -> list[Group]:
    groups = db.session.scalars(
        sa.select(Group).where(Group.association_id == association.id).order_by(Group.name)
    )
    return [g for g in groups if permissions.can_view_group_people(current_user, g)]


def _page(
    association: Association, new_url: str | None = None, form: FeedForm | None = None
) -> tuple[str, int]:
    status = form.status if form is not None else 200
    form = form or FeedForm(formdata=None)
    form.group_id.choices = choices(
        [(0, _("My meetings")), *((g.id, g.name) for g in _readable_groups(association))]
    )
    return render_template(
        "meetings/calendar.html",
        association=association,
        feeds=calendar.feeds_of(current_user, association.id),
        form=form,
        action_form=ActionForm(),
        new_url=new_url,
    ), status


@bp.route("/calendar", methods=["GET", "POST"])
def calendar_feeds(slug: str) -> Response | tuple[str, int]:
    """The person's calendar subscriptions; a new address is shown once."""
    association = load_association(slug)
    form = FeedForm()
    groups = _readable_groups(association)
    form.group_id.choices = choices([(0, ""), *((g.id, g.name) for g in groups)])
    if form.validate_on_submit():
        group = next((g for g in groups if g.id == form.group_id.data), None)
        if form.group_id.data and group is None:
            abort(404)
        with atomic():
            _feed, token = calendar.create_feed(current_user, association.id, group)
        new_url = absolute_url("meetings.calendar_feed", slug=slug, token=token)
        return _page(association, new_url)
    return _page(association, form=form if form.is_submitted() else None)


@bp.route("/calendar/<int:feed_id>/revoke", methods=["POST"])
def revoke_calendar_feed(slug: str, feed_id: int) -> Response:
    """Revoke one of one's own feed addresses."""
    association = load_association(slug)
    feed = db.session.get(CalendarFeed, feed_id)
    require(
        feed is not None
        and feed.user_id == current_user.id
        and feed.association_id == association.id
    )
    assert feed is not None
    form = ActionForm()
    if form.validate_on_submit():
        try:
            with atomic():
                calendar.revoke_feed(current_user, feed)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The address was revoked and no longer works."), "success")
    return redirect(url_for(".calendar_feeds", slug=slug))


@bp.route("/calendar/<token>.ics")
@public
def calendar_feed(slug: str, token: str) -> Response:
    """The feed itself, for calendar programs: the secret address is the credential."""
    association = db.session.scalar(sa.select(Association).where(Association.slug == slug))
    feed = calendar.feed_for_token(association.id, token) if association else None
    if association is None or feed is None:
        abort(404)
    name = feed.group.name if feed.group else _("My meetings")
    events = [
        (
            m,
            ical.meeting_summary(m),
            absolute_url("meetings.show", slug=slug, meeting_id=m.id),
        )
        for m in calendar.feed_meetings(feed)
    ]
    response = current_app.make_response(ical.feed_ics(name, events))
    response.mimetype = "text/calendar"
    response.headers["Cache-Control"] = "private, max-age=900"
    return response
