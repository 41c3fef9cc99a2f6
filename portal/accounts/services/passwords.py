"""Passwords, sign-in and the e-mailed links that set a password."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext as _

from portal.accounts.models import LoginToken, PasswordResetRequest, TokenPurpose, User
from portal.accounts.services import sessions
from portal.core import audit
from portal.core.errors import DomainError
from portal.core.mail import queue_mail, render_mail
from portal.db import affected_rows, utcnow
from portal.extensions import db

_hasher = PasswordHasher()
# Verifying against this keeps the time of a failed sign-in the same for unknown e-mails.
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD_LENGTH = 12


def normalise_email(email: str) -> str:
    """E-mail addresses are compared and stored in lower case without spaces."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def user_by_email(email: str) -> User | None:
    """The user with this address, if any."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user whose password matches, else None (same work either way)."""
    user = user_by_email(email)
    if user is None or user.password_hash is None or not user.active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _retire_tokens(user: User, now: dt.datetime) -> None:
    """Mark every unused token of ``user`` as used: only the newest link may work."""
    db.session.execute(
        sa.update(LoginToken)
        .where(LoginToken.user_id == user.id, LoginToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )


def issue_token(user: User, purpose: TokenPurpose, lifetime_hours: int) -> str:
    """A new single-use token for ``user``; earlier unused ones (of any purpose) die.

    An invitation followed by a reset must not leave two links that both set the password.
    """
    now = utcnow()
    _retire_tokens(user, now)
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + dt.timedelta(hours=lifetime_hours),
        )
    )
    return token


def find_valid_token(token: str) -> LoginToken | None:
    """The unused, unexpired token row for ``token``."""
    row = db.session.scalar(
        sa.select(LoginToken).where(LoginToken.token_hash == _token_hash(token))
    )
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    if not row.user.active:
        return None
    return row


def set_password_with_token(token: str, password: str) -> User:
    """Use a token once to set the password; ends every other session of the person."""
    row = find_valid_token(token)
    if row is None:
        raise DomainError(_("The link has expired or has already been used."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    now = utcnow()
    # A conditional UPDATE, not a read-then-write: of two requests racing with the same
    # link only one changes the row (PostgreSQL re-checks the WHERE after the lock).
    claimed = db.session.execute(
        sa.update(LoginToken)
        .where(LoginToken.id == row.id, LoginToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if affected_rows(claimed) != 1:
        raise DomainError(_("The link has expired or has already been used."))
    user = row.user
    _retire_tokens(user, now)  # other links sent earlier must not reset it again
    user.password_hash = hash_password(password)
    user.session_version += 1
    sessions.end_sessions(user)  # a new password ends every session, copied or not
    audit.record(
        actor=user,
        action="password.set",
        obj=user,
        association_id=None,
        summary=_("from an invitation link")
        if row.purpose is TokenPurpose.INVITE
        else _("from a password reset link"),
    )
    return user


def send_password_link(
    user: User,
    purpose: TokenPurpose,
    *,
    link_for: Callable[[str], str],
    lifetime_hours: int,
    association_id: int | None = None,
) -> None:
    """Queue the invitation or reset e-mail with a fresh single-use link.

    ``link_for`` turns a token into the absolute URL (the view knows the routes).
    """
    token = issue_token(user, purpose, lifetime_hours)
    link = link_for(token)
    subject, body = render_mail(
        "accounts/invitation" if purpose is TokenPurpose.INVITE else "accounts/password_reset",
        user.locale,
        name=user.name,
        link=link,
        hours=lifetime_hours,
    )
    queue_mail(recipient=user.email, subject=subject, body=body, association_id=association_id)


def request_reset(email: str) -> None:
    """Note that someone asked for a reset link to ``email``; the same work for every
    address, known or not (``send_requested_resets`` looks it up later)."""
    db.session.add(PasswordResetRequest(email=normalise_email(email)[:254], created_at=utcnow()))


def send_requested_resets(
    *, link_for: Callable[[str], str], lifetime_hours: int, batch: int = 500
) -> int:
    """Turn waiting reset requests into mails for the active accounts among them.

    Each request is deleted once handled; several senders at once each take other
    rows (``SKIP LOCKED`` on PostgreSQL). Returns how many links were queued.
    """
    rows = list(
        db.session.scalars(
            sa.select(PasswordResetRequest)
            .order_by(PasswordResetRequest.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    queued = 0
    for row in rows:
        user = user_by_email(row.email)
        if user is not None and user.active:
            send_password_link(
                user, TokenPurpose.RESET, link_for=link_for, lifetime_hours=lifetime_hours
            )
            queued += 1
        db.session.delete(row)
    db.session.flush()
    return queued
