"""Who may do what with meetings. Refusals look like absence (404) in the views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.core import permissions

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.groups.models import Group
    from portal.meetings.models import Minutes


def can_manage_meetings(user: User, group: Group) -> bool:
    """Process leaders of the group and association admins schedule and run meetings."""
    return permissions.can_lead_group(user, group)


def can_read_meetings(user: User, group: Group) -> bool:
    """Admins and the group's current members read meetings, attendance and minutes."""
    return permissions.can_view_group_people(user, group)


def can_approve_minutes(user: User, minutes: Minutes) -> bool:
    """Only the appointed adjuster (justerare) approves or returns the minutes."""
    return user.is_authenticated and minutes.adjuster_id == user.id


def can_read_group_statistics(user: User, group: Group) -> bool:
    """Admins, the board and the group's members see the group's figures."""
    return permissions.can_view_group(user, group)


def can_read_person_statistics(user: User, group: Group) -> bool:
    """Attendance per person names people: admins and the group's members only."""
    return permissions.can_view_group_people(user, group)


def can_read_association_statistics(user: User, association_id: int) -> bool:
    """Admins and the board see every group's figures on one page."""
    return permissions.is_association_admin(user, association_id) or permissions.is_board_member(
        user, association_id
    )
