"""What changed between two template versions, matched by the stable keys of sections
and fields; and what a plan sees when it moves onto a newer version."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TypeVar

from portal.plans.models import FieldKind, Plan, PlanText, TemplateField, TemplateSection
from portal.plans.models import TemplateVersion as Version


class Change(enum.StrEnum):
    """How an item differs from one version to the next."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    SAME = "same"


SECTION_ATTRS = ("title", "guidance")
FIELD_ATTRS = ("label", "guidance", "kind", "locked", "wording", "section")

S = TypeVar("S", TemplateField, TemplateSection)


def _either(new: S | None, old: S | None) -> S:
    """The newer of a diff's two sides; a diff has at least one."""
    side = new if new is not None else old
    if side is None:
        raise ValueError("a diff with neither side")
    return side


@dataclass(frozen=True)
class FieldDiff:
    """One field in two versions; ``old`` or ``new`` is None when added or removed."""

    key: str
    change: Change
    old: TemplateField | None
    new: TemplateField | None
    changed: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return _either(self.new, self.old).label


@dataclass(frozen=True)
class SectionDiff:
    """One section in two versions, with its fields."""

    key: str
    change: Change
    old: TemplateSection | None
    new: TemplateSection | None
    changed: tuple[str, ...] = ()
    fields: list[FieldDiff] = field(default_factory=list)

    @property
    def title(self) -> str:
        return _either(self.new, self.old).title


@dataclass(frozen=True)
class VersionDiff:
    """Every section and field of two versions, with what changed."""

    old: Version
    new: Version
    sections: list[SectionDiff]

    @property
    def has_changes(self) -> bool:
        return any(
            s.change is not Change.SAME or any(f.change is not Change.SAME for f in s.fields)
            for s in self.sections
        )


def _compared(obj: object, name: str) -> object:
    value = getattr(obj, name)
    # A field's section is a row of its own version: the two are the same by key.
    return value.key if isinstance(value, TemplateSection) else value


def _changed_attrs(old: object, new: object, attrs: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in attrs if _compared(old, name) != _compared(new, name))


def _field_diff(key: str, old: TemplateField | None, new: TemplateField | None) -> FieldDiff:
    if old is None:
        return FieldDiff(key, Change.ADDED, None, new)
    if new is None:
        return FieldDiff(key, Change.REMOVED, old, None)
    changed = _changed_attrs(old, new, FIELD_ATTRS)
    return FieldDiff(key, Change.CHANGED if changed else Change.SAME, old, new, changed)


def compare(old: Version, new: Version) -> VersionDiff:
    """Sections and fields in the order of ``new``; removed ones where they stood in ``old``."""
    old_sections = {s.key: s for s in old.sections}
    new_sections = {s.key: s for s in new.sections}
    old_fields = {f.key: f for f in old.fields()}
    new_fields = {f.key: f for f in new.fields()}
    order = [s.key for s in new.sections]
    for index, section in enumerate(old.sections):
        if section.key not in new_sections:
            order.insert(min(index, len(order)), section.key)
    diffs = []
    for key in order:
        o, n = old_sections.get(key), new_sections.get(key)
        keys = [f.key for f in (n.fields if n else [])]
        keys += [f.key for f in (o.fields if o else []) if f.key not in new_fields]
        # A field moved here from another section is listed here, not twice.
        fields = [_field_diff(k, old_fields.get(k), new_fields.get(k)) for k in keys]
        changed: tuple[str, ...] = ()
        if o is None:
            change = Change.ADDED
        elif n is None:
            change = Change.REMOVED
        else:
            changed = _changed_attrs(o, n, SECTION_ATTRS)
            change = Change.CHANGED if changed else Change.SAME
        diffs.append(SectionDiff(key, change, o, n, changed, fields))
    return VersionDiff(old, new, diffs)


@dataclass(frozen=True)
class PlanFieldChange:
    """A field of a plan's template seen across a move to a new version."""

    diff: FieldDiff
    text: PlanText | None

    @property
    def keeps_local_text(self) -> bool:
        """The group's own text stays as it is."""
        return self.text is not None and bool(self.text.body.strip())


def orphaned_texts(plan: Plan, version: Version) -> list[PlanText]:
    """The group's texts that the version no longer asks for (the field was removed or
    locked): shown apart, never dropped."""
    keys = {f.key for f in version.fields() if f.kind is FieldKind.TEXT and not f.locked}
    return [t for t in plan.texts if t.field_key not in keys and t.body.strip()]


def plan_changes(plan: Plan, new: Version) -> list[PlanFieldChange]:
    """Field by field, what moving ``plan`` onto ``new`` does."""
    diff = compare(plan.template_version, new)
    return [PlanFieldChange(f, plan.text_for(f.key)) for s in diff.sections for f in s.fields]
