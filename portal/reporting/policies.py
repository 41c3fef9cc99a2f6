"""Who may read the summaries. Refusals look like absence (404) in the views."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from portal.core import permissions
from portal.extensions import db
from portal.groups.models import Group

if TYPE_CHECKING:
    from portal.accounts.models import User


def leads_group_in(user: User, association_id: int) -> bool:
    """Whether the person is a current process leader of a group of the association."""
    if not user.is_authenticated:
        return False
    led = permissions.principal(user).led_groups
    if not led:
        return False
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Group)
            .where(Group.id.in_(led), Group.association_id == association_id)
        )
        or 0
    ) > 0


def can_read_board_summary(user: User, association_id: int) -> bool:
    """The board, the association's admins and its process leaders read the board summary."""
    return (
        permissions.is_association_admin(user, association_id)
        or permissions.is_board_member(user, association_id)
        or leads_group_in(user, association_id)
    )


def can_read_group_summary(user: User, group: Group) -> bool:
    """The group's current members (process leaders among them), admins and the board."""
    return permissions.can_view_group(user, group)


def can_write_analysis(user: User, association_id: int) -> bool:
    """The association's admins write the analysis texts and development areas."""
    return permissions.is_association_admin(user, association_id)
