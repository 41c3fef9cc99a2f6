"""Creating, revoking and recognising API tokens.

The secret is made here, returned once and never stored: the database keeps its
SHA-256. A presented token is found by its hash with an indexed equality lookup, so
no secret is ever compared character by character in Python.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.api.models import ApiToken
from portal.core import audit
from portal.core.errors import DomainError
from portal.db import utcnow
from portal.extensions import db
from portal.organisations.models import Association

TOKEN_PREFIX = "svp_"  # noqa: S105 (a marker that tells tokens apart, not a secret)
# How many characters of the token (after "svp_") identify it on the admin page.
SHOWN_CHARACTERS = 8
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def hash_secret(secret: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(actor: User, association: Association, name: str) -> tuple[ApiToken, str]:
    """A new token for the association; returns it and its secret (shown once)."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        association_id=association.id,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[: len(TOKEN_PREFIX) + SHOWN_CHARACTERS],
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor=actor,
        action="api_token.create",
        obj=token,
        association_id=association.id,
        summary=f"{token.name} ({token.prefix}…)",
        after={"name": token.name},
    )
    return token, secret


def create_national_token(actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token of the national network (it reads the national compilation only);
    returns it and its secret (shown once)."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        association_id=None,
        national=True,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[: len(TOKEN_PREFIX) + SHOWN_CHARACTERS],
        created_by_id=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor=actor,
        action="api_token.create",
        obj=token,
        association_id=None,
        summary=f"{token.name} ({token.prefix}…)",
        after={"name": token.name},
    )
    return token, secret


def national_tokens() -> list[ApiToken]:
    """The national network's tokens, active ones first, newest first within each."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.national.is_(True))
            .options(selectinload(ApiToken.created_by), selectinload(ApiToken.revoked_by))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def revoke_token(actor: User, token: ApiToken) -> None:
    """Stop a token from working, for good."""
    if token.revoked_at is not None:
        raise DomainError(_("The token has already been revoked."))
    token.revoked_at = utcnow()
    token.revoked_by_id = actor.id
    db.session.flush()
    audit.record(
        actor=actor,
        action="api_token.revoke",
        obj=token,
        association_id=token.association_id,
        summary=f"{token.name} ({token.prefix}…)",
    )


def tokens_of(association: Association) -> list[ApiToken]:
    """The association's tokens, active ones first, newest first within each."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.association_id == association.id)
            .options(selectinload(ApiToken.created_by), selectinload(ApiToken.revoked_by))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def token_for_secret(secret: str) -> ApiToken | None:
    """The active token with this secret, else None (unknown and revoked look alike)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == hash_secret(secret), ApiToken.revoked_at.is_(None)
        )
    )


def note_use(token: ApiToken, now: dt.datetime | None = None) -> None:
    """Record that the token was used (at most once per ``LAST_USED_RESOLUTION``)."""
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
