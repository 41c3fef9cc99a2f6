"""The national compilation, its tokens, the platform's role page and an association's
naming choice, in a browser: every page passes axe and the HTML checker."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveDB, Visitor, World

pytestmark = pytest.mark.browser

ANSWERS = [
    {"A1": [7, 6, 2, 5], "A2": [6, 6, 6, None]},
    {"A1": [7, 7, 7], "A2": [1, 2, 3]},
    {"A1": [6, 1, 1, 1, 7], "A2": [7, 7, None, 7]},
]


def _compilation(live_db: LiveDB) -> str:
    """Three associations with closed 2025 rounds, and a national network account."""

    def build(f):  # type: ignore[no-untyped-def]
        from portal.extensions import db
        from portal.surveys import services
        from portal.surveys.instrument import parse_instrument
        from tests.reporting.test_national import DEMO_FILE, closed_round

        instrument, _outcome = services.import_instrument(
            None, parse_instrument(DEMO_FILE.read_text(encoding="utf-8"))
        )
        for answers in ANSWERS:
            closed_round(f, db.session, instrument, answers)
        user = f.user(name="Nina Nätverk")
        user.is_national_network = True
        return user.email

    return live_db.run(build)


def test_the_network_reads_its_compilation_and_makes_a_token(
    visitor: Visitor, live_db: LiveDB
) -> None:
    email = _compilation(live_db)
    visitor.sign_in_as(email)
    page = visitor.page
    visitor.visit("/national")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nationell sammanställning")
    expect(
        page.get_by_role("table", name="Andel klart positiva i hela installationen")
    ).to_contain_text("A1")
    page.get_by_label("Svarsgrupp").select_option("managers")
    visitor.submit(page.get_by_role("button", name="Visa"))
    expect(page.get_by_role("table", name="Andel klart positiva per förbund")).to_be_visible()
    visitor.submit(page.get_by_role("link", name="API-token för den nationella sammanställningen"))
    page.get_by_label("Namn", exact=False).fill("Rapportverktyg")
    visitor.submit(page.get_by_role("button", name="Skapa en token"))
    expect(page.locator("#new-token")).to_have_value(re.compile(r"^svp_"))


def test_the_platform_admin_gives_the_role(visitor: Visitor, world: World) -> None:
    visitor.sign_in_as(world.platform_admin_email)
    page = visitor.page
    visitor.visit("/platform/national-network")
    page.get_by_label("E-postadress").fill(world.admin_email)
    visitor.submit(page.get_by_role("button", name="Ge rollen"))
    expect(page.get_by_role("table")).to_contain_text(world.admin_name)


def test_the_admin_declines_being_named(visitor: Visitor, world: World) -> None:
    visitor.sign_in_as(world.admin_email)
    page = visitor.page
    visitor.visit(f"/a/{world.slug}/national")
    page.get_by_label("Visa vårt förbund med namn", exact=False).uncheck()
    visitor.submit(page.get_by_role("button", name="Spara"))
    expect(page.get_by_label("Visa vårt förbund med namn", exact=False)).not_to_be_checked()
