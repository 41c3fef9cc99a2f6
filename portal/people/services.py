"""The association's register of people and their association-wide roles.

A person (``User``) may belong to several associations. An association admin can
change a person's name or e-mail only while the person belongs to no other
association and is not a platform admin: otherwise one tenant could take over an
account another tenant relies on (change the e-mail, then reset the password).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.services import sessions
from portal.accounts.services.passwords import normalise_email
from portal.core import audit
from portal.core.concurrency import bump, check_version
from portal.core.errors import DomainError
from portal.extensions import db
from portal.groups.models import Membership
from portal.organisations.models import (
    Association,
    AssociationPerson,
    AssociationRole,
    AssociationRoleName,
)

PERSON_FIELDS = ("name", "email", "active")


@dataclass(frozen=True)
class PersonData:
    """What the person form submits."""

    name: str
    email: str


def people_of(association: Association) -> list[User]:
    """Everyone in the association's register, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(AssociationPerson, AssociationPerson.user_id == User.id)
            .where(AssociationPerson.association_id == association.id)
            .options(selectinload(User.association_roles))
            .order_by(User.name)
        )
    )


def add_person(actor: User, association: Association, data: PersonData) -> tuple[User, bool]:
    """Register a person; returns (user, created). A known e-mail links the existing account."""
    email = normalise_email(data.email)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    created = user is None
    if user is None:
        user = User(email=email, name=data.name)
        db.session.add(user)
        db.session.flush()
    elif db.session.get(AssociationPerson, (association.id, user.id)) is not None:
        raise DomainError(
            _("A person with this e-mail address is already registered."), field="email"
        )
    db.session.add(AssociationPerson(association_id=association.id, user_id=user.id))
    db.session.flush()
    audit.record(
        actor=actor,
        action="person.add",
        obj=user,
        association_id=association.id,
        summary=user.name,
        after=audit.snapshot(user, PERSON_FIELDS),
    )
    return user, created


def is_shared(user: User, association: Association) -> bool:
    """Whether the account matters beyond this association."""
    others = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AssociationPerson)
        .where(
            AssociationPerson.user_id == user.id,
            AssociationPerson.association_id != association.id,
        )
    )
    return bool(others) or user.is_platform_admin


def update_person(
    actor: User, association: Association, user: User, data: PersonData, lock_version: int | None
) -> str | None:
    """Change name and e-mail of a person only this association holds, unless someone
    saved them since the form was opened.

    The e-mail of a person who has chosen a password is their sign-in: it is not changed
    here; the new address is returned for ``consent.request_email_change``.
    """
    check_version(user, lock_version)
    if is_shared(user, association):
        raise DomainError(
            _(
                "This person also belongs to another association; "
                "only the person can change these details."
            )
        )
    email = normalise_email(data.email)
    clash = db.session.scalar(sa.select(User).where(User.email == email, User.id != user.id))
    if clash is not None:
        raise DomainError(_("Another person already uses this e-mail address."), field="email")
    needs_consent = email != user.email and user.password_hash is not None
    before = audit.snapshot(user, PERSON_FIELDS)
    user.name = data.name
    if not needs_consent:
        user.email = email
    bump(user)
    after = audit.snapshot(user, PERSON_FIELDS)
    if audit.changed(before, after):
        audit.record(
            actor=actor,
            action="person.update",
            obj=user,
            association_id=association.id,
            summary=user.name,
            before=before,
            after=after,
        )
    return email if needs_consent else None


def remove_person(actor: User, association: Association, user: User) -> None:
    """Take a person out of the register: only without memberships here, never the last admin."""
    seats = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Membership)
        .join(Membership.group)
        .where(Membership.user_id == user.id, Membership.group.has(association_id=association.id))
    )
    if seats:
        raise DomainError(_("The person has memberships, now or earlier; end them instead."))
    if AssociationRoleName.ADMIN in roles_of(user, association) and _admin_count(association) == 1:
        raise DomainError(_("The association must keep at least one administrator."))
    db.session.execute(
        sa.delete(AssociationRole).where(
            AssociationRole.user_id == user.id, AssociationRole.association_id == association.id
        )
    )
    link = db.session.get(AssociationPerson, (association.id, user.id))
    if link is not None:
        db.session.delete(link)
    sessions.end_sessions_of([user.id])
    audit.record(
        actor=actor,
        action="person.remove",
        obj=user,
        association_id=association.id,
        summary=user.name,
        before=audit.snapshot(user, PERSON_FIELDS),
    )
    db.session.flush()


def roles_of(user: User, association: Association) -> set[AssociationRoleName]:
    """The person's association-wide roles here."""
    return set(
        db.session.scalars(
            sa.select(AssociationRole.role).where(
                AssociationRole.user_id == user.id, AssociationRole.association_id == association.id
            )
        )
    )


def first_admin(association: Association) -> User | None:
    """The association's longest-serving administrator (the demo acts as this person)."""
    return db.session.scalar(
        sa.select(User)
        .join(AssociationRole, AssociationRole.user_id == User.id)
        .where(
            AssociationRole.association_id == association.id,
            AssociationRole.role == AssociationRoleName.ADMIN,
        )
        .order_by(User.id)
        .limit(1)
    )


def _admin_count(association: Association) -> int:
    """How many administrators the association has."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AssociationRole)
            .where(
                AssociationRole.association_id == association.id,
                AssociationRole.role == AssociationRoleName.ADMIN,
            )
        )
        or 0
    )


def set_roles(
    actor: User,
    association: Association,
    user: User,
    roles: set[AssociationRoleName],
    lock_version: int | None,
) -> None:
    """Give the person exactly these roles, unless someone changed them since the form
    was opened; the last admin cannot be removed."""
    link = db.session.get(AssociationPerson, (association.id, user.id))
    if link is None:
        raise DomainError(_("Choose a person of this association."))
    check_version(link, lock_version)
    before = roles_of(user, association)
    dropping_admin = AssociationRoleName.ADMIN in before - roles
    if dropping_admin and _admin_count(association) == 1:
        raise DomainError(_("The association must keep at least one administrator."), field="roles")
    for role in roles - before:
        db.session.add(AssociationRole(association_id=association.id, user_id=user.id, role=role))
    for role in before - roles:
        db.session.execute(
            sa.delete(AssociationRole).where(
                AssociationRole.association_id == association.id,
                AssociationRole.user_id == user.id,
                AssociationRole.role == role,
            )
        )
    if before - roles:
        sessions.end_sessions_of([user.id])  # a removed role ends the person's sessions
    if before != roles:
        bump(link)
        db.session.flush()
        audit.record(
            actor=actor,
            action="roles.set",
            obj=user,
            association_id=association.id,
            summary=user.name,
            before={"roles": sorted(r.value for r in before)},
            after={"roles": sorted(r.value for r in roles)},
        )


def memberships_of(user: User, association: Association) -> list[Membership]:
    """The person's memberships in this association's groups, newest first."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(
                Membership.user_id == user.id, Membership.group.has(association_id=association.id)
            )
            .options(selectinload(Membership.group), selectinload(Membership.agency))
            .order_by(Membership.valid_from.desc())
        )
    )


def load_person(association: Association, user_id: int) -> User | None:
    """A person of this association's register, or None."""
    return db.session.scalar(
        sa.select(User)
        .join(AssociationPerson, AssociationPerson.user_id == User.id)
        .where(AssociationPerson.association_id == association.id, User.id == user_id)
    )


def user_in_register(actor: User, association: Association, data: PersonData) -> User:
    """The registered person with this e-mail, registering them first if needed."""
    existing = db.session.scalar(
        sa.select(User)
        .join(AssociationPerson, AssociationPerson.user_id == User.id)
        .where(
            AssociationPerson.association_id == association.id,
            User.email == normalise_email(data.email),
        )
    )
    if existing is not None:
        return existing
    user, _created = add_person(actor, association, data)
    return user


def register_row(association: Association, user: User) -> AssociationPerson:
    """The person's row of the association's register (it carries their roles' version)."""
    row = db.session.get(AssociationPerson, (association.id, user.id))
    assert row is not None, "load_person found the person in the register"
    return row
