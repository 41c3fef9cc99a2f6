"""The statements a public body publishes, a register extract and an erasure, in a browser:
every page passes axe and the HTML checker like any other."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visitor, World

pytestmark = pytest.mark.browser


def test_the_statements_are_reached_from_the_footer(visitor: Visitor, world: World) -> None:
    page = visitor.page
    visitor.visit("/login")
    footer = page.locator("footer")
    visitor.submit(footer.get_by_role("link", name="Tillgänglighetsredogörelse"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tillgänglighetsredogörelse")
    expect(page.get_by_role("heading", name="Tillsyn")).to_be_visible()
    visitor.submit(footer.get_by_role("link", name="Så hanterar vi personuppgifter"))
    visitor.submit(page.get_by_role("link", name=world.association_name))
    expect(page.get_by_role("heading", name="Personuppgiftsansvarig")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("90 dagar")


def test_the_platform_admin_writes_the_statements(visitor: Visitor, world: World) -> None:
    visitor.sign_in_as(world.platform_admin_email)
    page = visitor.page
    visitor.visit("/platform/tillganglighet")
    page.get_by_label("Förenlighet med kraven").select_option("partial")
    page.get_by_label("Kända brister").fill("- Diagrammen saknar **textalternativ**.")
    page.get_by_label("Hur du rapporterar brister").fill("Mejla oss.")
    visitor.submit(page.get_by_role("button", name="Spara"))
    expect(page.locator("main")).to_contain_text("Delvis förenlig med kraven")
    expect(page.locator("main strong")).to_have_text("textalternativ")

    visitor.visit(f"/platform/associations/{world.association_id}/integritet")
    page.get_by_label("Information om personuppgiftsbehandling").fill(
        "### Medlemmar\n\n- **Ändamål:** samverkan"
    )
    visitor.submit(page.get_by_role("button", name="Spara"))
    expect(page.get_by_role("heading", name="Medlemmar")).to_be_visible()


def test_an_extract_and_an_erasure(visitor: Visitor, world: World) -> None:
    visitor.sign_in_as(world.platform_admin_email)
    page = visitor.page
    visitor.visit("/platform/people")
    page.get_by_label("Namn eller e-postadress").fill("Maja")
    visitor.submit(page.get_by_role("button", name="Sök"))
    visitor.submit(page.get_by_role("link", name=world.member_name))
    expect(page.get_by_role("table", name="Medlemskap")).to_contain_text(world.group_name)
    expect(page.locator("main")).to_contain_text("Enkätsvar ingår inte")
    refused = visitor.submit(page.get_by_role("link", name="Radera personen"))
    assert refused.status == 409
    expect(page.get_by_role("alert")).to_contain_text("Avsluta medlemskapen")

    visitor.visit(f"/platform/people/{world.newcomer_id}/extract")
    visitor.submit(page.get_by_role("link", name="Radera personen"))
    expect(page.locator("main")).to_contain_text(world.newcomer_name)
    visitor.submit(page.get_by_role("button", name="Radera"))
    expect(page.locator("main")).to_contain_text(f"Person {world.newcomer_id}")
    visitor.visit("/platform/retention")


def test_a_person_reads_their_own_extract(visitor: Visitor, world: World) -> None:
    visitor.sign_in_as(world.admin_email)
    page = visitor.page
    visitor.visit("/account")
    visitor.submit(page.get_by_role("link", name="registerutdrag", exact=False))
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.admin_name)
