"""Who may do what. Small predicates reused by views, templates and (later) the API.

A principal — the current person's roles and group seats — is loaded once per
request and cached on ``flask.g``; policies are then plain set look-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import g, has_request_context

from portal.core import clock
from portal.extensions import db
from portal.groups.models import Group, Membership, MembershipRole
from portal.organisations.models import AssociationPerson, AssociationRole, AssociationRoleName

if TYPE_CHECKING:
    from portal.accounts.models import User


@dataclass(frozen=True)
class Principal:
    """What a signed-in person holds, as ids."""

    user_id: int
    platform_admin: bool
    admin_of: frozenset[int]
    board_of: frozenset[int]
    registered_in: frozenset[int]
    groups: frozenset[int]
    led_groups: frozenset[int]


def load_principal(user: User) -> Principal:
    """Read the person's roles, registrations and current group seats in one query.

    Three kinds of row, told apart by ``kind``: an association role, a registration in
    an association, and a current group seat with its role.
    """
    # The same "today" (Stockholm) as the group pages, or a seat would open or close
    # at UTC midnight for permissions but at Stockholm midnight on the page.
    today = clock.today()
    text = sa.String(32)
    rows = db.session.execute(
        sa.union_all(
            sa.select(
                sa.literal("role", text).label("kind"),
                AssociationRole.association_id.label("ref"),
                sa.cast(AssociationRole.role, text).label("role"),
            ).where(AssociationRole.user_id == user.id),
            sa.select(
                sa.literal("registered", text),
                AssociationPerson.association_id,
                sa.literal("", text),
            ).where(AssociationPerson.user_id == user.id),
            sa.select(
                sa.literal("seat", text),
                Membership.group_id,
                sa.cast(Membership.role, text),
            ).where(
                Membership.user_id == user.id,
                Membership.valid_from <= today,
                sa.or_(Membership.valid_to.is_(None), Membership.valid_to >= today),
            ),
        )
    ).all()
    roles = [(ref, role) for kind, ref, role in rows if kind == "role"]
    seats = [(ref, role) for kind, ref, role in rows if kind == "seat"]
    return Principal(
        user_id=user.id,
        platform_admin=user.is_platform_admin,
        admin_of=frozenset(a for a, r in roles if r == AssociationRoleName.ADMIN.value),
        board_of=frozenset(a for a, r in roles if r == AssociationRoleName.BOARD.value),
        registered_in=frozenset(ref for kind, ref, _ in rows if kind == "registered"),
        groups=frozenset(gid for gid, _ in seats),
        led_groups=frozenset(gid for gid, r in seats if r == MembershipRole.PROCESS_LEADER.value),
    )


def principal(user: User) -> Principal:
    """The cached principal of ``user`` for this request."""
    if not has_request_context():
        return load_principal(user)
    cache: dict[int, Principal] = g.setdefault("principals", {})
    if user.id not in cache:
        cache[user.id] = load_principal(user)
    return cache[user.id]


def is_platform_admin(user: User) -> bool:
    """Operators of the installation: create and edit associations."""
    return user.is_authenticated and user.is_platform_admin


def is_association_admin(user: User, association_id: int) -> bool:
    """Association staff who manage agencies, groups, people and roles."""
    return user.is_authenticated and association_id in principal(user).admin_of


def is_board_member(user: User, association_id: int) -> bool:
    """Board members read summaries; they see no personal data."""
    return user.is_authenticated and association_id in principal(user).board_of


def can_read_association(user: User, association_id: int) -> bool:
    """Anyone registered in the association, or holding a role in it."""
    if not user.is_authenticated:
        return False
    p = principal(user)
    return association_id in p.registered_in | p.admin_of | p.board_of


def can_view_group(user: User, group: Group) -> bool:
    """Admins, the board and the group's current members see the group."""
    if not user.is_authenticated:
        return False
    p = principal(user)
    return (
        group.association_id in p.admin_of
        or group.association_id in p.board_of
        or group.id in p.groups
    )


def can_view_group_people(user: User, group: Group) -> bool:
    """Names of members are shown to admins and the group's own members, not the board."""
    if not user.is_authenticated:
        return False
    p = principal(user)
    return group.association_id in p.admin_of or group.id in p.groups


def can_lead_group(user: User, group: Group) -> bool:
    """Process leaders of the group and association admins run the group's work."""
    if not user.is_authenticated:
        return False
    p = principal(user)
    return group.association_id in p.admin_of or group.id in p.led_groups
