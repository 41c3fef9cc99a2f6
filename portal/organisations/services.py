"""Associations and their member agencies."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.core import audit, signals
from portal.core.audit import Actor
from portal.core.concurrency import bump, check_version
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Agency, AgencyKind, Association

ASSOCIATION_FIELDS = (
    "name",
    "slug",
    "min_survey_answers",
    "require_two_factor",
    "meeting_reminder_days",
)
AGENCY_FIELDS = ("name", "kind")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class AssociationData:
    """What an association form submits."""

    name: str
    slug: str
    min_survey_answers: int = 3
    require_two_factor: bool = False
    meeting_reminder_days: int = 5


def _check_association_unique(data: AssociationData, current: Association | None) -> None:
    if not _SLUG.match(data.slug):
        raise DomainError(_("Use lower-case letters, digits and hyphens."), field="slug")
    for column, value, field in (
        (Association.name, data.name, "name"),
        (Association.slug, data.slug, "slug"),
    ):
        clash = db.session.scalar(sa.select(Association).where(column == value))
        if clash is not None and clash is not current:
            raise DomainError(_("Another association already uses this."), field=field)


def create_association(actor: Actor, data: AssociationData) -> Association:
    """A new, empty association."""
    _check_association_unique(data, None)
    association = Association(
        name=data.name,
        slug=data.slug,
        min_survey_answers=data.min_survey_answers,
        require_two_factor=data.require_two_factor,
        meeting_reminder_days=data.meeting_reminder_days,
    )
    db.session.add(association)
    db.session.flush()
    audit.record(
        actor=actor,
        action="association.create",
        obj=association,
        association_id=association.id,
        summary=association.name,
        after=audit.snapshot(association, ASSOCIATION_FIELDS),
    )
    return association


def update_association(
    actor: Actor, association: Association, data: AssociationData, lock_version: int | None
) -> None:
    """Rename or re-configure an association, unless someone saved it since the form
    was opened."""
    check_version(association, lock_version)
    _check_association_unique(data, association)
    before = audit.snapshot(association, ASSOCIATION_FIELDS)
    association.name = data.name
    association.slug = data.slug
    association.min_survey_answers = data.min_survey_answers
    association.require_two_factor = data.require_two_factor
    association.meeting_reminder_days = data.meeting_reminder_days
    bump(association)
    after = audit.snapshot(association, ASSOCIATION_FIELDS)
    if audit.changed(before, after):
        audit.record(
            actor=actor,
            action="association.update",
            obj=association,
            association_id=association.id,
            summary=association.name,
            before=before,
            after=after,
        )


@dataclass(frozen=True)
class AgencyData:
    """What an agency form submits."""

    name: str
    kind: AgencyKind


def _check_agency_unique(association: Association, name: str, current: Agency | None) -> None:
    clash = db.session.scalar(
        sa.select(Agency).where(Agency.association_id == association.id, Agency.name == name)
    )
    if clash is not None and clash is not current:
        raise DomainError(_("The association already has an agency with this name."), field="name")


def create_agency(actor: Actor, association: Association, data: AgencyData) -> Agency:
    """Add a member agency to the association."""
    _check_agency_unique(association, data.name, None)
    agency = Agency(association_id=association.id, name=data.name, kind=data.kind)
    db.session.add(agency)
    db.session.flush()
    audit.record(
        actor=actor,
        action="agency.create",
        obj=agency,
        association_id=association.id,
        summary=agency.name,
        after=audit.snapshot(agency, AGENCY_FIELDS),
    )
    return agency


def update_agency(actor: Actor, agency: Agency, data: AgencyData, lock_version: int | None) -> None:
    """Rename an agency or change its kind (a municipality that covers groups stays one),
    unless someone saved it since the form was opened."""
    check_version(agency, lock_version)
    _check_agency_unique(agency.association, data.name, agency)
    if agency.kind is AgencyKind.MUNICIPALITY and data.kind is not AgencyKind.MUNICIPALITY:
        signals.refuse_if_any(signals.agency_in_use, agency, change="kind")
    before = audit.snapshot(agency, AGENCY_FIELDS)
    agency.name = data.name
    agency.kind = data.kind
    bump(agency)
    after = audit.snapshot(agency, AGENCY_FIELDS)
    if audit.changed(before, after):
        audit.record(
            actor=actor,
            action="agency.update",
            obj=agency,
            association_id=agency.association_id,
            summary=agency.name,
            before=before,
            after=after,
        )


def delete_agency(actor: Actor, agency: Agency) -> None:
    """Remove an agency that no membership (past or present) and no group refers to."""
    signals.refuse_if_any(signals.agency_in_use, agency, change="delete")
    audit.record(
        actor=actor,
        action="agency.delete",
        obj=agency,
        association_id=agency.association_id,
        summary=agency.name,
        before=audit.snapshot(agency, AGENCY_FIELDS),
    )
    db.session.delete(agency)
    db.session.flush()


def agencies_of(association: Association) -> list[Agency]:
    """The association's agencies, by name."""
    return list(
        db.session.scalars(
            sa.select(Agency).where(Agency.association_id == association.id).order_by(Agency.name)
        )
    )
