"""Action plans in the browser: inline htmx editing, adoption, a new template version."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import current_app
from playwright.sync_api import expect

from portal.groups.models import Group
from portal.organisations.models import Association
from portal.plans.models import Plan, PlanStatus, ResultGoal
from portal.plans.services import goal_areas, items, plans
from tests import factories
from tests.browser.conftest import LiveDB, Visitor, World
from tests.support.plans import build_template

pytestmark = pytest.mark.browser


def _year() -> int:
    return dt.datetime.now(ZoneInfo("Europe/Stockholm")).year


def make_plan(live_db: LiveDB, world: World) -> tuple[int, int]:
    """Goal areas, a published template and a draft plan with one goal lacking a target."""

    def build(f: factories.Factory) -> tuple[int, int]:
        with current_app.test_request_context("/"):
            association = f.session.get(Association, world.association_id)
            area = goal_areas.create_goal_area(
                None, association, goal_areas.GoalAreaData(_year(), "Samverkanskultur")
            )
            build_template(association)
            group = f.session.get(Group, world.group_id)
            plan = plans.create_plan(None, group, _year(), plans.Source.TEMPLATE)
            goal = items.add_goal(
                None, plan, items.GoalData(area.id, "Alla parter på mötena", "Andel (%)", True)
            )
            return plan.id, goal.id

    return live_db.run(build)


def test_edit_adopt_publish_and_move(visitor: Visitor, world: World, live_db: LiveDB) -> None:
    plan_id, goal_id = make_plan(live_db, world)
    visitor.sign_in_as(world.admin_email)
    page = visitor.page
    plan_path = f"/a/{world.slug}/plans/{plan_id}"
    visitor.visit(plan_path)
    page.evaluate("window.__samePage = true")

    # Edit the result goal in place.
    goal = page.locator(f"#goal-{goal_id}")
    visitor.swap(goal.get_by_role("link", name="Redigera").click)
    form = page.locator(f"#goal-{goal_id} form")
    form.locator("input[name=target]").fill("75")
    form.locator("input[name=baseline]").fill("50")
    visitor.swap(form.locator("button[type=submit]").click)
    assert page.evaluate("window.__samePage === true"), "the page was reloaded"
    expect(page.locator(f"#goal-{goal_id}")).to_contain_text("75")
    expect(page.locator(f"#goal-{goal_id} [role=status]")).to_be_focused()
    assert live_db.scalar(sa.select(ResultGoal.target).where(ResultGoal.id == goal_id)) == "75"

    # A wrong number is refused in place, with the typed text kept.
    visitor.swap(page.locator(f"#goal-{goal_id}").get_by_role("link", name="Redigera").click)
    page.locator(f"#goal-{goal_id} input[name=target]").fill("många")
    visitor.swap(page.locator(f"#goal-{goal_id} button[type=submit]").click)
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator(f"#goal-{goal_id} input[name=target]")).to_have_value("många")
    visitor.swap(page.locator(f"#goal-{goal_id}").get_by_role("link", name="Avbryt").click)

    # Adopt the plan.
    visitor.submit(page.get_by_role("button", name="Fastställ handlingsplanen"))
    expect(page.locator(".plan-facts")).to_contain_text("Fastställd")
    status = live_db.scalar(sa.select(Plan.status).where(Plan.id == plan_id))
    assert status is PlanStatus.ADOPTED

    # Publish a new template version with new central wording.
    visitor.visit(f"/a/{world.slug}/plan-template")
    visitor.submit(page.get_by_role("button", name="Påbörja ett nytt utkast"))
    page.get_by_role("link", name="Redigera fältet Syfte").click()
    visitor.check()
    page.locator("textarea[name=wording]").fill("Mysam samordnar parternas insatser.")
    visitor.submit(page.get_by_role("button", name="Spara"))
    page.locator("textarea[name=change_note]").fill("Ny syftesformulering")
    visitor.submit(page.get_by_role("button", name="Publicera version 2"))
    expect(page.locator(".flashes")).to_contain_text("Version 2")

    # The plan shows the new version; move it onto it.
    visitor.visit(plan_path)
    expect(page.locator(".notice")).to_contain_text("Ny syftesformulering")
    page.get_by_role("link", name="Se vad som ändras").click()
    visitor.check()
    expect(page.locator("table.upgrade")).to_contain_text("Mysam samordnar parternas insatser.")
    visitor.submit(page.get_by_role("button", name="Flytta handlingsplanen till version 2"))
    expect(page.locator("main")).to_contain_text("Mysam samordnar parternas insatser.")
    expect(page.locator(".notice")).to_have_count(0)
    visitor.assert_all_checked()
