"""Who has switched which reminder off. Every kind is on until the person says otherwise."""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import User
from portal.core import audit
from portal.extensions import db
from portal.notifications.models import Kind, NotificationOptOut


def switched_off(user_ids: list[int] | None = None) -> set[tuple[int, Kind]]:
    """(user id, kind) for every reminder switched off, for the given people or all."""
    stmt = sa.select(NotificationOptOut.user_id, NotificationOptOut.kind)
    if user_ids is not None:
        stmt = stmt.where(NotificationOptOut.user_id.in_(user_ids))
    return {(row.user_id, row.kind) for row in db.session.execute(stmt)}


def enabled_kinds(user: User) -> set[Kind]:
    """The kinds the person gets."""
    off = {kind for _user, kind in switched_off([user.id])}
    return set(Kind) - off


def save(user: User, enabled: set[Kind]) -> bool:
    """Switch the person's reminders on and off; returns whether anything changed."""
    before = enabled_kinds(user)
    if before == enabled:
        return False
    db.session.execute(sa.delete(NotificationOptOut).where(NotificationOptOut.user_id == user.id))
    for kind in sorted(set(Kind) - enabled):
        db.session.add(NotificationOptOut(user_id=user.id, kind=kind))
    db.session.flush()
    audit.record(
        actor=user,
        action="notifications.settings",
        obj=user,
        association_id=None,
        summary=user.email,
        before={"on": sorted(before)},
        after={"on": sorted(enabled)},
    )
    return True
