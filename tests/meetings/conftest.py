"""A group with a process leader and members from three agencies, and people in every role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from portal.groups.models import MembershipRole
from portal.meetings.models import Meeting
from portal.meetings.services import meetings as services
from portal.organisations.models import AgencyKind
from tests.request_context import request_context  # noqa: F401 - autouse here


@dataclass
class MeetingWorld:
    """Plain ids and names; fetch rows again in tests that need them."""

    slug: str
    association_id: int
    group_id: int
    other_group_id: int
    municipality_id: int
    fk_id: int
    region_id: int
    user_ids: dict[str, int]
    emails: dict[str, str]


@pytest.fixture
def mworld(f: Any, db_session: Any) -> MeetingWorld:
    association = f.association()
    other_association = f.association()
    municipality = f.agency(association, name="Hudiksvalls kommun")
    fk = f.agency(association, name="Försäkringskassan", kind=AgencyKind.STATE)
    region = f.agency(association, name="Region Gävleborg", kind=AgencyKind.REGION)
    group = f.group(association, name="Mysam Hudiksvall", municipalities=[municipality])
    other_group = f.group(association, name="Mysam Ljusdal")
    leader = f.user(association, name="Lena Ledare")
    f.membership(group, leader, municipality, role=MembershipRole.PROCESS_LEADER)
    member = f.user(association, name="Maja Medlem")
    f.membership(group, member, fk)
    region_member = f.user(association, name="Rolf Region")
    f.membership(group, region_member, region)
    standing_sub = f.user(association, name="Stina Ersättare")
    f.membership(group, standing_sub, region, role=MembershipRole.SUBSTITUTE)
    former = f.user(association, name="Fredrik Förre")
    f.membership(group, former, fk, valid_to=dt.date(2024, 6, 30))
    other_member = f.user(association, name="Olle Annan")
    f.membership(other_group, other_member)
    users = {
        "platform_admin": f.user(platform_admin=True),
        "admin": f.admin(association),
        "board": f.board(association),
        "process_leader": leader,
        "member": member,
        "region_member": region_member,
        "standing_substitute": standing_sub,
        "former": former,
        "other_group_member": other_member,
        "registered": f.user(association, name="Rut Registrerad"),
        "other_admin": f.admin(other_association),
    }
    db_session.commit()
    return MeetingWorld(
        slug=association.slug,
        association_id=association.id,
        group_id=group.id,
        other_group_id=other_group.id,
        municipality_id=municipality.id,
        fk_id=fk.id,
        region_id=region.id,
        user_ids={k: u.id for k, u in users.items()},
        emails={k: u.email for k, u in users.items()},
    )


def make_meeting(
    db_session: Any,
    world: MeetingWorld,
    day: dt.date = dt.date(2025, 3, 11),
    *,
    group_id: int | None = None,
    agenda: list[str] | None = None,
) -> Meeting:
    """A meeting 09:00–12:00 Stockholm time on ``day``, committed."""
    from portal.groups.models import Group

    group = db_session.get(Group, group_id or world.group_id)
    meeting = services.create_meeting(
        None,
        group,
        services.MeetingData(
            starts_at=services.local_datetime(day, dt.time(9)),
            ends_at=services.local_datetime(day, dt.time(12)),
            place="Kommunhuset",
            agenda=agenda if agenda is not None else ["Öppnande", "Handlingsplanen"],
        ),
    )
    db_session.commit()
    return meeting
