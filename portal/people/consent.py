"""Register invitations and admin-requested address changes: both need the person.

Issue 19: adding a person by an address that already had an account told the admin so
(and the real name, and whether they had signed in), and put them in the register
without their consent; an admin could change the address of a person only their
association held, send a link there and sign in as them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.accounts.services import sessions
from portal.accounts.services.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    normalise_email,
)
from portal.core import audit
from portal.core.errors import DomainError
from portal.core.mail import queue_mail, render_mail
from portal.db import utcnow
from portal.extensions import db
from portal.organisations.models import Association, AssociationPerson
from portal.people.models import EmailChange, RegisterInvitation

LIFETIME = dt.timedelta(days=14)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _in_register(association: Association, email: str) -> bool:
    return (
        db.session.scalar(
            sa.select(User.id)
            .join(AssociationPerson, AssociationPerson.user_id == User.id)
            .where(AssociationPerson.association_id == association.id, User.email == email)
        )
        is not None
    )


def invite_to_register(
    actor: User, association: Association, name: str, email: str, link_for: Callable[[str], str]
) -> RegisterInvitation:
    """Invite ``email`` to the register; the same steps whether it has an account or not.

    Only this association's own register is consulted (a person already in it, or
    already invited, is an error the admin may see).
    """
    address = normalise_email(email)
    if _in_register(association, address):
        raise DomainError(
            _("A person with this e-mail address is already registered."), field="email"
        )
    now = utcnow()
    pending = db.session.scalar(
        sa.select(RegisterInvitation).where(
            RegisterInvitation.association_id == association.id,
            RegisterInvitation.email == address,
            RegisterInvitation.accepted_at.is_(None),
            RegisterInvitation.expires_at > now,
        )
    )
    if pending is not None:
        raise DomainError(_("This address has already been invited."), field="email")
    token = secrets.token_urlsafe(32)
    invitation = RegisterInvitation(
        association_id=association.id,
        email=address,
        name=name,
        invited_by_id=actor.id,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + LIFETIME,
    )
    db.session.add(invitation)
    subject, body = render_mail(
        "people/register_invitation",
        None,  # no account yet, so no language of their own: the portal's
        name=name,
        association=association.name,
        days=LIFETIME.days,
        link=link_for(token),
    )
    queue_mail(recipient=address, subject=subject, body=body, association_id=association.id)
    audit.record(
        actor=actor,
        action="person.invite",
        obj=invitation,
        association_id=association.id,
        summary=f"{name} <{address}>",
    )
    return invitation


def pending_invitations(association: Association) -> list[RegisterInvitation]:
    """Invitations not yet accepted nor expired, newest first."""
    return list(
        db.session.scalars(
            sa.select(RegisterInvitation)
            .where(
                RegisterInvitation.association_id == association.id,
                RegisterInvitation.accepted_at.is_(None),
                RegisterInvitation.expires_at > utcnow(),
            )
            .order_by(RegisterInvitation.created_at.desc())
        )
    )


def find_invitation(token: str) -> RegisterInvitation | None:
    """The open invitation behind ``token``."""
    row = db.session.scalar(
        sa.select(RegisterInvitation).where(RegisterInvitation.token_hash == _hash(token))
    )
    if row is None or row.accepted_at is not None or row.expires_at < utcnow():
        return None
    return row


def account_for(invitation: RegisterInvitation) -> User | None:
    """The account with the invited address (only the invited person gets to know)."""
    return db.session.scalar(sa.select(User).where(User.email == invitation.email))


def accept(invitation: RegisterInvitation, user: User) -> None:
    """Register ``user`` (signed in with the invited address) in the association."""
    if user.email != invitation.email:
        raise DomainError(_("The invitation was sent to another address."))
    invitation.accepted_at = utcnow()
    if db.session.get(AssociationPerson, (invitation.association_id, user.id)) is None:
        db.session.add(AssociationPerson(association_id=invitation.association_id, user_id=user.id))
    audit.record(
        actor=user,
        action="person.accept",
        obj=user,
        association_id=invitation.association_id,
        summary=user.name,
    )


def accept_as_new(invitation: RegisterInvitation, name: str, password: str) -> User:
    """Create the account of an invited address that had none, and register it."""
    if account_for(invitation) is not None:
        raise DomainError(_("Sign in to accept the invitation."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    user = User(email=invitation.email, name=name, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    accept(invitation, user)
    return user


def request_email_change(
    actor: User,
    association: Association,
    user: User,
    new_email: str,
    link_for: Callable[[str], str],
) -> EmailChange:
    """Ask for a new sign-in address of a person who has chosen a password.

    (Without a password there is nothing to take over; ``update_person`` changes it.)
    The change waits for the person (a link to the new address that works only when
    signed in as them) or for a second admin.
    """
    address = normalise_email(new_email)
    clash = db.session.scalar(sa.select(User.id).where(User.email == address))
    if clash is not None and clash != user.id:
        raise DomainError(_("Another person already uses this e-mail address."), field="email")
    db.session.execute(sa.delete(EmailChange).where(EmailChange.user_id == user.id))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    change = EmailChange(
        user_id=user.id,
        association_id=association.id,
        new_email=address,
        requested_by_id=actor.id,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + LIFETIME,
    )
    db.session.add(change)
    subject, body = render_mail(
        "people/email_change",
        user.locale,
        name=user.name,
        association=association.name,
        link=link_for(token),
    )
    queue_mail(recipient=address, subject=subject, body=body, association_id=association.id)
    audit.record(
        actor=actor,
        action="email.change_requested",
        obj=user,
        association_id=association.id,
        summary=user.name,
        before={"email": user.email},
        after={"email": address},
    )
    return change


def pending_change(user: User) -> EmailChange | None:
    """The open address change of ``user``."""
    return db.session.scalar(
        sa.select(EmailChange).where(
            EmailChange.user_id == user.id, EmailChange.expires_at > utcnow()
        )
    )


def find_change(token: str) -> EmailChange | None:
    """The open address change behind ``token``."""
    row = db.session.scalar(sa.select(EmailChange).where(EmailChange.token_hash == _hash(token)))
    return row if row is not None and row.expires_at > utcnow() else None


def confirm_change(change: EmailChange, confirmer: User) -> None:
    """Apply the change: by the person themselves, or by an admin other than the one
    who asked (the caller has checked that ``confirmer`` is an admin there)."""
    user = change.user
    if confirmer.id != user.id and confirmer.id == change.requested_by_id:
        raise DomainError(_("Another administrator or the person must confirm the change."))
    clash = db.session.scalar(
        sa.select(User.id).where(User.email == change.new_email, User.id != user.id)
    )
    if clash is not None:
        raise DomainError(_("Another person already uses this e-mail address."))
    before = user.email
    user.email = change.new_email
    if confirmer.id != user.id:  # the person's own browsers stay signed in when they confirm
        user.session_version += 1
        sessions.end_sessions(user)
    db.session.delete(change)
    audit.record(
        actor=confirmer,
        action="email.change_confirmed",
        obj=user,
        association_id=change.association_id,
        summary=user.name,
        before={"email": before},
        after={"email": user.email},
    )
