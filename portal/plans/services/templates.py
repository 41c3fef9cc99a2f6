"""The association's plan template: a draft is edited, then published as an immutable version."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core import audit
from portal.core.concurrency import bump, check_version, lock_row
from portal.core.errors import DomainError
from portal.db import utcnow
from portal.extensions import db
from portal.organisations.models import Association
from portal.plans.models import (
    FieldKind,
    TemplateField,
    TemplateSection,
    TemplateVersion,
    VersionStatus,
)

SECTION_FIELDS = ("title", "guidance")
FIELD_FIELDS = ("label", "guidance", "kind", "locked", "wording")


@dataclass(frozen=True)
class SectionData:
    """What the section form submits."""

    title: str
    guidance: str = ""


@dataclass(frozen=True)
class FieldData:
    """What the field form submits."""

    label: str
    kind: FieldKind
    locked: bool = False
    guidance: str = ""
    wording: str = ""


def new_key() -> str:
    """A stable key that follows a section or field from version to version."""
    return secrets.token_hex(6)


def _versions_query(association: Association) -> sa.Select[tuple[TemplateVersion]]:
    return sa.select(TemplateVersion).where(TemplateVersion.association_id == association.id)


def versions(association: Association) -> list[TemplateVersion]:
    """Every version, newest first."""
    return list(
        db.session.scalars(_versions_query(association).order_by(TemplateVersion.number.desc()))
    )


def current_version(association: Association) -> TemplateVersion | None:
    """The newest published version: new plans are made from it."""
    return db.session.scalar(
        _versions_query(association)
        .where(TemplateVersion.status == VersionStatus.PUBLISHED)
        .order_by(TemplateVersion.number.desc())
        .limit(1)
    )


def draft_version(association: Association) -> TemplateVersion | None:
    """The draft being edited, if any."""
    return db.session.scalar(
        _versions_query(association).where(TemplateVersion.status == VersionStatus.DRAFT)
    )


def load_version(association: Association, version_id: int) -> TemplateVersion | None:
    """A version of this association with its sections and fields loaded, or None."""
    return db.session.scalar(
        _versions_query(association)
        .where(TemplateVersion.id == version_id)
        .options(selectinload(TemplateVersion.sections).selectinload(TemplateSection.fields))
    )


def require_draft(version: TemplateVersion) -> None:
    """Published versions never change."""
    if not version.is_draft:
        raise DomainError(
            _(
                "Version %(n)d is published and cannot be changed. Start a new draft to make "
                "changes.",
                n=version.number,
            )
        )


def lock_draft(version: TemplateVersion) -> None:
    """Hold the version still while it is changed: a publish and an edit of the same
    draft at the same moment take turns, and the second sees what the first did."""
    lock_row(version)
    require_draft(version)


def _log(
    actor: User | None,
    version: TemplateVersion,
    action: str,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=version,
        association_id=version.association_id,
        summary=_("Version %(n)d", n=version.number) + f": {summary}",
        before=before,
        after=after,
    )


def start_draft(actor: User | None, association: Association) -> TemplateVersion:
    """A new draft: a copy of the newest published version, keys kept, or an empty one."""
    if draft_version(association) is not None:
        raise DomainError(_("A draft already exists; edit it or publish it first."))
    source = current_version(association)
    last = db.session.scalar(
        sa.select(sa.func.max(TemplateVersion.number)).where(
            TemplateVersion.association_id == association.id
        )
    )
    draft = TemplateVersion(
        association_id=association.id, number=(last or 0) + 1, status=VersionStatus.DRAFT
    )
    if source is not None:
        for section in source.sections:
            copy = TemplateSection(
                key=section.key,
                position=section.position,
                title=section.title,
                guidance=section.guidance,
            )
            copy.fields = [
                TemplateField(
                    key=f.key,
                    position=f.position,
                    label=f.label,
                    guidance=f.guidance,
                    kind=f.kind,
                    locked=f.locked,
                    wording=f.wording,
                )
                for f in section.fields
            ]
            draft.sections.append(copy)
    db.session.add(draft)
    db.session.flush()
    _log(actor, draft, "template.draft", _("draft started"))
    return draft


def add_section(actor: User | None, version: TemplateVersion, data: SectionData) -> TemplateSection:
    """A new section at the end of the draft."""
    lock_draft(version)
    position = max((s.position for s in version.sections), default=0) + 1
    section = TemplateSection(
        key=new_key(), position=position, title=data.title, guidance=data.guidance
    )
    version.sections.append(section)
    db.session.flush()
    _log(actor, version, "template.update", _("section %(t)s added", t=data.title))
    return section


def update_section(
    actor: User | None, section: TemplateSection, data: SectionData, lock_version: int | None
) -> None:
    """Change a section's title or guidance, unless someone saved it since the form was
    opened (or published the draft meanwhile)."""
    lock_draft(section.version)
    check_version(section, lock_version)
    bump(section)
    before = audit.snapshot(section, SECTION_FIELDS)
    section.title, section.guidance = data.title, data.guidance
    after = audit.snapshot(section, SECTION_FIELDS)
    if audit.changed(before, after):
        _log(actor, section.version, "template.update", data.title, before=before, after=after)


def delete_section(actor: User | None, section: TemplateSection) -> None:
    """Remove a section and its fields from the draft."""
    version = section.version
    lock_draft(version)
    version.sections.remove(section)
    db.session.flush()
    _log(actor, version, "template.update", _("section %(t)s removed", t=section.title))


def _swap(items: list[TemplateSection] | list[TemplateField], index: int, step: int) -> bool:
    other = index + step
    if not 0 <= other < len(items):
        return False
    a, b = items[index], items[other]
    a.position, b.position = b.position, a.position
    if a.position == b.position:  # equal positions would not move anything
        a.position, b.position = other, index
    return True


def move_section(actor: User | None, section: TemplateSection, step: int) -> None:
    """Move a section up (-1) or down (+1)."""
    version = section.version
    lock_draft(version)
    if _swap(version.sections, version.sections.index(section), step):
        db.session.flush()
        db.session.expire(version, ["sections"])
        _log(actor, version, "template.update", _("section %(t)s moved", t=section.title))


def add_field(actor: User | None, section: TemplateSection, data: FieldData) -> TemplateField:
    """A new field at the end of a section."""
    lock_draft(section.version)
    position = max((f.position for f in section.fields), default=0) + 1
    field = TemplateField(key=new_key(), position=position, **_field_values(data))
    section.fields.append(field)
    db.session.flush()
    _log(actor, section.version, "template.update", _("field %(t)s added", t=data.label))
    return field


def _field_values(data: FieldData) -> dict[str, object]:
    if data.locked and data.kind is FieldKind.TEXT and not data.wording.strip():
        raise DomainError(
            _("A locked text field needs the wording the groups will see."), "wording"
        )
    return {
        "label": data.label,
        "kind": data.kind,
        "locked": data.locked,
        "guidance": data.guidance,
        "wording": data.wording,
    }


def update_field(
    actor: User | None, field: TemplateField, data: FieldData, lock_version: int | None
) -> None:
    """Change a field of the draft, unless someone saved it since the form was opened
    (or published the draft meanwhile)."""
    version = field.section.version
    lock_draft(version)
    check_version(field, lock_version)
    bump(field)
    before = audit.snapshot(field, FIELD_FIELDS)
    for name, value in _field_values(data).items():
        setattr(field, name, value)
    after = audit.snapshot(field, FIELD_FIELDS)
    if audit.changed(before, after):
        _log(actor, version, "template.update", data.label, before=before, after=after)


def delete_field(actor: User | None, field: TemplateField) -> None:
    """Remove a field from the draft."""
    section = field.section
    lock_draft(section.version)
    section.fields.remove(field)
    db.session.flush()
    _log(actor, section.version, "template.update", _("field %(t)s removed", t=field.label))


def move_field(actor: User | None, field: TemplateField, step: int) -> None:
    """Move a field up (-1) or down (+1) within its section."""
    section = field.section
    lock_draft(section.version)
    if _swap(section.fields, section.fields.index(field), step):
        db.session.flush()
        db.session.expire(section, ["fields"])
        _log(actor, section.version, "template.update", _("field %(t)s moved", t=field.label))


def publish(actor: User | None, version: TemplateVersion, change_note: str) -> None:
    """Freeze the draft as a published version. After the first, a change note is required."""
    lock_draft(version)
    if not any(s.fields for s in version.sections):
        raise DomainError(_("Add at least one section with a field before publishing."))
    earlier = current_version_of(version.association_id)
    if earlier is not None and not change_note.strip():
        raise DomainError(
            _("Write a change note: the groups read it to see what changed."), "change_note"
        )
    version.status = VersionStatus.PUBLISHED
    version.change_note = change_note.strip()
    version.published_at = utcnow()
    version.published_by_id = actor.id if actor is not None else None
    db.session.flush()
    _log(
        actor,
        version,
        "template.publish",
        version.change_note,
        after={"change_note": version.change_note},
    )


def current_version_of(association_id: int) -> TemplateVersion | None:
    """The newest published version of an association, by id."""
    association = db.session.get(Association, association_id)
    assert association is not None
    return current_version(association)
