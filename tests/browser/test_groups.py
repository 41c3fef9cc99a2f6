"""Group membership in the browser: htmx, plain forms, and the keyboard."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, expect

from portal.groups.models import Membership
from tests import factories
from tests.browser.conftest import LiveDB, Visitor, World

pytestmark = pytest.mark.browser


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Stockholm")).date()


def group_path(world: World) -> str:
    return f"/a/{world.slug}/groups/{world.group_id}"


def current_table(visitor: Visitor) -> Locator:
    return visitor.page.locator("table[aria-labelledby=current-heading]")


def former_table(visitor: Visitor) -> Locator:
    return visitor.page.locator("table[aria-labelledby=former-heading]")


def add_form(visitor: Visitor) -> Locator:
    return visitor.page.locator("form[aria-labelledby=add-heading]")


def membership_of(live_db: LiveDB, world: World, user_id: int) -> Membership | None:
    return live_db.scalar(
        sa.select(Membership).where(
            Membership.group_id == world.group_id, Membership.user_id == user_id
        )
    )


def fill_add_form(visitor: Visitor, world: World) -> None:
    form = add_form(visitor)
    form.locator("select[name=user_id]").select_option(str(world.newcomer_id))
    form.locator("select[name=agency_id]").select_option(str(world.state_agency_id))
    form.locator("select[name=role]").select_option("process_leader")
    form.locator("input[name=valid_from]").fill(today().isoformat())


def test_adding_a_member_with_htmx_updates_the_list_in_place(
    visitor: Visitor, world: World, live_db: LiveDB
) -> None:
    visitor.sign_in_as(world.admin_email)
    visitor.visit(group_path(world))
    page = visitor.page
    expect(current_table(visitor)).not_to_contain_text(world.newcomer_name)
    page.evaluate("window.__samePage = true")

    fill_add_form(visitor, world)
    response = visitor.swap(add_form(visitor).locator("button[type=submit]").click)

    assert response.status == 200
    assert "HX-Request" in (response.headers.get("vary") or "")
    assert page.evaluate("window.__samePage === true"), "the page was reloaded"
    expect(current_table(visitor)).to_contain_text(world.newcomer_name)
    expect(current_table(visitor)).to_contain_text(world.state_agency_name)
    status = page.locator("#members [role=status]")
    expect(status).to_contain_text(world.newcomer_name)
    expect(status).to_be_focused()  # keyboard and screen-reader users hear the outcome
    # The form is ready for the next person.
    expect(add_form(visitor).locator("select[name=user_id]")).to_have_value("")
    membership = membership_of(live_db, world, world.newcomer_id)
    assert membership is not None
    assert membership.agency_id == world.state_agency_id
    assert membership.role.value == "process_leader"
    assert membership.valid_from == today()

    # The form that came with the swap is live too: a second person, still in place.
    form = add_form(visitor)
    form.locator("select[name=user_id]").select_option(str(world.member_id))
    form.locator("select[name=agency_id]").select_option(str(world.state_agency_id))
    form.locator("select[name=role]").select_option("substitute")
    visitor.swap(form.locator("button[type=submit]").click)
    assert page.evaluate("window.__samePage === true")
    expect(current_table(visitor).locator("tbody tr")).to_have_count(3)
    expect(page.locator("#members [role=status]")).to_contain_text(world.member_name)


def test_an_htmx_submission_with_errors_is_shown_in_place(
    visitor: Visitor, world: World, live_db: LiveDB
) -> None:
    visitor.sign_in_as(world.admin_email)
    visitor.visit(group_path(world))
    page = visitor.page
    page.evaluate("window.__samePage = true")
    form = add_form(visitor)
    form.locator("select[name=agency_id]").select_option(str(world.state_agency_id))
    form.locator("input[name=valid_from]").fill("")

    response = visitor.swap(form.locator("button[type=submit]").click)

    assert response.status == 400
    assert page.evaluate("window.__samePage === true")
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(2)  # person and start date
    expect(page.locator("select[name=user_id]")).to_have_attribute("aria-invalid", "true")
    # What was chosen stays chosen.
    expect(add_form(visitor).locator("select[name=agency_id]")).to_have_value(
        str(world.state_agency_id)
    )
    assert membership_of(live_db, world, world.newcomer_id) is None


def test_adding_a_member_works_without_javascript(
    new_visitor, world: World, live_db: LiveDB
) -> None:
    visitor: Visitor = new_visitor(js=False)
    visitor.login(world.admin_email)
    visitor.visit(group_path(world))
    page = visitor.page

    # Without a person the form comes back with errors, at the address it posted to.
    response = visitor.submit(add_form(visitor).locator("button[type=submit]"))
    assert response.status == 400
    expect(page.get_by_role("alert")).to_be_visible()
    # Switching language there returns to a page that exists (not a POST-only address).
    response = visitor.submit(page.locator("header button[name=locale]"))
    assert response.status == 200
    visitor.visit(group_path(world))

    fill_add_form(visitor, world)
    response = visitor.submit(add_form(visitor).locator("button[type=submit]"))

    assert response.request.method == "GET"  # POST, then redirect to the group page
    assert response.url == visitor.url(group_path(world))
    expect(current_table(visitor)).to_contain_text(world.newcomer_name)
    expect(page.locator(".flashes")).to_contain_text(world.newcomer_name)
    assert membership_of(live_db, world, world.newcomer_id) is not None


def test_ending_a_membership_moves_the_person_to_former_members(
    visitor: Visitor, world: World, live_db: LiveDB
) -> None:
    visitor.sign_in_as(world.admin_email)
    visitor.visit(group_path(world))
    page = visitor.page
    expect(page.locator("#former-heading")).to_be_visible()
    expect(former_table(visitor)).to_have_count(0)

    # The last day is inclusive: ended today, the person is still a member today.
    visitor.submit(current_table(visitor).get_by_role("link", name=world.member_name))
    date = page.locator("input[name=valid_to]")
    expect(date).to_have_value(today().isoformat())  # today is suggested
    visitor.submit(page.locator("main form button[type=submit]"))
    assert page.url == visitor.url(group_path(world))
    expect(page.locator(".flashes")).to_contain_text(world.member_name)
    expect(current_table(visitor)).to_contain_text(world.member_name)
    membership = membership_of(live_db, world, world.member_id)
    assert membership is not None
    assert membership.valid_to == today()

    # Ended yesterday, the person is a former member.
    visitor.submit(current_table(visitor).get_by_role("link", name=world.member_name))
    page.locator("input[name=valid_to]").fill((today() - dt.timedelta(days=1)).isoformat())
    visitor.submit(page.locator("main form button[type=submit]"))
    expect(current_table(visitor)).not_to_contain_text(world.member_name)
    expect(former_table(visitor)).to_contain_text(world.member_name)


def test_ending_a_membership_before_it_began_is_refused(visitor: Visitor, world: World) -> None:
    visitor.sign_in_as(world.admin_email)
    visitor.visit(f"{group_path(world)}/members/{world.membership_id}/end")
    page = visitor.page
    page.locator("input[name=valid_to]").fill("2019-12-31")
    response = visitor.submit(page.locator("main form button[type=submit]"))
    assert response.status == 400
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.locator("input[name=valid_to]")).to_have_value("2019-12-31")


def tab_to(visitor: Visitor, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has focus."""
    page = visitor.page
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} was not reached with Tab")


def test_the_add_member_form_works_with_the_keyboard_only(
    visitor: Visitor, world: World, live_db: LiveDB
) -> None:
    visitor.sign_in_as(world.admin_email)
    visitor.visit(group_path(world))
    page = visitor.page

    tab_to(visitor, "select[name=user_id]")
    # Where the keyboard is can be seen.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.type("Nils")  # type-ahead picks the newcomer
    expect(page.locator("select[name=user_id]")).to_have_value(str(world.newcomer_id))
    page.keyboard.press("Tab")
    page.keyboard.type("Hud")
    expect(page.locator("select[name=agency_id]")).to_have_value(str(world.municipality_id))
    tab_to(visitor, "form[aria-labelledby=add-heading] button[type=submit]")
    # The start date was suggested (today); pressing Enter sends the form.
    visitor.swap(lambda: page.keyboard.press("Enter"))

    expect(current_table(visitor)).to_contain_text(world.newcomer_name)
    expect(page.locator("#members [role=status]")).to_be_focused()
    membership = membership_of(live_db, world, world.newcomer_id)
    assert membership is not None
    assert membership.agency_id == world.municipality_id


def test_an_htmx_action_after_the_session_ended_shows_the_sign_in_page(
    visitor: Visitor, world: World, live_db: LiveDB
) -> None:
    visitor.sign_in_as(world.admin_email)
    visitor.visit(group_path(world))
    page = visitor.page
    fill_add_form(visitor, world)
    # Signed out in another tab while this page is open.
    page.evaluate(
        """() => fetch("/logout", {
          method: "POST", body: new FormData(document.querySelector("form[action$=logout]")),
        })"""
    )

    with page.expect_navigation(url="**/login**"):
        add_form(visitor).locator("button[type=submit]").click()
    visitor.check()
    expect(page.locator("main")).to_have_count(1)  # a page, not a page inside a page
    assert membership_of(live_db, world, world.newcomer_id) is None

    # Signing in again returns to the group page, not to the address the form posted to.
    page.locator("input[name=email]").fill(world.admin_email)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    response = visitor.submit(page.locator("main form button[type=submit]"))
    assert response.url == visitor.url(group_path(world))


def test_an_htmx_action_refused_by_csrf_shows_the_error_page(
    visitor: Visitor, world: World, live_db: LiveDB
) -> None:
    visitor.sign_in_as(world.admin_email)
    visitor.visit(group_path(world))
    page = visitor.page
    fill_add_form(visitor, world)
    page.evaluate(
        """() => {
          document.body.setAttribute("data-hx-headers", '{"X-CSRFToken": "stale"}');
          document.querySelector("#members input[name=csrf_token]").value = "stale";
        }"""
    )

    response = visitor.swap(add_form(visitor).locator("button[type=submit]").click)

    assert response.status == 400
    expect(page.locator("main")).to_have_count(1)
    expect(page.locator("header")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).not_to_have_text(world.group_name)
    assert membership_of(live_db, world, world.newcomer_id) is None


def test_an_htmx_request_that_cannot_be_sent_is_announced(visitor: Visitor, world: World) -> None:
    visitor.sign_in_as(world.admin_email)
    visitor.visit(group_path(world))
    page = visitor.page
    fill_add_form(visitor, world)
    page.route("**/members", lambda route: route.abort("internetdisconnected"))

    add_form(visitor).locator("button[type=submit]").click()

    flashes = page.locator(".flashes[role=status]")
    expect(flashes.locator(".flash-error")).to_have_count(1)
    message = page.locator("body").get_attribute("data-send-error")
    assert message
    expect(flashes).to_have_text(message)
    expect(add_form(visitor).locator("button[type=submit]")).to_be_enabled()  # try again
    visitor.check()
