"""Who may read the national compilation and change what it shows. Refusals are 404s."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.core import permissions

if TYPE_CHECKING:
    from portal.accounts.models import User


def can_read_compilation(user: User) -> bool:
    """The national network, and the platform administrator who runs the installation.

    The compilation holds only pooled figures and per-association figures that pass
    each association's own *k*: nothing of any association's people, plans or minutes.
    """
    if not user.is_authenticated:
        return False
    return bool(user.is_national_network) or permissions.is_platform_admin(user)


def can_appoint_national_network(user: User) -> bool:
    """The platform administrator appoints the national network's accounts."""
    return permissions.is_platform_admin(user)


def can_choose_naming(user: User, association_id: int) -> bool:
    """The association's administrator decides whether it is named nationally."""
    return permissions.is_association_admin(user, association_id)
