"""Account commands, kept apart from Click so tests can call them."""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.services import MIN_PASSWORD_LENGTH, hash_password, normalise_email
from portal.core import audit
from portal.core.errors import DomainError
from portal.extensions import db


def create_platform_admin(*, email: str, name: str, password: str) -> User:
    """Create a platform administrator, or promote an existing account and set its password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    address = normalise_email(email)
    user = db.session.scalar(sa.select(User).where(User.email == address))
    if user is None:
        user = User(email=address, name=name)
        db.session.add(user)
    user.is_platform_admin = True
    user.password_hash = hash_password(password)
    db.session.flush()
    audit.record(
        actor=None, action="user.platform_admin", obj=user, association_id=None, summary=user.email
    )
    return user
