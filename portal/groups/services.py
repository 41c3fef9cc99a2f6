"""Groups, the municipalities they cover, and memberships over time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.services import sessions
from portal.core import audit, clock
from portal.core.concurrency import bump, check_version
from portal.core.errors import DomainError
from portal.extensions import db
from portal.groups.models import Group, Membership, MembershipRole, group_municipalities
from portal.organisations.models import Agency, AgencyKind, Association, AssociationPerson

GROUP_FIELDS = ("name", "municipality_names")
MEMBERSHIP_FIELDS = ("user_id", "agency_id", "role", "valid_from", "valid_to")

# Surveys still ask this module for the day; they call core.clock once they are reshaped.
today = clock.today


@dataclass(frozen=True)
class GroupData:
    """What a group form submits."""

    name: str
    municipality_ids: list[int] = field(default_factory=list)


def _group_snapshot(group: Group) -> dict[str, object]:
    return {"name": group.name, "municipalities": sorted(a.name for a in group.municipalities)}


def _municipalities(association: Association, ids: list[int]) -> list[Agency]:
    if not ids:
        raise DomainError(_("Choose at least one municipality."), field="municipalities")
    found = list(
        db.session.scalars(
            sa.select(Agency).where(
                Agency.association_id == association.id,
                Agency.kind == AgencyKind.MUNICIPALITY,
                Agency.id.in_(ids),
            )
        )
    )
    if len(found) != len(set(ids)):
        raise DomainError(_("Choose municipalities of this association."), field="municipalities")
    return found


def _check_group_name(association: Association, name: str, current: Group | None) -> None:
    clash = db.session.scalar(
        sa.select(Group).where(Group.association_id == association.id, Group.name == name)
    )
    if clash is not None and clash is not current:
        raise DomainError(_("The association already has a group with this name."), field="name")


def create_group(actor: User, association: Association, data: GroupData) -> Group:
    """A new Mysam group covering one or more of the association's municipalities."""
    _check_group_name(association, data.name, None)
    group = Group(association_id=association.id, name=data.name)
    group.municipalities = _municipalities(association, data.municipality_ids)
    db.session.add(group)
    db.session.flush()
    audit.record(
        actor=actor,
        action="group.create",
        obj=group,
        association_id=association.id,
        summary=group.name,
        after=_group_snapshot(group),
    )
    return group


def update_group(actor: User, group: Group, data: GroupData, lock_version: int | None) -> None:
    """Rename a group or change the municipalities it covers, unless someone saved it
    since the form was opened."""
    check_version(group, lock_version)
    _check_group_name(group.association, data.name, group)
    before = _group_snapshot(group)
    municipalities = _municipalities(group.association, data.municipality_ids)
    group.name = data.name
    group.municipalities = municipalities
    bump(group)
    after = _group_snapshot(group)
    if audit.changed(before, after):
        audit.record(
            actor=actor,
            action="group.update",
            obj=group,
            association_id=group.association_id,
            summary=group.name,
            before=before,
            after=after,
        )


def delete_group(actor: User, group: Group) -> None:
    """Delete a group that has never had members (history is kept otherwise)."""
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(Membership.group_id == group.id)
    )
    if count:
        raise DomainError(_("The group has members, now or earlier, and cannot be deleted."))
    audit.record(
        actor=actor,
        action="group.delete",
        obj=group,
        association_id=group.association_id,
        summary=group.name,
        before=_group_snapshot(group),
    )
    db.session.delete(group)
    db.session.flush()


@dataclass(frozen=True)
class GroupRow:
    """A line in the association's list of groups."""

    group: Group
    current_members: int
    agencies_represented: int


def agency_in_use(agency: Agency, change: str) -> DomainError | None:
    """Why groups stop the agency's deletion (``change="delete"``: memberships, now or
    earlier, or groups covering it) or its ceasing to be a municipality (``"kind"``),
    else None (``core.signals.agency_in_use``)."""
    if change == "delete":
        members = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.agency_id == agency.id)
        )
        if members:
            return DomainError(_("The agency has members, now or earlier, and cannot be deleted."))
    covering = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(group_municipalities)
        .where(group_municipalities.c.agency_id == agency.id)
    )
    if not covering:
        return None
    if change == "kind":
        return DomainError(
            _("Groups cover this municipality; it must stay a municipality."), field="kind"
        )
    return DomainError(_("Groups cover this municipality; change the groups first."))


def group_rows(association: Association, group_id: int | None = None) -> list[GroupRow]:
    """Every group (or the one ``group_id``, if it is the association's) with its current
    head count and agencies represented (two queries)."""
    on = clock.today()
    mine = [Group.association_id == association.id]
    if group_id is not None:
        mine.append(Group.id == group_id)
    groups = list(
        db.session.scalars(
            sa.select(Group)
            .where(*mine)
            .options(selectinload(Group.municipalities))
            .order_by(Group.name)
        )
    )
    if not groups:
        return []
    counts = {
        gid: (members, agencies)
        for gid, members, agencies in db.session.execute(
            sa.select(
                Membership.group_id,
                sa.func.count(sa.distinct(Membership.user_id)),
                sa.func.count(sa.distinct(Membership.agency_id)),
            )
            .join(Group, Group.id == Membership.group_id)
            .where(*mine, _current(on))
            .group_by(Membership.group_id)
        )
    }
    return [GroupRow(g, *counts.get(g.id, (0, 0))) for g in groups]


def _current(on: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(
        Membership.valid_from <= on,
        sa.or_(Membership.valid_to.is_(None), Membership.valid_to >= on),
    )


@dataclass(frozen=True)
class GroupPeople:
    """A group's members split into current and former, with the agencies represented."""

    current: list[Membership]
    former: list[Membership]
    upcoming: list[Membership]
    process_leaders: list[Membership]
    agencies: list[Agency]


def group_people(group: Group) -> GroupPeople:
    """All memberships of a group in one query, however many there are."""
    on = clock.today()
    memberships = list(
        db.session.scalars(
            sa.select(Membership)
            .where(Membership.group_id == group.id)
            .options(selectinload(Membership.user), selectinload(Membership.agency))
            .order_by(Membership.valid_from, Membership.id)
        )
    )
    current = [m for m in memberships if m.is_current(on)]
    agencies = {m.agency.id: m.agency for m in current}
    return GroupPeople(
        current=sorted(current, key=lambda m: (m.agency.name, m.user.name)),
        former=[m for m in memberships if m.valid_to is not None and m.valid_to < on],
        upcoming=[m for m in memberships if m.valid_from > on],
        process_leaders=[m for m in current if m.role is MembershipRole.PROCESS_LEADER],
        agencies=sorted(agencies.values(), key=lambda a: a.name),
    )


@dataclass(frozen=True)
class MembershipData:
    """What the add-member form submits."""

    user_id: int
    agency_id: int
    role: MembershipRole
    valid_from: dt.date
    valid_to: dt.date | None = None


def _membership_snapshot(m: Membership) -> dict[str, object]:
    """The seat in words: the person's and the agency's names, not their ids."""
    out = audit.snapshot(m, MEMBERSHIP_FIELDS)
    out["user_id"], out["agency_id"] = m.user.name, m.agency.name
    return out


def add_membership(actor: User, group: Group, data: MembershipData) -> Membership:
    """Seat a person of the association in the group for an agency and role."""
    if data.valid_to is not None and data.valid_to < data.valid_from:
        raise DomainError(_("The end date is before the start date."), field="valid_to")
    in_register = db.session.get(AssociationPerson, (group.association_id, data.user_id))
    if in_register is None:
        raise DomainError(_("Choose a person of this association."), field="user_id")
    agency = db.session.get(Agency, data.agency_id)
    if agency is None or agency.association_id != group.association_id:
        raise DomainError(_("Choose an agency of this association."), field="agency_id")
    overlapping = db.session.scalar(
        sa.select(Membership).where(
            Membership.group_id == group.id,
            Membership.user_id == data.user_id,
            Membership.agency_id == data.agency_id,
            Membership.role == data.role,
            sa.or_(Membership.valid_to.is_(None), Membership.valid_to >= data.valid_from),
            *([Membership.valid_from <= data.valid_to] if data.valid_to else []),
        )
    )
    if overlapping is not None:
        raise DomainError(
            _("The person already has this role for this agency in the group for these dates."),
            field="user_id",
        )
    membership = Membership(
        group_id=group.id,
        user_id=data.user_id,
        agency_id=data.agency_id,
        role=data.role,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
    )
    db.session.add(membership)
    db.session.flush()
    db.session.refresh(membership)
    audit.record(
        actor=actor,
        action="membership.add",
        obj=membership,
        association_id=group.association_id,
        summary=f"{membership.user.name} → {group.name}",
        after=_membership_snapshot(membership),
    )
    return membership


def end_membership(
    actor: User, membership: Membership, valid_to: dt.date, lock_version: int | None
) -> None:
    """End a membership on a date; it stays in the history. Refused if someone changed
    the membership since the form was opened."""
    check_version(membership, lock_version)
    if valid_to < membership.valid_from:
        raise DomainError(_("The end date is before the start date."), field="valid_to")
    if membership.valid_to is not None and membership.valid_to <= valid_to:
        raise DomainError(_("The membership has already ended."), field="valid_to")
    before = _membership_snapshot(membership)
    membership.valid_to = valid_to
    bump(membership)
    audit.record(
        actor=actor,
        action="membership.end",
        obj=membership,
        association_id=membership.group.association_id,
        summary=f"{membership.user.name} ← {membership.group.name}",
        before=before,
        after=_membership_snapshot(membership),
    )
    tomorrow = today() + dt.timedelta(days=1)
    if valid_to < tomorrow and not _has_membership_on(membership.user_id, tomorrow):
        # The person's last seat ended: whatever their browsers could reach through it,
        # they must sign in again to reach anything else.
        sessions.end_sessions_of([membership.user_id])


def _has_membership_on(user_id: int, day: dt.date) -> bool:
    """Whether the person holds a membership of any group on ``day``."""
    found = db.session.scalar(
        sa.select(Membership.id).where(Membership.user_id == user_id, _current(day)).limit(1)
    )
    return found is not None


def load_membership(group: Group, membership_id: int) -> Membership | None:
    """A membership of this group, or None."""
    return db.session.scalar(
        sa.select(Membership).where(Membership.id == membership_id, Membership.group_id == group.id)
    )
