"""The principal of a person: association roles, registrations and current group seats.

Core's policies read only the ``Principal``; this module knows the rows it is made
of, so ``create_app`` registers :func:`load_principal` with ``core.permissions``.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.core import clock
from portal.core.permissions import Person, Principal
from portal.extensions import db
from portal.groups.models import Membership, MembershipRole
from portal.organisations.models import AssociationPerson, AssociationRole, AssociationRoleName


def load_principal(user: Person) -> Principal:
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
