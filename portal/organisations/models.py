"""Associations (tenants), their member agencies and association-level roles."""

from __future__ import annotations

import enum
from typing import Protocol

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.audit import AuditWords
from portal.db import TimestampMixin, VersionedMixin, enum_column
from portal.extensions import Model


class Person(Protocol):
    """A person in an association's rows: ``portal.accounts``' User, which the
    relationships below name as a string, because accounts builds on organisations."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...


class AgencyKind(enum.StrEnum):
    """What kind of public body a member agency is."""

    STATE = "state"
    REGION = "region"
    MUNICIPALITY = "municipality"


AGENCY_KIND_LABELS = {
    AgencyKind.STATE: _l("State agency"),
    AgencyKind.REGION: _l("Region"),
    AgencyKind.MUNICIPALITY: _l("Municipality"),
}


class AssociationRoleName(enum.StrEnum):
    """Roles a person holds in an association as a whole."""

    ADMIN = "admin"
    BOARD = "board"


ASSOCIATION_ROLE_LABELS = {
    AssociationRoleName.ADMIN: _l("Association administrator"),
    AssociationRoleName.BOARD: _l("Board member"),
}


class Association(VersionedMixin, TimestampMixin, Model):
    """A coordination association (samordningsförbund): the tenant every row belongs to."""

    __tablename__ = "associations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    min_survey_answers: Mapped[int] = mapped_column(default=3)
    # How many days before a meeting its reminder goes to those who have not answered.
    meeting_reminder_days: Mapped[int] = mapped_column(default=5, server_default="5")
    # Administrators and board members must sign in with a second factor.
    require_two_factor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Shown by name in the national compilation; if not, it counts only in the totals.
    named_nationally: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    agencies: Mapped[list[Agency]] = relationship(
        back_populates="association", order_by="Agency.name"
    )

    __table_args__ = (
        sa.CheckConstraint("min_survey_answers >= 1", name="min_survey_answers_positive"),
        sa.CheckConstraint(
            "meeting_reminder_days BETWEEN 1 AND 60", name="meeting_reminder_days_range"
        ),
    )

    def __repr__(self) -> str:
        return f"<Association {self.slug}>"


class Agency(VersionedMixin, TimestampMixin, Model):
    """A member agency (part): Arbetsförmedlingen, Försäkringskassan, a region or a municipality."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[AgencyKind] = mapped_column(enum_column(AgencyKind, "agency_kind"))

    association: Mapped[Association] = relationship(back_populates="agencies")

    __table_args__ = (sa.UniqueConstraint("association_id", "name"),)

    def __repr__(self) -> str:
        return f"<Agency {self.name}>"


class AssociationPerson(VersionedMixin, Model):
    """A person in an association's register: the link that scopes people to a tenant.

    Its version is that of the person's roles in the association (the roles form)."""

    __tablename__ = "association_people"

    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    association: Mapped[Association] = relationship()
    user: Mapped[Person] = relationship("User")


class AssociationRole(Model):
    """An association-wide role (admin or board member) held by a person."""

    __tablename__ = "association_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[AssociationRoleName] = mapped_column(
        enum_column(AssociationRoleName, "association_role_name")
    )

    association: Mapped[Association] = relationship()
    user: Mapped[Person] = relationship("User", back_populates="association_roles")

    __table_args__ = (sa.UniqueConstraint("association_id", "user_id", "role"),)


AUDIT_WORDS = AuditWords(
    actions={
        "association.create": _l("Association created"),
        "association.update": _l("Association changed"),
        "agency.create": _l("Agency added"),
        "agency.update": _l("Agency changed"),
        "agency.delete": _l("Agency deleted"),
    },
    fields={
        "slug": _l("Short name in addresses"),
        "min_survey_answers": _l("Minimum answers before a survey figure is shown"),
        "meeting_reminder_days": _l("Days before a meeting that its reminder goes out"),
        "municipality_names": _l("Municipalities"),
    },
    values={("agency", "kind"): AGENCY_KIND_LABELS},
)
