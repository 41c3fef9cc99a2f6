"""Respondents' personal links: made from the round's keys only as mail is sent,
never stored; scrubbed from delivered mail."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.core import mail
from portal.core.errors import DomainError
from portal.core.mail import MailStatus, OutboxMessage, queue_mail, render_mail
from portal.extensions import db
from portal.organisations.models import Association
from portal.surveys import crypto
from portal.surveys.models import (
    Invitation,
    RoundKey,
    SurveyRound,
)

LINK_RE = re.compile(r"/survey/[A-Za-z0-9_-]{43}")
LINK_MARKER = "[survey-link:{id}]"
LINK_MARKER_RE = re.compile(r"\[survey-link:(\d+)\]")


def round_keys(round_id: int) -> crypto.RoundKeys | None:
    """The round's unwrapped keys, or None once it has closed (they are deleted)."""
    key = db.session.get(RoundKey, round_id)
    if key is None:
        return None
    return crypto.unwrap_round_keys(current_app.config["SECRET_KEY"], round_id, key.wrapped)


def survey_link(invitation: Invitation, keys: crypto.RoundKeys | None = None) -> str:
    """The respondent's personal address, absolute, for e-mail (only while the round's
    keys exist: from its close on, no link can be made again)."""
    keys = keys or round_keys(invitation.round_id)
    if keys is None:
        raise DomainError(_("The round has closed."))
    token = crypto.link_token(keys.link_secret, invitation.token_salt)
    path = current_app.url_map.bind("localhost").build("surveys.respond_enter", {"token": token})
    return str(current_app.config["PORTAL_BASE_URL"]).rstrip("/") + path


def mail_link(
    survey_round: SurveyRound,
    invitation: Invitation,
    keys: crypto.RoundKeys,
    *,
    reminder: bool,
) -> None:
    """Queue the invitation (or a reminder) with a marker where the personal link goes."""
    membership = invitation.membership
    assert membership is not None  # unlinked only after the round, when nothing is sent
    user = membership.user
    link = LINK_MARKER.format(id=invitation.id)  # the link itself only as it is sent
    subject, body = render_mail(
        "surveys/reminder" if reminder else "surveys/invitation",
        user.locale,
        year=survey_round.year,
        group=invitation.group.name,
        closes=survey_round.closes_on,
        link=link,
        association=_association_name(survey_round),
    )
    queue_mail(
        recipient=user.email,
        subject=subject,
        body=body,
        association_id=survey_round.association_id,
    )


def render_links(body: str) -> str:
    """A mail body as it is sent: each link marker replaced by the invitation's link,
    made now from the round's keys; once the round has closed (its keys are gone),
    by a note that the survey has closed. The outbox never holds a usable link."""

    def link(match: re.Match[str]) -> str:
        invitation = db.session.get(Invitation, int(match[1]))
        keys = None if invitation is None else round_keys(invitation.round_id)
        if invitation is None or keys is None:
            return _("(the survey has closed)")
        return survey_link(invitation, keys)

    if "[survey-link:" not in body:
        return body
    return LINK_MARKER_RE.sub(link, body)


def _association_name(survey_round: SurveyRound) -> str:
    association = db.session.get(Association, survey_round.association_id)
    return association.name if association else ""


def scrub_delivered_links() -> int:
    """Remove personal survey links from the copies of mail that has been delivered.

    The outbox keeps what it sent; a link there would let a database reader answer in
    someone's name or read their draft. Survey mail is now queued with a marker in
    place of the link (``render_links``), so this only cleans mail queued before.
    """
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.status == MailStatus.SENT, OutboxMessage.body_text.contains("/survey/")
        )
    ).all()
    scrubbed = 0
    for message in messages:
        body = LINK_RE.sub("/survey/[…]", message.body_text)
        if body != message.body_text:
            message.body_text = body
            scrubbed += 1
    db.session.flush()
    return scrubbed


mail.BODY_RENDERERS.append(render_links)
