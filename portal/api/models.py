"""API tokens: a secret an association's admin hands to a BI tool."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.audit import AuditWords
from portal.db import utcnow
from portal.extensions import Model

TOKEN_NAME_MAX = 100


class ApiToken(Model):
    """A bearer token for one association's API data, or for the national compilation.

    Only the SHA-256 of the secret is stored (``token_hash``); ``prefix`` is the first
    characters of the secret, kept so that admins can tell tokens apart. Revoking sets
    ``revoked_at``; rows are kept so the audit log and the list say who revoked what.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    # An association's token, or the national network's (no association: issue 22).
    association_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    national: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    name: Mapped[str] = mapped_column(sa.String(TOKEN_NAME_MAX))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        sa.CheckConstraint(
            "(national AND association_id IS NULL)"
            " OR (NOT national AND association_id IS NOT NULL)",
            name="one_scope",
        ),
    )

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}>"


AUDIT_WORDS = AuditWords(
    actions={
        "api_token.create": _l("API token created"),
        "api_token.revoke": _l("API token revoked"),
    },
)
