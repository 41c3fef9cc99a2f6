"""The surveys domain's part of the start page (``core.signals.needs_me``).

A person's own unanswered invitations are named, never linked: the survey's link lives
only in the person's mail (docs/survey-anonymity.md), so the page says where to find it
and offers to send it again, to the same address.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.core.errors import DomainError
from portal.core.permissions import Principal
from portal.core.signals import Need
from portal.db import utcnow
from portal.extensions import db
from portal.groups.models import Membership
from portal.organisations.models import Association
from portal.surveys import services
from portal.surveys.models import Invitation, RoundStatus, SurveyRound

# A person may have their link sent again this often.
RESEND_INTERVAL = dt.timedelta(minutes=10)
# Admins are told about an open round this many days before it closes.
CLOSING_SOON_DAYS = 14


def survey_needs(user: Any, *, principal: Principal, today: dt.date) -> list[Need]:
    """Surveys the person has not answered; for admins, open rounds closing soon."""
    invitations = db.session.scalars(
        sa.select(Invitation)
        .outerjoin(Membership, Membership.id == Invitation.membership_id)
        .join(SurveyRound, SurveyRound.id == Invitation.round_id)
        .where(
            _is_theirs(user),
            Invitation.answered.is_(False),
            SurveyRound.status == RoundStatus.OPEN,
            SurveyRound.closes_on >= today,
        )
        .options(joinedload(Invitation.survey_round), joinedload(Invitation.group))
        .options(joinedload(Invitation.survey_round).joinedload(SurveyRound.association))
    ).all()
    items = [
        Need(
            kind="survey_to_answer",
            title=_(
                "The %(year)d survey for %(group)s",
                year=i.survey_round.year,
                group=i.group.name if i.group else i.survey_round.association.name,
            ),
            url=None,
            due=i.survey_round.closes_on,
            detail=_(
                "Answer from the personal link in the e-mail you got; it is not shown here,"
                " so that your answers stay anonymous. Open until %(day)s.",
                day=format_date(i.survey_round.closes_on, "long"),
            ),
            action=url_for("surveys.resend_link", invitation_id=i.id),
        )
        for i in invitations
    ]
    return items + _rounds_closing(principal, today)


def _rounds_closing(principal: Principal, today: dt.date) -> list[Need]:
    if not principal.admin_of:
        return []
    rows = db.session.execute(
        sa.select(SurveyRound, Association.slug)
        .join(Association, Association.id == SurveyRound.association_id)
        .where(
            SurveyRound.association_id.in_(principal.admin_of),
            SurveyRound.status == RoundStatus.OPEN,
            SurveyRound.closes_on <= today + dt.timedelta(days=CLOSING_SOON_DAYS),
        )
        .order_by(SurveyRound.closes_on)
    ).all()
    return [
        Need(
            kind="admin_task",
            title=_("The survey round %(year)d closes on %(day)s", year=r.year, day=_day(r)),
            url=url_for("surveys.show", slug=slug, round_id=r.id),
            due=r.closes_on,
            detail=_("Remind those who have not answered, then close the round."),
        )
        for r, slug in rows
    ]


def resend_link(user: Any, invitation_id: int) -> Invitation | None:
    """Mail the person's own survey link again, to their own address; None when the
    invitation is not theirs. Refused while the round takes no answers, once answered,
    and within ``RESEND_INTERVAL`` of the last mail."""
    invitation = db.session.scalar(
        sa.select(Invitation)
        .outerjoin(Membership, Membership.id == Invitation.membership_id)
        .where(Invitation.id == invitation_id, _is_theirs(user))
    )
    if invitation is None:
        return None
    survey_round = invitation.survey_round
    if invitation.answered or not services.accepts_answers(survey_round):
        raise DomainError(_("The survey no longer takes answers from this link."))
    last = invitation.reminded_at or invitation.invited_at
    if last > utcnow() - RESEND_INTERVAL:
        raise DomainError(
            _("The link was sent a few minutes ago: look in your inbox and your spam folder.")
        )
    keys = services.round_keys(survey_round.id)
    assert keys is not None  # an open round has its keys
    services.mail_link(survey_round, invitation, keys, reminder=True)
    invitation.reminded_at = utcnow()
    invitation.reminders += 1
    db.session.flush()
    return invitation


def _is_theirs(user: Any) -> sa.ColumnElement[bool]:
    """The invitation is the person's: through a membership, or as a board member."""
    return sa.or_(Membership.user_id == user.id, Invitation.user_id == user.id)


def _day(survey_round: SurveyRound) -> str:
    return format_date(survey_round.closes_on, "long")


__all__ = ["survey_needs"]
