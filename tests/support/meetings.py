"""A group with a process leader and members from three agencies, and people in every role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from portal.groups.models import MembershipRole
from portal.meetings.models import Meeting
from portal.meetings.services import meetings as services
from tests.support.role_group import people_by_role, role_group


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


def build_meeting_world(f: Any, db_session: Any) -> MeetingWorld:
    """The meeting tests' world (the ``mworld`` fixture), committed."""
    base = role_group(
        f, municipality="Hudiksvalls kommun", group="Mysam Hudiksvall", other_group="Mysam Ljusdal"
    )
    association, group, other_group = base.association, base.group, base.other_group
    municipality, fk, region = base.municipality, base.fk, base.region
    region_member = f.user(association, name="Rolf Region")
    f.membership(group, region_member, region)
    standing_sub = f.user(association, name="Stina Ersättare")
    f.membership(group, standing_sub, region, role=MembershipRole.SUBSTITUTE)
    former = f.user(association, name="Fredrik Förre")
    f.membership(group, former, fk, valid_to=dt.date(2024, 6, 30))
    other_member = f.user(association, name="Olle Annan")
    f.membership(other_group, other_member)
    users = people_by_role(
        f,
        base,
        region_member=region_member,
        standing_substitute=standing_sub,
        former=former,
        other_group_member=other_member,
    )
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
