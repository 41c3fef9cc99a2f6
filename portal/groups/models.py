"""Mysam groups, the municipalities they cover, and memberships over time."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.audit import AuditWords
from portal.db import TimestampMixin, VersionedMixin, enum_column
from portal.extensions import Model, db
from portal.organisations.models import Agency, Association

group_municipalities = sa.Table(
    "group_municipalities",
    db.metadata,
    sa.Column("group_id", sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agencies.id", ondelete="RESTRICT"), primary_key=True),
)


class MembershipRole(enum.StrEnum):
    """The part a person plays in a group."""

    PROCESS_LEADER = "process_leader"
    MEMBER = "member"
    SUBSTITUTE = "substitute"
    ASSOCIATION_REPRESENTATIVE = "association_representative"


ROLE_LABELS = {
    MembershipRole.PROCESS_LEADER: _l("Process leader"),
    MembershipRole.MEMBER: _l("Member"),
    MembershipRole.SUBSTITUTE: _l("Substitute"),
    MembershipRole.ASSOCIATION_REPRESENTATIVE: _l("Association representative"),
}


class Group(VersionedMixin, TimestampMixin, Model):
    """A local Mysam group of an association."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))

    association: Mapped[Association] = relationship()
    municipalities: Mapped[list[Agency]] = relationship(
        secondary=group_municipalities, order_by="Agency.name"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", order_by="Membership.valid_from"
    )

    __table_args__ = (sa.UniqueConstraint("association_id", "name"),)

    def __repr__(self) -> str:
        return f"<Group {self.name}>"


class Membership(VersionedMixin, TimestampMixin, Model):
    """A person's seat in a group for an agency and role, from one date to another.

    Ended memberships are kept (``valid_to`` set) so turnover can be measured.
    """

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agencies.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[MembershipRole] = mapped_column(enum_column(MembershipRole, "membership_role"))
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]

    group: Mapped[Group] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
    agency: Mapped[Agency] = relationship()

    __table_args__ = (
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
    )

    def is_current(self, on: dt.date) -> bool:
        """Whether the membership is in force on the given day."""
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


AUDIT_WORDS = AuditWords(
    actions={
        "group.create": _l("Group created"),
        "group.update": _l("Group changed"),
        "group.delete": _l("Group deleted"),
        "membership.add": _l("Member added"),
        "membership.end": _l("Membership ended"),
    },
    fields={
        "municipalities": _l("Municipalities"),
        "agency_id": _l("Agency"),
        "role": _l("Role"),
        "valid_from": _l("From"),
        "valid_to": _l("To"),
    },
    values={("membership", "role"): ROLE_LABELS},
)
