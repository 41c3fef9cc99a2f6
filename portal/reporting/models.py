"""The board's own words in a summary: analysis texts and development areas.

These are the only rows the reporting package writes; every figure is read from the
other domains. A development area is carried into next year's plans through the plan
services, and :class:`ReportDevelopmentAreaTarget` records where it went.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.audit import AuditWords
from portal.db import VersionedMixin, utcnow
from portal.extensions import Model
from portal.plans.models import Activity, Plan, ResultGoal

SECTION_KEY_MAX = 32
TITLE_MAX = 200
TEXT_MAX = 20_000


class ReportPeriod(enum.StrEnum):
    """The whole year, or its first half (January–June)."""

    YEAR = "year"
    H1 = "h1"


class ReportAnalysis(Model):
    """The admins' analysis text for one section of a summary (Markdown).

    Saved with optimistic locking: a save made from an older form is refused and both
    versions are shown side by side.
    """

    __tablename__ = "report_analyses"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE")
    )
    year: Mapped[int]
    period: Mapped[str] = mapped_column(sa.String(8))
    section: Mapped[str] = mapped_column(sa.String(SECTION_KEY_MAX))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    lock_version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    updated_by: Mapped[User | None] = relationship()

    __mapper_args__: dict[str, Any] = {"version_id_col": lock_version}
    __table_args__ = (
        sa.UniqueConstraint("association_id", "year", "period", "section"),
        sa.CheckConstraint("period IN ('year', 'h1')", name="period_known"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )


class ReportDevelopmentArea(VersionedMixin, Model):
    """A development area (utvecklingsområde) the admins draw from a year's results."""

    __tablename__ = "report_development_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()
    targets: Mapped[list[ReportDevelopmentAreaTarget]] = relationship(
        back_populates="area",
        cascade="all, delete-orphan",
        order_by="ReportDevelopmentAreaTarget.id",
    )

    __table_args__ = (sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),)


class ReportDevelopmentAreaTarget(Model):
    """Where a development area was carried: a result goal or an activity of a plan.

    The goal or activity may later be removed from the plan; the link then stays, pointing
    at the plan only, so the summary can still say where the area went.
    """

    __tablename__ = "report_development_area_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report_development_areas.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("result_goals.id", ondelete="SET NULL")
    )
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activities.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    area: Mapped[ReportDevelopmentArea] = relationship(back_populates="targets")
    plan: Mapped[Plan] = relationship()
    goal: Mapped[ResultGoal | None] = relationship()
    activity: Mapped[Activity | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("area_id", "plan_id"),)


AUDIT_WORDS = AuditWords(
    actions={
        "report_analysis.save": _l("Analysis text of a summary saved"),
        "report_area.create": _l("Development area added"),
        "report_area.update": _l("Development area changed"),
        "report_area.delete": _l("Development area removed"),
        "report_area.carry": _l("Development area carried into next year's plans"),
    },
    fields={
        "body": _l("Text"),
        "section": _l("Section"),
        "period": _l("Period"),
        "title": _l("Title"),
        "description": _l("Description"),
        "plans": _l("Plans"),
    },
)
