"""The national reference page and the board's texts page pass axe-core, with and
without their forms open, and the analysis saves in place with htmx."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.reporting.models import ReportAnalysis
from tests import factories
from tests.browser.conftest import LiveDB, Visitor, World

pytestmark = pytest.mark.browser
OPEN_ALL = "document.querySelectorAll('details').forEach(d => { d.open = true; })"


def seed(live_db: LiveDB, world: World) -> None:
    def build(f: factories.Factory) -> None:
        from portal.organisations.models import Association
        from portal.reporting.services import development, texts
        from portal.surveys.national import import_national

        association = f.session.get(Association, world.association_id)
        texts.save_analysis(None, association.id, 2025, "year", "survey", "Bättre *än* i fjol.", 0)
        area = development.add_area(
            None, association.id, 2025, development.AreaData("Närvaro", "Alla parter.")
        )
        assert area.id
        import_national(None, "year;question_code;share_positive;respondents\n2025;A1;61,5;4020\n")

    live_db.run(build)


def test_platform_admin_national_page(visitor: Visitor, world: World, live_db: LiveDB) -> None:
    seed(live_db, world)
    visitor.sign_in_as(world.platform_admin_email)
    visitor.visit("/platform/national")
    expect(visitor.page.locator("table caption")).to_contain_text("Nationell referens 2025")


def test_admin_writes_the_analysis_in_place(
    visitor: Visitor, world: World, live_db: LiveDB
) -> None:
    seed(live_db, world)
    visitor.sign_in_as(world.admin_email)
    page = visitor.page
    path = f"/a/{world.slug}/reports/2025/texts"
    visitor.visit(path)
    page.evaluate(OPEN_ALL)
    visitor.check()
    section = page.locator("#analysis-plans")
    section.locator("textarea").fill("Planerna är **konkreta**.")
    visitor.swap(section.get_by_role("button", name="Spara analysen").click)
    expect(page.locator("#analysis-plans strong")).to_have_text("konkreta")
    saved = live_db.scalar(sa.select(ReportAnalysis.body).where(ReportAnalysis.section == "plans"))
    assert saved == "Planerna är **konkreta**."


def test_board_member_reads_the_texts(visitor: Visitor, world: World, live_db: LiveDB) -> None:
    seed(live_db, world)

    def board_member(f: factories.Factory) -> str:
        from portal.organisations.models import Association

        return str(f.board(f.session.get(Association, world.association_id)).email)

    email = live_db.run(board_member)
    visitor.sign_in_as(email)
    visitor.visit(f"/a/{world.slug}/reports/2025/texts")
    expect(visitor.page.locator("#analysis-survey em")).to_have_text("än")
    expect(visitor.page.locator("textarea")).to_have_count(0)
