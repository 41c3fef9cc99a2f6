"""The foundation world: one association with a group, its people in every role, and a
second association; the roles and what a refusal looks like.

``tests/conftest.py`` serves it as the ``world`` fixture to the role x action matrices
of core, groups, organisations and people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.groups.models import MembershipRole

ROLES = [
    "anonymous",
    "platform_admin",
    "admin",
    "board",
    "process_leader",
    "member",
    "other_group_member",
    "registered",
    "other_admin",
]

GROUP_READERS = {"admin", "board", "process_leader", "member"}
NAME_READERS = {"admin", "process_leader", "member"}
READERS = {"admin", "board", "process_leader", "member", "other_group_member", "registered"}
ADMINS = {"admin"}


@dataclass
class World:
    """One association with a group, its people in every role, and a second association."""

    slug: str
    group_id: int
    agency_id: int
    newcomer_id: int
    seated_name: str
    seated_membership_id: int
    user_ids: dict[str, int]


def build_world(f: Any, db_session: Any) -> World:
    association = f.association()
    other = f.association()
    agency = f.agency(association, name="Hudiksvalls kommun")
    group = f.group(association, municipalities=[agency])
    other_group = f.group(association)
    leader = f.user(association)
    f.membership(group, leader, agency, role=MembershipRole.PROCESS_LEADER)
    member = f.user(association)
    f.membership(group, member, agency)
    seated = f.user(association, name="Sigrid Sittande")
    seat = f.membership(group, seated, agency)
    other_member = f.user(association)
    f.membership(other_group, other_member)
    users = {
        "platform_admin": f.user(platform_admin=True),
        "admin": f.admin(association),
        "board": f.board(association),
        "process_leader": leader,
        "member": member,
        "other_group_member": other_member,
        "registered": f.user(association),
        "other_admin": f.admin(other),
    }
    world = World(
        slug=association.slug,
        group_id=group.id,
        agency_id=agency.id,
        newcomer_id=f.user(association).id,
        seated_name=seated.name,
        seated_membership_id=seat.id,
        user_ids={role: user.id for role, user in users.items()},
    )
    # A refused request rolls back to the last commit; keep the world out of reach of that.
    db_session.commit()
    return world


def expect(response: Any, role: str, allowed: bool, success: int = 200) -> None:
    """Allowed: the success status; anonymous: to sign-in; anyone else: 404."""
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif allowed:
        assert response.status_code == success, response.get_data(as_text=True)[:1000]
    else:
        assert response.status_code == 404
