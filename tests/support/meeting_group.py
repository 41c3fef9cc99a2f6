"""The small Mysam group the browser tests of meetings, answers and documents meet in:
a process leader from the municipality and a member from Försäkringskassan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.groups.models import MembershipRole
from portal.organisations.models import AgencyKind


@dataclass(frozen=True)
class MeetingGroup:
    association: Any
    municipality: Any
    fk: Any
    group: Any
    leader: Any
    member: Any


def meeting_group(f: Any) -> MeetingGroup:
    """Samordningsförbund Gävleborg's Mysam Hudiksvall, led by Lena Ledare (Hudiksvalls
    kommun), with Maja Medlem (Försäkringskassan); ``f`` is a ``tests.factories.Factory``."""
    association = f.association(name="Samordningsförbund Gävleborg")
    municipality = f.agency(association, name="Hudiksvalls kommun")
    fk = f.agency(association, name="Försäkringskassan", kind=AgencyKind.STATE)
    group = f.group(association, name="Mysam Hudiksvall", municipalities=[municipality])
    leader = f.user(association, name="Lena Ledare")
    f.membership(group, leader, municipality, role=MembershipRole.PROCESS_LEADER)
    member = f.user(association, name="Maja Medlem")
    f.membership(group, member, fk)
    return MeetingGroup(association, municipality, fk, group, leader, member)
