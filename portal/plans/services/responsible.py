"""Who an activity's responsible person can be, as the form offers them.

Everyone in the association's register may be responsible, but the group's own
members come first, and each person is named with the agencies they sit for, so
that two people with the same name can be told apart.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.groups.models import Group, Membership
from portal.organisations.models import Agency, AssociationPerson
from portal.plans.models import Plan


@dataclass(frozen=True)
class Candidate:
    """A person who may be made responsible, with the agencies that tell them apart."""

    user_id: int
    name: str
    agencies: tuple[str, ...]
    email: str
    in_group: bool


def candidates(plan: Plan) -> list[Candidate]:
    """The register's people: the group's members during the plan year first, then the
    rest, each by name with their agencies in the association's groups that year
    (one query)."""
    first, last = dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 31)
    groups = sa.select(Group.id).where(Group.association_id == plan.association_id)
    seat = sa.and_(
        Membership.user_id == User.id,
        Membership.group_id.in_(groups.scalar_subquery()),
        Membership.valid_from <= last,
        sa.or_(Membership.valid_to.is_(None), Membership.valid_to >= first),
    )
    rows = db.session.execute(
        sa.select(User, Membership.group_id, Agency.name)
        .join(AssociationPerson, AssociationPerson.user_id == User.id)
        .outerjoin(Membership, seat)
        .outerjoin(Agency, Agency.id == Membership.agency_id)
        .where(AssociationPerson.association_id == plan.association_id)
        .order_by(User.name, User.id, Agency.name)
    ).all()
    people: dict[int, User] = {}
    agencies: dict[int, list[str]] = defaultdict(list)
    members: set[int] = set()
    for user, group_id, agency in rows:
        people.setdefault(user.id, user)
        if group_id == plan.group_id:
            members.add(user.id)
        if agency is not None and agency not in agencies[user.id]:
            agencies[user.id].append(agency)
    found = [
        Candidate(u.id, u.name, tuple(agencies[u.id]), u.email, u.id in members)
        for u in people.values()
    ]
    return sorted(found, key=lambda c: not c.in_group)  # stable: by name within each part


def label(candidate: Candidate, twins: set[str]) -> str:
    """ "Maja Medlem (Försäkringskassan)"; the e-mail address too where the name and
    agencies are not enough (``twins``: labels shared by several people)."""
    text = candidate.name
    if candidate.agencies:
        text += f" ({', '.join(candidate.agencies)})"
    return f"{text} – {candidate.email}" if text in twins else text


def labels(found: list[Candidate]) -> dict[int, str]:
    """Each candidate's label, unique among them."""
    plain = [label(c, set()) for c in found]
    twins = {text for text in plain if plain.count(text) > 1}
    return {c.user_id: label(c, twins) for c in found}
