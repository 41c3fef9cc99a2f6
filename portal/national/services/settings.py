"""The national network's role on an account, and an association's choice of being
named in the compilation. Both audited."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.accounts.services.passwords import normalise_email
from portal.core import audit
from portal.core.concurrency import bump, check_version
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Association


def national_network_accounts() -> list[User]:
    """The accounts holding the national network role, by name."""
    return list(
        db.session.scalars(
            sa.select(User).where(User.is_national_network.is_(True)).order_by(User.name)
        )
    )


def appoint_national_network(actor: User | None, email: str) -> User:
    """Give the role to the existing account with this address.

    The account must exist already (a platform administrator creates accounts as for
    anyone else); the role adds the compilation and nothing else.
    """
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise DomainError(_("No account has this e-mail address."), field="email")
    if user.is_national_network:
        raise DomainError(_("This account already holds the role."), field="email")
    user.is_national_network = True
    audit.record(
        actor=actor,
        action="user.national_network",
        obj=user,
        association_id=None,
        summary=user.email,
        before={"is_national_network": False},
        after={"is_national_network": True},
    )
    return user


def withdraw_national_network(actor: User | None, user: User) -> None:
    """Take the role away (a repeated withdrawal changes and records nothing)."""
    if not user.is_national_network:
        return
    user.is_national_network = False
    audit.record(
        actor=actor,
        action="user.national_network_withdrawn",
        obj=user,
        association_id=None,
        summary=user.email,
        before={"is_national_network": True},
        after={"is_national_network": False},
    )


def set_named_nationally(
    actor: User, association: Association, named: bool, lock_version: int | None
) -> None:
    """Record whether the association is shown by name in the national compilation,
    unless someone saved the association since the form was opened."""
    check_version(association, lock_version)
    if association.named_nationally == named:
        return
    before = {"named_nationally": association.named_nationally}
    association.named_nationally = named
    bump(association)
    audit.record(
        actor=actor,
        action="association.national_naming",
        obj=association,
        association_id=association.id,
        summary=association.name,
        before=before,
        after={"named_nationally": named},
    )
