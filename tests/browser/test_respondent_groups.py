"""Issue 22 in the browser: a list round prepared through the form (respondent group
first, its instrument versions only), its list refused with line numbers and then
accepted; and a board summary with a section per respondent group. axe everywhere."""

from __future__ import annotations

import pytest
from flask import current_app
from playwright.sync_api import expect

from portal.surveys.models import RespondentGroup
from tests import factories
from tests.browser.conftest import LiveDB, Visitor, World
from tests.support.reporting import ReportWorld
from tests.support.reporting import build_report_world as build_world

pytestmark = pytest.mark.browser


def test_a_staff_round_and_its_list(visitor: Visitor, world: World, live_db: LiveDB) -> None:
    def build(f: factories.Factory) -> int:
        from tests.reporting.test_respondent_groups import _instrument

        with current_app.test_request_context("/"):
            return _instrument(RespondentGroup.STAFF).id

    staff_version = live_db.run(build)
    visitor.sign_in_as(world.admin_email)
    page = visitor.page
    visitor.visit(f"/a/{world.slug}/surveys/new")
    page.get_by_label("Svarsgrupp").select_option("staff")
    visitor.submit(page.get_by_role("button", name="Visa svarsgruppens instrumentversioner"))
    options = page.locator('#round-instrument_id option:not([value=""])')
    expect(options).to_have_count(1)
    assert options.first.get_attribute("value") == str(staff_version)
    page.locator("#round-instrument_id").select_option(str(staff_version))
    visitor.submit(page.get_by_role("button", name="Spara", exact=True))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enkät ")
    expect(page.get_by_role("heading", level=1)).to_contain_text("– Personal i insatserna")
    page.get_by_role("link", name="Ladda upp listan med svarande").click()
    page.wait_for_load_state()
    visitor.check()
    page.get_by_label("Svarande").fill("Anna;anna@example.org\nBo;bo@example\n")
    visitor.submit(page.get_by_role("button", name="Spara listan"))
    expect(page.locator(".error-summary, #error-summary").first).to_be_visible()
    expect(page.get_by_label("Svarande")).to_have_value("Anna;anna@example.org\nBo;bo@example\n")
    expect(page.locator("body")).to_contain_text("Rad 2")
    page.get_by_label("Svarande").fill("Anna;anna@example.org\nBo;bo@example.org\n")
    visitor.submit(page.get_by_role("button", name="Spara listan"))
    expect(page.locator("body")).to_contain_text("2 personer på den uppladdade listan")
    # Another admin replaces the list while this one is editing it: a conflict that
    # keeps what was typed, shows the stored list's first lines and passes axe.
    round_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    page.get_by_role("link", name="Ladda upp listan med svarande").click()
    page.wait_for_load_state()
    visitor.check()
    typed = "Cecilia;cecilia@example.org\n"
    page.get_by_label("Svarande").fill(typed)
    live_db.run(lambda f: _upload_elsewhere(round_id, "Dan;dan@example.org"))
    visitor.submit(page.get_by_role("button", name="Spara listan"))
    expect(page.get_by_role("alert")).to_contain_text("Den sparade listan har nu 1 svarande.")
    expect(page.locator(".conflict")).to_contain_text("Dan;dan@example.org")
    expect(page.get_by_label("Svarande")).to_have_value(typed)
    visitor.assert_all_checked()


def _upload_elsewhere(round_id: int, text: str) -> None:
    """Someone else's upload, from a page opened at the round's current version."""
    from portal.extensions import db
    from portal.surveys.models import SurveyRound
    from portal.surveys.services import lists

    with current_app.test_request_context("/"):
        survey_round = db.session.get(SurveyRound, round_id)
        assert survey_round is not None
        lists.upload_list(None, survey_round, text, survey_round.lock_version)  # type: ignore[arg-type]


def test_the_board_summary_shows_each_respondent_group(visitor: Visitor, live_db: LiveDB) -> None:
    def build(f: factories.Factory) -> ReportWorld:
        from tests.reporting.test_respondent_groups import with_board

        with current_app.test_request_context("/"):
            world = build_world(f, f.session)
            with_board(f.session, world)
            return world

    world = live_db.run(build)
    visitor.sign_in_as(world.emails["board"])
    page = visitor.page
    visitor.visit(f"/a/{world.slug}/reports/2025")
    expect(page.get_by_role("heading", name="Chefer i samverkan", level=3)).to_be_visible()
    expect(page.get_by_role("heading", name="Styrelseledamöter", level=3)).to_be_visible()
    visitor.visit(f"/a/{world.slug}/reports/2025/print")
    visitor.assert_all_checked()
