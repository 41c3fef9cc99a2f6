"""Server-side session records: sign-out that ends a session everywhere.

The session cookie (signed by Flask) holds the user id and a random session key. A
request is signed in only while the key's row exists, has been used within the idle
timeout and is younger than the absolute lifetime. Checking it is one statement, the
same one that loads the person; the last-seen time is written at most once a minute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from portal.accounts.models import User, UserSession
from portal.db import affected_rows, utcnow
from portal.extensions import db

# How stale the stored last-seen time may get before a request writes it again.
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Timeouts:
    """When a session ends by itself."""

    idle: dt.timedelta
    absolute: dt.timedelta


def key_hash(key: str) -> str:
    """The stored form of a session key."""
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User, user_agent: str) -> str:
    """A new session for ``user``; returns the key the cookie carries."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=key_hash(key),
            created_at=now,
            last_seen_at=now,
            user_agent=user_agent[:300],
        )
    )
    db.session.flush()
    return key


def load_signed_in(user_id: int, version: int, key: str, timeouts: Timeouts) -> User | None:
    """The active person whose session ``key`` is alive, in one statement, or None.

    A session past its idle or absolute limit is deleted on the way.
    """
    row = db.session.execute(
        sa.select(User, UserSession.id, UserSession.created_at, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == user_id,
            User.session_version == version,
            User.active.is_(True),
            UserSession.key_hash == key_hash(key),
        )
    ).first()
    if row is None:
        return None
    user: User
    user, session_id, created_at, last_seen_at = row
    now = utcnow()
    if now - last_seen_at > timeouts.idle or now - created_at > timeouts.absolute:
        db.session.execute(sa.delete(UserSession).where(UserSession.id == session_id))
        return None
    if now - last_seen_at > TOUCH_EVERY:
        db.session.execute(
            sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
        )
    return user


def end_session(key: str) -> None:
    """End the session with this key (sign-out)."""
    db.session.execute(sa.delete(UserSession).where(UserSession.key_hash == key_hash(key)))


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """End every session of ``user`` except the one with key ``keep``; how many ended."""
    query = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.key_hash != key_hash(keep))
    result = db.session.execute(query.execution_options(synchronize_session=False))
    return affected_rows(result)


def end_sessions_of(user_ids: Iterable[int]) -> None:
    """End every session of these people (their rights changed)."""
    ids = list(user_ids)
    if ids:
        db.session.execute(
            sa.delete(UserSession)
            .where(UserSession.user_id.in_(ids))
            .execution_options(synchronize_session=False)
        )


def end_sessions_by_id(session_ids: Iterable[int]) -> None:
    """End these sessions (the caller has checked whose they are)."""
    db.session.execute(
        sa.delete(UserSession)
        .where(UserSession.id.in_(list(session_ids)))
        .execution_options(synchronize_session=False)
    )


def sessions_of(user: User) -> list[UserSession]:
    """The person's sessions, most recently used first."""
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user.id)
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def session_of(user: User, session_id: int) -> UserSession | None:
    """One of the person's own sessions, or None (another person's is never found)."""
    return db.session.scalar(
        sa.select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )


def delete_expired(timeouts: Timeouts) -> int:
    """Remove sessions past either limit (housekeeping); how many went."""
    now = utcnow()
    result = db.session.execute(
        sa.delete(UserSession).where(
            sa.or_(
                UserSession.last_seen_at < now - timeouts.idle,
                UserSession.created_at < now - timeouts.absolute,
            )
        )
    )
    return affected_rows(result)
