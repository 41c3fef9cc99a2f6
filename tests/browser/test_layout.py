"""Pages that work with their users: the board summary's shape, and "Ta bort" that asks
first without JavaScript."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.plans.models import ResultGoal
from tests.browser.conftest import LiveDB, Visitor, World
from tests.browser.test_plans import make_plan
from tests.browser.test_reporting import make_world

pytestmark = pytest.mark.browser


def test_the_board_summary_opens_with_key_figures_and_keeps_its_menu_at_hand(
    visitor: Visitor, live_db: LiveDB
) -> None:
    world = make_world(live_db)
    visitor.sign_in_as(world.emails["board"])
    page = visitor.page
    visitor.visit(f"/a/{world.slug}/reports/2025")

    # Key figures come before the first section, each a link to its section.
    figures = page.locator("section.key-figures")
    expect(figures.get_by_role("heading", name="Nyckeltal")).to_be_visible()
    first_section = page.locator(".report-section").first
    assert figures.bounding_box()["y"] < first_section.bounding_box()["y"]
    links = figures.get_by_role("link")
    assert links.count() >= 6
    for href in links.evaluate_all("links => links.map((a) => a.getAttribute('href'))"):
        assert page.locator(href).count() == 1, href

    # The section menu stays in view at the bottom of the page, and is reachable by Tab.
    menu = page.get_by_role("navigation", name="Sammanställningens avsnitt")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = menu.bounding_box()
    assert box is not None
    assert 0 <= box["y"] < 10, f"the menu scrolled away: {box}"
    menu.get_by_role("link", name="Enkätresultat").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#survey-heading")).to_be_in_viewport()
    heading_top = page.locator("#survey-heading").bounding_box()["y"]
    assert heading_top >= box["height"], "the heading is hidden under the menu"
    # Each section ends with a way back to the menu (for narrow screens, where it is not sticky).
    assert page.locator(".report-section .to-menu a[href='#sections-menu']").count() >= 5

    # A table wider than its column scrolls in a labelled, focusable region that shows it.
    regions = page.locator(".table-scroll").evaluate_all(
        """regions => regions.filter((r) => r.scrollWidth > r.clientWidth).map((r) => ({
            role: r.getAttribute("role"), tabindex: r.getAttribute("tabindex"),
            label: r.getAttribute("aria-label"), shadow: getComputedStyle(r).backgroundImage}))"""
    )
    assert regions, "no wide table to look at: the test data should have one"
    for region in regions:
        assert region["role"] == "region"
        assert region["tabindex"] == "0"
        assert region["label"]
        assert "radial-gradient" in region["shadow"]
    visitor.check()


def test_without_javascript_remove_asks_first(new_visitor, world: World, live_db: LiveDB) -> None:
    plan_id, goal_id = make_plan(live_db, world)
    visitor: Visitor = new_visitor(js=False)
    visitor.sign_in_as(world.admin_email)
    page = visitor.page
    plan_path = f"/a/{world.slug}/plans/{plan_id}"
    visitor.visit(plan_path)
    goal = page.locator(f"#goal-{goal_id}")
    with page.expect_navigation():
        goal.get_by_role("link", name="Ta bort Alla parter på mötena").click()
    visitor.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ta bort det här resultatmålet?")
    expect(page.locator("main")).to_contain_text("Alla parter på mötena")
    assert live_db.scalar(sa.select(ResultGoal.id).where(ResultGoal.id == goal_id)) == goal_id

    # "Avbryt" leads back and keeps the goal; "Ta bort" removes it.
    with page.expect_navigation():
        page.get_by_role("link", name="Avbryt").click()
    visitor.check()
    assert live_db.scalar(sa.select(ResultGoal.id).where(ResultGoal.id == goal_id)) == goal_id
    visitor.visit(f"{plan_path}/goals/{goal_id}/delete")
    visitor.submit(page.get_by_role("button", name="Ta bort"))
    expect(page.locator(".flashes")).to_contain_text("togs bort")
    assert live_db.scalar(sa.select(ResultGoal.id).where(ResultGoal.id == goal_id)) is None
