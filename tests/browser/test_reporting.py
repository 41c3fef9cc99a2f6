"""A board member reads the summary, opens a chart's table and downloads the xlsx."""

from __future__ import annotations

import io

import pytest
from flask import current_app
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import LiveDB, Visitor
from tests.support.reporting import ReportWorld, build_report_world

pytestmark = pytest.mark.browser


def make_world(live_db: LiveDB) -> ReportWorld:
    def build(f: factories.Factory) -> ReportWorld:
        with current_app.test_request_context("/"):
            return build_report_world(f, f.session)

    return live_db.run(build)


def test_board_member_reads_summary_and_downloads(visitor: Visitor, live_db: LiveDB) -> None:
    world = make_world(live_db)
    visitor.sign_in_as(world.emails["board"])
    page = visitor.page
    visitor.visit(f"/a/{world.slug}/reports/2025")
    expect(page.get_by_role("heading", level=1)).to_have_text("Årssammanställning 2025")
    expect(page.locator('tr[data-code="A1"]')).to_contain_text("56 %")

    # A chart's figures as a table: closed until asked for.
    figure = page.locator("figure.chart-figure").first
    table = figure.locator("details table")
    expect(table).to_be_hidden()
    figure.locator("details summary").click()
    expect(table).to_be_visible()
    expect(table).to_contain_text("2025")
    visitor.check()

    # The workbook: a sheet per table, numbers as numbers.
    with page.expect_download() as info:
        page.get_by_role("link", name="Ladda ner alla tabeller (xlsx)").click()
    path = info.value.path()
    with open(path, "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    assert "Måluppfyllelse per målområde" in book.sheetnames
    assert book["Möten per grupp"]["C2"].value == 3

    # The half year, the print layout and a group's page read as well.
    page.get_by_label("Första halvåret (januari–juni)").check()
    visitor.submit(page.locator("form.period-form button"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Halvårssammanställning 2025")
    visitor.visit(f"/a/{world.slug}/reports/2025/print")
    visitor.visit(f"/a/{world.slug}/groups/{world.group_ids['Mysam Alfa']}/summary/2025")
    visitor.visit(f"/a/{world.slug}/reports/2019")
    visitor.assert_all_checked()
