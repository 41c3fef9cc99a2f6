"""Account commands, kept apart from Click so tests can call them."""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from portal.accounts.models import User
from portal.accounts.services.passwords import MIN_PASSWORD_LENGTH, hash_password, normalise_email
from portal.core import audit
from portal.core.errors import DomainError
from portal.extensions import db

EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 200


def create_platform_admin(*, email: str, name: str, password: str) -> User:
    """Create a platform administrator, or promote an existing account and set its password.

    An existing account is also reactivated and signed out everywhere: the operator
    runs this to give someone working access, with the password just chosen.
    """
    address = _valid_address(email)
    name = name.strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise DomainError(f"name must be 1 to {NAME_MAX_LENGTH} characters")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    user = db.session.scalar(sa.select(User).where(User.email == address))
    if user is None:
        user = User(email=address, name=name)
        db.session.add(user)
    else:
        user.active = True
        user.session_version += 1
    user.is_platform_admin = True
    user.password_hash = hash_password(password)
    db.session.flush()
    audit.record(
        actor=None, action="user.platform_admin", obj=user, association_id=None, summary=user.email
    )
    return user


def _valid_address(email: str) -> str:
    """The normalised address, or a DomainError saying why it is not one."""
    address = normalise_email(email)
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise DomainError(f"not a valid e-mail address: {error}") from error
    if len(address) > EMAIL_MAX_LENGTH:
        raise DomainError(f"e-mail address must be at most {EMAIL_MAX_LENGTH} characters")
    return address
