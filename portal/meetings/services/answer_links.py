"""The personal answer link in a notice: issued per seat, only its hash stored.

The outbox keeps a marker; the link is made from ``SECRET_KEY`` and the row's nonce as
the mail is sent, so neither the outbox nor the link table holds a usable link.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.core import mail
from portal.core.tokens import hash_token
from portal.core.urls import absolute_url
from portal.db import utcnow
from portal.extensions import db
from portal.meetings.models import AnswerLink, Invitee
from portal.organisations.models import Association

LINK_MARKER = "[meeting-answer:{id}]"
LINK_MARKER_RE = re.compile(r"\[meeting-answer:(\d+)\]")


def _token(link: AnswerLink) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, f"meeting-answer:{link.nonce}".encode(), hashlib.sha256)
    return digest.hexdigest()


def issue_link(invitee: Invitee) -> AnswerLink:
    """The seat's answer link: the one in force, else a new one."""
    link = db.session.scalar(
        sa.select(AnswerLink)
        .where(AnswerLink.invitee_id == invitee.id, AnswerLink.revoked_at.is_(None))
        .order_by(AnswerLink.id.desc())
        .limit(1)
    )
    if link is None:
        link = AnswerLink(invitee_id=invitee.id, nonce=secrets.token_hex(16))
        link.token_hash = hash_token(_token(link))
        db.session.add(link)
        db.session.flush()
    return link


def link_url(link: AnswerLink) -> str:
    """The address the person opens (made only as mail is sent or in tests)."""
    meeting = link.invitee.meeting
    association = db.session.get(Association, meeting.association_id)
    slug = association.slug if association else ""
    return absolute_url("meetings.answer_by_link", slug=slug, token=_token(link))


def render_links(body: str) -> str:
    """A mail body as sent: each marker replaced by its link, or a note once revoked."""

    def link(match: re.Match[str]) -> str:
        row = db.session.get(AnswerLink, int(match[1]))
        if row is None or row.revoked_at is not None:
            return _("(the link has been withdrawn; answer on the meeting page)")
        return link_url(row)

    if "[meeting-answer:" not in body:
        return body
    return LINK_MARKER_RE.sub(link, body)


mail.BODY_RENDERERS.append(render_links)


def find_link(token: str) -> AnswerLink | None:
    """The link a token opens, if it is in force and its meeting has not ended."""
    if not re.fullmatch(r"[0-9a-f]{64}", token):
        return None
    link = db.session.scalar(
        sa.select(AnswerLink).where(AnswerLink.token_hash == hash_token(token))
    )
    if link is None or link.revoked_at is not None:
        return None
    if link.invitee.meeting.ends_at <= utcnow():
        return None
    return link
