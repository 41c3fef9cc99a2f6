"""Who may do what with goal areas, templates and plans. Refusals are 404s in the views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.core import permissions

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.groups.models import Group
    from portal.plans.models import Activity


def can_manage_templates(user: User, association_id: int) -> bool:
    """Association admins keep the goal areas and write the plan template."""
    return permissions.is_association_admin(user, association_id)


def can_read_templates(user: User, association_id: int) -> bool:
    """Admins and the board read templates; process leaders see them through their plans."""
    return permissions.is_association_admin(user, association_id) or permissions.is_board_member(
        user, association_id
    )


def can_read_plan(user: User, group: Group) -> bool:
    """Admins, the board and the group's current members read the group's plans."""
    return permissions.can_view_group(user, group)


def can_edit_plan(user: User, group: Group) -> bool:
    """Process leaders of the group and the association's admins edit its plans."""
    return permissions.can_lead_group(user, group)


def can_see_people(user: User, group: Group) -> bool:
    """Names of responsible people: not for the board, which sees no personal data."""
    return permissions.can_view_group_people(user, group)


def can_update_progress(user: User, group: Group, activity: Activity) -> bool:
    """Status and outcome: the plan's editors, and a current member responsible for it."""
    if can_edit_plan(user, group):
        return True
    return (
        user.is_authenticated
        and activity.responsible_id == user.id
        and group.id in permissions.principal(user).groups
    )
