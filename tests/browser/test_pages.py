"""Every main page passes axe-core, for the people who see it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from portal.core.audit import AuditEvent
from portal.core.mail import MailStatus, OutboxMessage
from portal.groups.models import Group
from tests import factories
from tests.browser.conftest import LiveDB, Visitor, World

pytestmark = pytest.mark.browser


def add_history(live_db: LiveDB, world: World) -> None:
    """Something in the audit log and the outbox, so their tables have rows."""

    def build(f: factories.Factory) -> None:
        f.session.add(
            AuditEvent(
                association_id=world.association_id,
                action="group.update",
                object_type="Group",
                object_id=world.group_id,
                summary=world.group_name,
                before={"name": "Mysam Hudik"},
                after={"name": world.group_name},
            )
        )
        f.session.add_all(
            OutboxMessage(
                association_id=world.association_id,
                recipient=f"{status.value}@example.org",
                subject="Inbjudan",
                body_text="Hej",
                message_id=f"<{status.value}@test>",
                status=status,
                attempts=8 if status is MailStatus.FAILED else 0,
                last_error="Connection refused" if status is MailStatus.FAILED else None,
            )
            for status in MailStatus
        )
        # A membership that starts later, so the group page shows that table too.
        group = f.session.get(Group, world.group_id)
        f.membership(group, valid_from=dt.date(2100, 1, 1))

    live_db.run(build)


def test_an_association_admin_sees_accessible_pages(
    visitor: Visitor, world: World, live_db: LiveDB
) -> None:
    add_history(live_db, world)
    visitor.sign_in_as(world.admin_email)
    a = f"/a/{world.slug}"
    for path in [
        "/",
        f"{a}/",
        f"{a}/agencies",
        f"{a}/agencies/new",
        f"{a}/agencies/{world.municipality_id}",
        f"{a}/people/",
        f"{a}/people/new",
        f"{a}/people/{world.member_id}",
        f"{a}/people/{world.newcomer_id}",  # no memberships: the remove button shows
        f"{a}/groups/{world.group_id}",
        f"{a}/groups/{world.group_id}/edit",
        f"{a}/groups/{world.group_id}/members/{world.membership_id}/end",
        f"{a}/groups/new",
        f"{a}/audit",
        f"{a}/mail",
    ]:
        visitor.visit(path)
    visitor.visit(f"{a}/groups/999999", status=404)
    visitor.visit("/a/no-such-association/", status=404)


def test_a_platform_admin_sees_accessible_pages(
    visitor: Visitor, world: World, live_db: LiveDB
) -> None:
    add_history(live_db, world)
    visitor.sign_in_as(world.platform_admin_email)
    for path in [
        "/platform/associations",
        "/platform/associations/new",
        f"/platform/associations/{world.association_id}",
        "/platform/audit",
        "/platform/mail",
        "/platform/instruments",
    ]:
        visitor.visit(path)


def test_anonymous_pages_are_accessible(visitor: Visitor, world: World) -> None:
    visitor.visit("/login")
    visitor.visit("/password/forgot")
    visitor.visit("/no/such/page", status=404)
    visitor.visit("/password/set/not-a-real-token", status=410)
    expect(visitor.page.get_by_role("heading", level=1)).to_be_visible()


def submit_with_errors(visitor: Visitor, fill: Callable[[], None]) -> None:
    """Fill and send the page's main form; it comes back with errors, focused."""
    page = visitor.page
    fill()
    response = visitor.submit(page.locator("main form:not(.inline) button[type=submit]").first)
    assert response.status == 400
    expect(page.get_by_role("alert")).to_be_focused()


def test_forms_with_errors_are_accessible_and_keep_what_was_typed(
    visitor: Visitor, world: World
) -> None:
    visitor.sign_in_as(world.admin_email)
    page = visitor.page
    a = f"/a/{world.slug}"

    visitor.visit(f"{a}/agencies/new")
    submit_with_errors(visitor, lambda: page.locator("select[name=kind]").select_option("region"))
    expect(page.locator("input[name=name]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("select[name=kind]")).to_have_value("region")
    # The summary links to the field with the error.
    page.get_by_role("alert").get_by_role("link").first.click()
    expect(page.locator("input[name=name]")).to_be_focused()

    visitor.visit(f"{a}/people/new")

    def fill_person() -> None:
        page.locator("input[name=name]").fill("Kalle Karlsson")
        page.locator("input[name=email]").fill("inte en adress")

    submit_with_errors(visitor, fill_person)
    expect(page.locator("input[name=name]")).to_have_value("Kalle Karlsson")
    expect(page.locator("input[name=email]")).to_have_value("inte en adress")
    expect(page.locator("input[name=email]")).to_have_attribute("aria-invalid", "true")

    visitor.visit(f"{a}/groups/new")

    def fill_group() -> None:
        page.locator("input[name=name]").fill("Mysam Nordanstig")

    submit_with_errors(visitor, fill_group)  # no municipality chosen
    expect(page.locator("input[name=name]")).to_have_value("Mysam Nordanstig")
    page.get_by_role("alert").get_by_role("link").first.click()
    expect(page.locator("input[name=municipalities]").first).to_be_focused()


def test_password_forms_with_errors_are_accessible(visitor: Visitor, world: World) -> None:
    page = visitor.page
    visitor.visit("/password/forgot")
    submit_with_errors(visitor, lambda: page.locator("input[name=email]").fill("not-an-address"))
    expect(page.locator("input[name=email]")).to_have_value("not-an-address")


def test_pages_reflow_on_a_narrow_screen(visitor: Visitor, world: World, live_db: LiveDB) -> None:
    """WCAG 1.4.10: at 320 CSS pixels nothing needs scrolling sideways but wide tables,
    which scroll in their own keyboard-reachable region."""
    add_history(live_db, world)
    visitor.sign_in_as(world.admin_email)
    visitor.page.set_viewport_size({"width": 320, "height": 640})
    a = f"/a/{world.slug}"
    for path in [
        f"{a}/",
        f"{a}/people/",
        f"{a}/people/{world.member_id}",
        f"{a}/groups/{world.group_id}",
        f"{a}/audit",
        f"{a}/mail",
    ]:
        visitor.visit(path)
        widths = visitor.page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{path} scrolls sideways: {widths}"
    # Stacked table rows keep their column names.
    visitor.visit(f"{a}/groups/{world.group_id}")
    cell = visitor.page.locator("table[aria-labelledby=current-heading] td[data-label]").first
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label.strip('"').endswith(": ")
