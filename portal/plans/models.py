"""Goal areas, the versioned plan template, and the groups' action plans."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.audit import AuditWords
from portal.db import TimestampMixin, VersionedMixin, enum_column, utcnow
from portal.extensions import Model
from portal.groups.models import Group
from portal.organisations.models import Agency

TEXT_MAX = 20_000
LINE_MAX = 300


class FieldKind(enum.StrEnum):
    """What a template field holds in a plan."""

    TEXT = "text"
    RESULT_GOALS = "result_goals"
    ACTIVITIES = "activities"


FIELD_KIND_LABELS = {
    FieldKind.TEXT: _l("Free text"),
    FieldKind.RESULT_GOALS: _l("Result goals"),
    FieldKind.ACTIVITIES: _l("Activities"),
}


class VersionStatus(enum.StrEnum):
    """A template version is edited as a draft, then published and frozen."""

    DRAFT = "draft"
    PUBLISHED = "published"


class PlanStatus(enum.StrEnum):
    """Lifecycle of a plan: draft → adopted (fastställd) → revised after a change."""

    DRAFT = "draft"
    ADOPTED = "adopted"
    REVISED = "revised"


PLAN_STATUS_LABELS = {
    PlanStatus.DRAFT: _l("Draft"),
    PlanStatus.ADOPTED: _l("Adopted"),
    PlanStatus.REVISED: _l("Revised since adoption"),
}


class ActivityStatus(enum.StrEnum):
    """Where an activity stands."""

    NOT_STARTED = "not_started"
    ONGOING = "ongoing"
    DONE = "done"
    CANCELLED = "cancelled"


ACTIVITY_STATUS_LABELS = {
    ActivityStatus.NOT_STARTED: _l("Not started"),
    ActivityStatus.ONGOING: _l("Ongoing"),
    ActivityStatus.DONE: _l("Done"),
    ActivityStatus.CANCELLED: _l("Cancelled"),
}

UNFINISHED = (ActivityStatus.NOT_STARTED, ActivityStatus.ONGOING)


class GoalArea(VersionedMixin, TimestampMixin, Model):
    """A goal area (målområde) of the association's operational plan for one year."""

    __tablename__ = "goal_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(LINE_MAX))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (
        sa.UniqueConstraint("association_id", "year", "title"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )


class TemplateVersion(Model):
    """One version of the association's plan template. Published versions never change;
    the database refuses updates to them (triggers in the migration)."""

    __tablename__ = "template_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(enum_column(VersionStatus, "version_status"))
    change_note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    published_by: Mapped[User | None] = relationship()
    sections: Mapped[list[TemplateSection]] = relationship(
        back_populates="version",
        order_by="TemplateSection.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __table_args__ = (
        sa.UniqueConstraint("association_id", "number"),
        sa.CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL)", name="published_has_time"
        ),
    )

    @property
    def is_draft(self) -> bool:
        return self.status is VersionStatus.DRAFT

    def fields(self) -> list[TemplateField]:
        """All fields in section order."""
        return [f for s in self.sections for f in s.fields]

    def item_level(self, kind: FieldKind, key: str | None = None) -> int:
        """The heading level of the items under the first field of ``kind`` (or the one
        with ``key``): 4 under the field's own heading, 3 where the section's heading
        names the field (``TemplateSection.heads``) or the plan lists them on their own."""
        for section in self.sections:
            for field in section.fields:
                if field.kind is kind and (key is None or field.key == key):
                    return 4 if section.heads(field) else 3
        return 3


class TemplateSection(VersionedMixin, Model):
    """An ordered section of a template version; ``key`` is stable across versions."""

    __tablename__ = "template_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("template_versions.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(32))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(LINE_MAX))
    guidance: Mapped[str] = mapped_column(sa.Text, default="")

    version: Mapped[TemplateVersion] = relationship(back_populates="sections")
    fields: Mapped[list[TemplateField]] = relationship(
        back_populates="section",
        order_by="TemplateField.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __table_args__ = (sa.UniqueConstraint("version_id", "key"),)

    def heads(self, field: TemplateField) -> bool:
        """Whether ``field`` gets a heading of its own under the section's: not when it is
        the section's only field and its label repeats the title ("Åtgärder"/"Åtgärder")."""
        same = field.label.strip().casefold() == self.title.strip().casefold()
        return not (same and len(self.fields) == 1)


class TemplateField(VersionedMixin, Model):
    """A field of a section. Locked fields carry the association's wording; local fields
    are written by each group (``wording`` is then a starting text)."""

    __tablename__ = "template_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        sa.ForeignKey("template_sections.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(32))
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(LINE_MAX))
    guidance: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[FieldKind] = mapped_column(enum_column(FieldKind, "field_kind"))
    locked: Mapped[bool] = mapped_column(default=False)
    wording: Mapped[str] = mapped_column(sa.Text, default="")

    section: Mapped[TemplateSection] = relationship(back_populates="fields")

    __table_args__ = (sa.UniqueConstraint("section_id", "key"),)


class Plan(TimestampMixin, Model):
    """A group's action plan (handlingsplan) for one year."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"))
    year: Mapped[int]
    template_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("template_versions.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus, "plan_status"), default=PlanStatus.DRAFT
    )
    adopted_at: Mapped[dt.datetime | None]
    adopted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    group: Mapped[Group] = relationship()
    template_version: Mapped[TemplateVersion] = relationship()
    adopted_by: Mapped[User | None] = relationship()
    texts: Mapped[list[PlanText]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", passive_deletes=True
    )
    goals: Mapped[list[ResultGoal]] = relationship(
        back_populates="plan",
        order_by="ResultGoal.position, ResultGoal.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    activities: Mapped[list[Activity]] = relationship(
        back_populates="plan",
        order_by="Activity.position, Activity.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    development_areas: Mapped[list[DevelopmentArea]] = relationship(
        back_populates="plan",
        order_by="DevelopmentArea.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __table_args__ = (
        sa.UniqueConstraint("group_id", "year"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    def text_for(self, key: str) -> PlanText | None:
        """The group's own text for a template field, if written."""
        return next((t for t in self.texts if t.field_key == key), None)


class PlanText(Model):
    """The group's text for a local field of the template, found by the field's key."""

    __tablename__ = "plan_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"))
    field_key: Mapped[str] = mapped_column(sa.String(32))
    label: Mapped[str] = mapped_column(sa.String(LINE_MAX), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    lock_version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="texts")

    __table_args__ = (sa.UniqueConstraint("plan_id", "field_key"),)
    __mapper_args__: dict[str, Any] = {"version_id_col": lock_version}


class ResultGoal(Model):
    """A result goal (resultatmål) under one of the association's goal areas."""

    __tablename__ = "result_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    goal_area_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("goal_areas.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(LINE_MAX))
    indicator: Mapped[str] = mapped_column(sa.String(LINE_MAX), default="")
    numeric: Mapped[bool] = mapped_column(default=False)
    baseline: Mapped[str] = mapped_column(sa.String(LINE_MAX), default="")
    target: Mapped[str] = mapped_column(sa.String(LINE_MAX), default="")
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    lock_version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="goals")
    goal_area: Mapped[GoalArea | None] = relationship()

    __mapper_args__: dict[str, Any] = {"version_id_col": lock_version}


class Activity(Model):
    """An activity (åtgärd) of a plan."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    what: Mapped[str] = mapped_column(sa.String(LINE_MAX))
    responsible_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id", ondelete="SET NULL"))
    decision_maker: Mapped[str] = mapped_column(sa.String(LINE_MAX), default="")
    dependencies: Mapped[str] = mapped_column(sa.Text, default="")
    due_date: Mapped[dt.date | None]
    status: Mapped[ActivityStatus] = mapped_column(
        enum_column(ActivityStatus, "activity_status"), default=ActivityStatus.NOT_STARTED
    )
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    carried_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activities.id", ondelete="SET NULL")
    )
    lock_version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="activities")
    responsible: Mapped[User | None] = relationship()
    agency: Mapped[Agency | None] = relationship()

    __mapper_args__: dict[str, Any] = {"version_id_col": lock_version}

    @hybrid_property
    def is_concrete(self) -> bool:
        """Has a responsible person and a due date (what makes a plan konkretiserad);
        in a query, the same rule as an SQL condition."""
        return self.responsible_id is not None and self.due_date is not None

    @is_concrete.inplace.expression
    @classmethod
    def _is_concrete_condition(cls) -> sa.ColumnElement[bool]:
        return sa.and_(cls.responsible_id.is_not(None), cls.due_date.is_not(None))

    def is_overdue(self, today: dt.date) -> bool:
        return self.status in UNFINISHED and self.due_date is not None and self.due_date < today


class DevelopmentArea(Model):
    """A development area (utvecklingsområde) the group works on; carried into next year."""

    __tablename__ = "development_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(LINE_MAX))

    plan: Mapped[Plan] = relationship(back_populates="development_areas")


class PlanChange(Model):
    """One change to a plan, for the plan's own history (the audit log has it too)."""

    __tablename__ = "plan_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(64))
    summary: Mapped[str] = mapped_column(sa.String(LINE_MAX), default="")
    after_adoption: Mapped[bool] = mapped_column(default=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship()


AUDIT_WORDS = AuditWords(
    actions={
        "goal_area.create": _l("Goal area added"),
        "goal_area.update": _l("Goal area changed"),
        "goal_area.delete": _l("Goal area deleted"),
        "template.draft": _l("Template draft started"),
        "template.update": _l("Template draft changed"),
        "template.publish": _l("Template version published"),
        "plan.create": _l("Action plan created"),
        "plan.adopt": _l("Action plan adopted"),
        "plan.upgrade": _l("Action plan moved to a new template version"),
        "plan.text": _l("Plan text changed"),
        "goal.create": _l("Result goal added"),
        "goal.update": _l("Result goal changed"),
        "goal.delete": _l("Result goal deleted"),
        "activity.create": _l("Activity added"),
        "activity.update": _l("Activity changed"),
        "activity.delete": _l("Activity deleted"),
        "development_area.create": _l("Development area added"),
        "development_area.delete": _l("Development area removed"),
    },
    fields={
        "year": _l("Year"),
        "title": _l("Title"),
        "description": _l("Description"),
        "body": _l("Text"),
        "goal_area": _l("Goal area"),
        "indicator": _l("Indicator"),
        "numeric": _l("Numeric indicator"),
        "baseline": _l("Baseline"),
        "target": _l("Target level"),
        "outcome": _l("Outcome"),
        "what": _l("Activity"),
        "responsible": _l("Responsible"),
        "agency": _l("Responsible agency"),
        "decision_maker": _l("Decision-maker"),
        "dependencies": _l("Dependencies"),
        "due_date": _l("Due date"),
        "status": _l("Status"),
        "version": _l("Template version"),
        "change_note": _l("Change note"),
        "label": _l("Label"),
        "guidance": _l("Guidance"),
        "locked": _l("Locked wording"),
        "wording": _l("Wording"),
        "position": _l("Position"),
    },
    values={
        ("plan", "status"): PLAN_STATUS_LABELS,
        ("activity", "status"): ACTIVITY_STATUS_LABELS,
        ("template", "kind"): FIELD_KIND_LABELS,
    },
)
