"""People who sign in, and the single-use tokens that let them set a password."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import AuditWords
from portal.db import TimestampMixin, VersionedMixin, enum_column
from portal.extensions import Model

if TYPE_CHECKING:
    from portal.organisations.models import AssociationRole


class User(UserMixin, VersionedMixin, TimestampMixin, Model):
    """A person known to the portal. Has no password until they accept an invitation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    # The national network's compilation of every association's survey figures, and
    # nothing of any association's own pages (appointed by a platform administrator).
    is_national_network: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    # Changes when the password changes, so old sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    # Two-factor sign-in: the TOTP secret, encrypted with a key derived from SECRET_KEY,
    # and the last time step used (a code is accepted once).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    totp_last_step: Mapped[int | None]

    association_roles: Mapped[list[AssociationRole]] = relationship(back_populates="user")

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class TokenPurpose(enum.StrEnum):
    """Why a sign-in token was issued."""

    INVITE = "invite"
    RESET = "reset"


class LoginToken(Model):
    """A single-use, expiring token sent by e-mail; only its SHA-256 hash is stored."""

    __tablename__ = "login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class UserSession(Model):
    """One signed-in browser. The cookie carries a random key; only its SHA-256 is stored.

    Deleting the row ends the session wherever the cookie was copied to: the loader
    finds no row for the key and the request is anonymous.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")

    user: Mapped[User] = relationship()


class PasswordResetRequest(Model):
    """An address someone asked a reset link for, waiting for ``mail send``.

    The form only writes this row, whether or not the address has an account, so the
    answer takes the same time either way; the sender looks the address up later.
    """

    __tablename__ = "password_reset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[dt.datetime]


class RecoveryCode(Model):
    """A single-use code for signing in without the authenticator; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[dt.datetime | None]


class OidcProvider(Model):
    """An association's OpenID Connect identity provider (a municipality's, an agency's,
    or a broker for e-legitimation). The client secret is stored encrypted with a key
    derived from SECRET_KEY; ``required`` refuses password sign-in to people who belong
    only to associations that require their provider."""

    __tablename__ = "oidc_providers"

    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), primary_key=True
    )
    issuer: Mapped[str] = mapped_column(sa.String(300))
    client_id: Mapped[str] = mapped_column(sa.String(300))
    client_secret: Mapped[str] = mapped_column(sa.String(1000))
    button_label: Mapped[str] = mapped_column(sa.String(100))
    required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


AUDIT_WORDS = AuditWords(
    actions={
        "password.set": _l("Password chosen"),
        "user.platform_admin": _l("Platform administrator appointed"),
        "two_factor.enable": _l("Two-factor sign-in turned on"),
        "two_factor.disable": _l("Two-factor sign-in turned off"),
        "two_factor.reset": _l("Two-factor sign-in reset by an administrator"),
        "oidc.configure": _l("Sign-in through an identity provider configured"),
    },
    fields={
        "require_two_factor": _l("Administrators and board members must use two-factor sign-in"),
        "oidc_issuer": _l("Issuer"),
        "oidc_client_id": _l("Client id"),
        "oidc_client_secret": _l("Client secret"),
        "oidc_button_label": _l("Button text"),
        "oidc_required": _l("Our people must sign in through the identity provider"),
    },
)
