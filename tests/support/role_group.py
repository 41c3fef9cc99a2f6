"""The group the meeting, plan and survey worlds share: an association and a second one,
a municipality and Försäkringskassan (and the region, where asked), a group led by Lena
Ledare (the municipality) with Maja Medlem (Försäkringskassan), a second group, and the
association's people in every role. Each world adds its own people around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.groups.models import MembershipRole
from portal.organisations.models import AgencyKind


@dataclass(frozen=True)
class RoleGroup:
    """Rows; ``f`` is a ``tests.factories.Factory``."""

    association: Any
    other_association: Any
    municipality: Any
    fk: Any
    region: Any
    group: Any
    other_group: Any
    leader: Any
    member: Any


def role_group(
    f: Any, *, municipality: str, group: str, other_group: str, region: bool = True
) -> RoleGroup:
    """The two associations, the agencies and groups, the process leader and a member."""
    association = f.association()
    other_association = f.association()
    town = f.agency(association, name=municipality)
    fk = f.agency(association, name="Försäkringskassan", kind=AgencyKind.STATE)
    county = (
        f.agency(association, name="Region Gävleborg", kind=AgencyKind.REGION) if region else None
    )
    mysam = f.group(association, name=group, municipalities=[town])
    other = f.group(association, name=other_group)
    leader = f.user(association, name="Lena Ledare")
    f.membership(mysam, leader, town, role=MembershipRole.PROCESS_LEADER)
    member = f.user(association, name="Maja Medlem")
    f.membership(mysam, member, fk)
    return RoleGroup(association, other_association, town, fk, county, mysam, other, leader, member)


def people_by_role(f: Any, base: RoleGroup, **more: Any) -> dict[str, Any]:
    """Everyone by role: a platform admin, the association's admin and board member, the
    group's leader and member, the world's ``more``, a registered person, and the other
    association's admin (made in that order)."""
    return {
        "platform_admin": f.user(platform_admin=True),
        "admin": f.admin(base.association),
        "board": f.board(base.association),
        "process_leader": base.leader,
        "member": base.member,
        **more,
        "registered": f.user(base.association, name="Rut Registrerad"),
        "other_admin": f.admin(base.other_association),
    }
