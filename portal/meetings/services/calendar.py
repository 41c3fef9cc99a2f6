"""Calendar subscriptions: secret, revocable feed addresses for a group or a person.

The token is shown once, when the feed is made; only its SHA-256 is stored. A group
feed stops working when its owner may no longer read the group's meetings.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core import audit
from portal.core.errors import DomainError
from portal.core.permissions import load_principal
from portal.core.tokens import hash_token
from portal.db import utcnow
from portal.extensions import db
from portal.groups.models import Group
from portal.meetings.models import CalendarFeed, Invitee, Meeting


def create_feed(actor: User, association_id: int, group: Group | None) -> tuple[CalendarFeed, str]:
    """A new feed of the group's meetings, or of the person's own; returns it and its token."""
    if group is not None and group.association_id != association_id:
        raise DomainError(_("Choose a group of this association."), field="group_id")
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        association_id=association_id,
        user_id=actor.id,
        group_id=group.id if group else None,
        token_hash=hash_token(token),
    )
    db.session.add(feed)
    db.session.flush()
    audit.record(
        actor=actor,
        action="calendar_feed.create",
        obj=feed,
        association_id=association_id,
        summary=group.name if group else actor.name,
    )
    return feed, token


def revoke_feed(actor: User, feed: CalendarFeed) -> None:
    """Stop a feed address from working."""
    if feed.revoked_at is not None:
        raise DomainError(_("The address has already been revoked."))
    feed.revoked_at = utcnow()
    audit.record(
        actor=actor,
        action="calendar_feed.revoke",
        obj=feed,
        association_id=feed.association_id,
        summary=feed.group.name if feed.group else actor.name,
    )


def feeds_of(user: User, association_id: int) -> list[CalendarFeed]:
    """The person's active feeds in the association."""
    return list(
        db.session.scalars(
            sa.select(CalendarFeed)
            .where(
                CalendarFeed.user_id == user.id,
                CalendarFeed.association_id == association_id,
                CalendarFeed.revoked_at.is_(None),
            )
            .options(selectinload(CalendarFeed.group))
            .order_by(CalendarFeed.created_at)
        )
    )


def feed_for_token(association_id: int, token: str) -> CalendarFeed | None:
    """The active feed with this token in the association, if its owner may still use it."""
    feed = db.session.scalar(
        sa.select(CalendarFeed).where(
            CalendarFeed.token_hash == hash_token(token),
            CalendarFeed.association_id == association_id,
            CalendarFeed.revoked_at.is_(None),
        )
    )
    if feed is None or not feed.user.active:
        return None
    if feed.group_id is not None:
        principal = load_principal(feed.user)
        if feed.association_id not in principal.admin_of and feed.group_id not in principal.groups:
            return None
    return feed


def feed_meetings(feed: CalendarFeed) -> list[Meeting]:
    """The meetings a feed lists: the group's, or those the person is invited to."""
    query = sa.select(Meeting).options(
        selectinload(Meeting.group), selectinload(Meeting.agenda_items)
    )
    if feed.group_id is not None:
        query = query.where(Meeting.group_id == feed.group_id)
    else:
        query = query.join(Invitee, Invitee.meeting_id == Meeting.id).where(
            Invitee.user_id == feed.user_id, Meeting.association_id == feed.association_id
        )
    return list(db.session.scalars(query.order_by(Meeting.starts_at)))
