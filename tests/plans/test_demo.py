"""The demo's plans: loading twice changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from portal.cli import demo
from portal.organisations.models import Association
from portal.plans.demo import load_demo
from portal.plans.models import Activity, GoalArea, Plan, PlanStatus, TemplateVersion
from portal.plans.services.plans import plan_states


def _counts(db_session):
    return [
        db_session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (GoalArea, TemplateVersion, Plan, Activity)
    ]


def test_the_demo_has_plans_over_three_years_and_loads_idempotently(db_session):
    demo.load()
    association = db_session.scalar(sa.select(Association).where(Association.slug == "gavleborg"))
    load_demo(association)
    first = _counts(db_session)
    load_demo(association)
    assert _counts(db_session) == first
    areas = db_session.scalars(
        sa.select(GoalArea.title).where(GoalArea.year == 2025).order_by(GoalArea.position)
    ).all()
    assert len(areas) == 4
    assert areas[0] == "En väl utvecklad samverkanskultur och ett helhetstänkande"
    versions = db_session.scalars(sa.select(TemplateVersion).order_by(TemplateVersion.number)).all()
    assert [v.status.value for v in versions] == ["published", "published", "draft"]
    assert versions[1].change_note
    statuses = {(p.year, p.status) for p in db_session.scalars(sa.select(Plan)).all()}
    assert {
        (2024, PlanStatus.ADOPTED),
        (2025, PlanStatus.REVISED),
        (2026, PlanStatus.DRAFT),
    } <= statuses
    groups = db_session.scalars(sa.select(Plan.group_id).where(Plan.year == 2026)).all()
    concrete = [s.concretised for s in plan_states(groups, 2026).values()]
    assert any(concrete)
    assert not all(concrete)
