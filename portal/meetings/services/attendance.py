"""Attendance at a meeting: present, absent or excused per invited person, and substitutes.

An agency counts as represented at a meeting when any of its invited people was
present, or a substitute attended for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core import audit
from portal.core.errors import DomainError
from portal.extensions import db
from portal.meetings.models import AttendanceStatus, Invitee, Meeting, Substitute
from portal.organisations.models import Agency, AssociationPerson


def _invitee(meeting: Meeting, invitee_id: int) -> Invitee:
    for invitee in meeting.invitees:
        if invitee.id == invitee_id:
            return invitee
    raise DomainError(_("The person is not invited to this meeting."))


def lock(meeting: Meeting) -> None:
    """Hold the meeting's invited rows until the transaction ends, and read them afresh.

    Every change of attendance takes this lock first, in invitee order, so two saves
    at the same moment take turns and the second sees what the first recorded.
    """
    db.session.execute(
        sa.select(Invitee.id)
        .where(Invitee.meeting_id == meeting.id)
        .order_by(Invitee.id)
        .with_for_update(key_share=True)
    )
    db.session.execute(
        sa.select(Invitee)
        .where(Invitee.meeting_id == meeting.id)
        .options(selectinload(Invitee.substitute))
        .execution_options(populate_existing=True)
    ).all()


@dataclass(frozen=True)
class RowConflict:
    """A row the person changed that someone else had changed since the page was shown."""

    invitee: Invitee
    seen: AttendanceStatus | None
    wanted: AttendanceStatus | None
    stored: AttendanceStatus | None


class AttendanceConflictError(DomainError):
    """Rows changed by someone else since the page was shown; nothing was saved."""

    def __init__(self, rows: list[RowConflict]) -> None:
        super().__init__(
            _(
                "Someone else recorded attendance for %(n)d of the people you changed after "
                "you opened the page. Nothing was saved. Compare below: your choices are kept "
                "in the grid, and saving again records them.",
                n=len(rows),
            )
        )
        self.rows = rows


Change = tuple[AttendanceStatus | None, AttendanceStatus | None]


def record(actor: User, meeting: Meeting, changes: dict[int, Change]) -> int:
    """Save the rows a person changed: invitee id → (status shown on their page, status
    chosen). Rows left as shown are not touched, so nobody's change is reverted by a
    grid that showed the older value; a changed row that someone else changed too since
    the page was shown is a conflict, and then nothing is saved. Returns how many
    statuses changed.
    """
    lock(meeting)
    wanted: dict[int, AttendanceStatus | None] = {}
    conflicts = []
    for invitee_id, (seen, chosen) in changes.items():
        invitee = _invitee(meeting, invitee_id)
        if chosen in (seen, invitee.status):
            continue
        if invitee.status != seen:
            conflicts.append(RowConflict(invitee, seen, chosen, invitee.status))
            continue
        wanted[invitee_id] = chosen
    if conflicts:
        raise AttendanceConflictError(conflicts)
    return set_statuses(actor, meeting, wanted)


def set_statuses(
    actor: User, meeting: Meeting, statuses: dict[int, AttendanceStatus | None]
) -> int:
    """Record attendance for invited people (by invitee id); returns how many changed.

    Anyone not on the invited list is refused: attendance is only kept for seats.
    """
    targets = [(_invitee(meeting, invitee_id), status) for invitee_id, status in statuses.items()]
    changes: dict[str, list[str | None]] = {}
    for invitee, status in targets:
        if invitee.status == status:
            continue
        if status is AttendanceStatus.PRESENT and invitee.substitute is not None:
            raise DomainError(
                _(
                    "%(name)s has a substitute at this meeting; remove the substitute first.",
                    name=invitee.user.name,
                )
            )
        changes[invitee.user.name] = [
            invitee.status.value if invitee.status else None,
            status.value if status else None,
        ]
        invitee.status = status
    if changes:
        audit.record(
            actor=actor,
            action="attendance.record",
            obj=meeting,
            association_id=meeting.association_id,
            summary=_("%(n)d attendance changes", n=len(changes)),
            before={name: pair[0] for name, pair in changes.items()},
            after={name: pair[1] for name, pair in changes.items()},
        )
    return len(changes)


def everyone_present(actor: User, meeting: Meeting) -> int:
    """Mark everyone not yet recorded (and without a substitute) present: as recorded
    when the button is pressed, so nobody's recorded status is overwritten."""
    lock(meeting)
    return set_statuses(
        actor,
        meeting,
        {
            i.id: AttendanceStatus.PRESENT
            for i in meeting.invitees
            if i.status is None and i.substitute is None
        },
    )


@dataclass(frozen=True)
class SubstituteData:
    """Who attended in an invited person's place: a registered person or a name."""

    invitee_id: int
    user_id: int | None
    name: str
    agency_id: int | None


def add_substitute(actor: User, meeting: Meeting, data: SubstituteData) -> Substitute:
    """Record a substitute for an invited person, who then counts as excused if unrecorded."""
    lock(meeting)
    invitee = _invitee(meeting, data.invitee_id)
    if invitee.status is AttendanceStatus.PRESENT:
        raise DomainError(
            _("%(name)s is recorded as present and needs no substitute.", name=invitee.user.name),
            field="invitee_id",
        )
    if invitee.substitute is not None:
        raise DomainError(
            _("%(name)s already has a substitute at this meeting.", name=invitee.user.name),
            field="invitee_id",
        )
    name = data.name.strip()
    if data.user_id:
        registered = db.session.get(AssociationPerson, (meeting.association_id, data.user_id))
        if registered is None:
            raise DomainError(_("Choose a person of this association."), field="user_id")
        name = registered.user.name
    if not name:
        raise DomainError(
            _("Choose a registered person or give the substitute's name."), field="name"
        )
    agency_id = data.agency_id or invitee.agency_id
    agency = db.session.get(Agency, agency_id)
    if agency is None or agency.association_id != meeting.association_id:
        raise DomainError(_("Choose an agency of this association."), field="agency_id")
    substitute = Substitute(
        meeting_id=meeting.id,
        invitee=invitee,
        user_id=data.user_id or None,
        name=name,
        agency_id=agency.id,
    )
    db.session.add(substitute)
    if invitee.status is None:
        invitee.status = AttendanceStatus.EXCUSED
    db.session.flush()
    audit.record(
        actor=actor,
        action="attendance.substitute_add",
        obj=meeting,
        association_id=meeting.association_id,
        summary=f"{name} → {invitee.user.name}",
        after={"substitute": name, "for": invitee.user.name, "agency": agency.name},
    )
    return substitute


def remove_substitute(actor: User, meeting: Meeting, invitee_id: int) -> None:
    """Take back a recorded substitute."""
    lock(meeting)
    invitee = _invitee(meeting, invitee_id)
    substitute = invitee.substitute
    if substitute is None:
        raise DomainError(_("%(name)s has no substitute.", name=invitee.user.name))
    audit.record(
        actor=actor,
        action="attendance.substitute_remove",
        obj=meeting,
        association_id=meeting.association_id,
        summary=f"{substitute.name} → {invitee.user.name}",
        before={"substitute": substitute.name, "for": invitee.user.name},
    )
    invitee.substitute = None
    db.session.flush()


@dataclass(frozen=True)
class AgencyPresence:
    """Whether an invited agency was represented at one meeting, and by whom."""

    agency: Agency
    represented: bool
    by: list[str]


def agency_presence(meeting: Meeting) -> list[AgencyPresence]:
    """Per invited agency: represented (someone present, or a substitute for it) or not."""
    by_agency: dict[int, tuple[Agency, list[str]]] = {}
    for invitee in meeting.invitees:
        entry = by_agency.setdefault(invitee.agency_id, (invitee.agency, []))
        if invitee.status is AttendanceStatus.PRESENT:
            entry[1].append(invitee.user.name)
    for invitee in meeting.invitees:
        sub = invitee.substitute
        if sub is not None:
            entry = by_agency.setdefault(sub.agency_id, (sub.agency, []))
            entry[1].append(_("%(name)s (substitute)", name=sub.name))
    return sorted(
        (AgencyPresence(agency, bool(names), names) for agency, names in by_agency.values()),
        key=lambda p: p.agency.name,
    )


def registered_people(meeting: Meeting) -> list[User]:
    """People of the association who could be recorded as a substitute."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(AssociationPerson, AssociationPerson.user_id == User.id)
            .where(AssociationPerson.association_id == meeting.association_id)
            .order_by(User.name)
        )
    )
