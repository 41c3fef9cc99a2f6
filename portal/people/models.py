"""Changes to the register that wait for someone's consent.

An association admin cannot see whether an address already has an account elsewhere,
nor take over an account by changing its address: adding a person is an invitation
the person accepts, and a new sign-in address for a person who has signed in needs
that person's confirmation or a second admin.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.audit import AuditWords
from portal.extensions import Model
from portal.organisations.models import ASSOCIATION_ROLE_LABELS, Association


class RegisterInvitation(Model):
    """An invitation to join an association's register, sent to an address.

    Nothing about an existing account is looked up when it is made; the person is
    registered when they accept (signed in as the address, or choosing a password).
    """

    __tablename__ = "register_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200))
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]

    association: Mapped[Association] = relationship()


class EmailChange(Model):
    """A new sign-in address an admin asked for, waiting for the person or a second admin."""

    __tablename__ = "email_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE")
    )
    new_email: Mapped[str] = mapped_column(sa.String(254))
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship(foreign_keys=[user_id])


AUDIT_WORDS = AuditWords(
    actions={
        "person.add": _l("Person registered"),
        "person.update": _l("Person changed"),
        "person.remove": _l("Person removed from the register"),
        "person.invite": _l("Invited to the register"),
        "person.accept": _l("Accepted the invitation to the register"),
        "email.change_requested": _l("New sign-in address requested"),
        "email.change_confirmed": _l("New sign-in address confirmed"),
        "roles.set": _l("Roles changed"),
    },
    fields={"roles": _l("Roles in the association")},
    values={("roles", "roles"): ASSOCIATION_ROLE_LABELS},
)
