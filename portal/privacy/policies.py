"""Who may do what with statements, extracts, erasure and retention. Refusals are 404s."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.core import permissions

if TYPE_CHECKING:
    from portal.accounts.models import User


def can_edit_statements(user: User) -> bool:
    """The platform admin writes the accessibility statement and every privacy notice."""
    return permissions.is_platform_admin(user)


def can_handle_personal_data(user: User) -> bool:
    """Extracts for anyone, erasure and retention rules are the platform admin's: a person
    may belong to several associations, and only the platform sees them all."""
    return permissions.is_platform_admin(user)


def can_read_own_extract(user: User) -> bool:
    """Everyone signed in reads their own extract."""
    return bool(getattr(user, "is_authenticated", False))
