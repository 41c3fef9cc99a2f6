"""The platform admin uploads an instrument version, reads the file's problems, uploads it
corrected and publishes it; every page passes axe and the HTML checker."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visitor, World
from tests.support.surveys import demo_text

pytestmark = pytest.mark.browser


def _file(doc: dict[str, object]) -> dict[str, object]:
    body = json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")
    return {"name": "styrelse.json", "mimeType": "application/json", "buffer": body}


def test_upload_correct_and_publish(visitor: Visitor, world: World) -> None:
    visitor.sign_in_as(world.platform_admin_email)
    page = visitor.page
    visitor.visit("/platform/instruments")
    doc = json.loads(demo_text())
    doc.update(code="styrelse-test", version="2027.1", respondent_group="board")
    broken = dict(doc, scales={"exempel-1-7": {"points": 1}})

    page.get_by_label("Svarsgrupp").select_option("board")
    page.get_by_label("Instrumentfil (JSON)").set_input_files(_file(broken))
    refused = visitor.submit(page.get_by_role("button", name="Ladda upp och kontrollera"))
    assert refused.status == 400
    errors = page.locator("#file-errors")
    expect(errors).to_contain_text("/scales/exempel-1-7/points")
    expect(errors).to_contain_text("Rad ")
    expect(page.get_by_label("Svarsgrupp")).to_have_value("board")

    page.get_by_label("Instrumentfil (JSON)").set_input_files(_file(doc))
    visitor.submit(page.get_by_role("button", name="Ladda upp och kontrollera"))
    expect(page.get_by_role("heading", level=1)).to_have_text(doc["title"])
    expect(page.locator("main")).to_contain_text("Inte publicerad")
    visitor.submit(page.get_by_role("button", name="Publicera för alla förbund"))
    expect(page.locator("main")).to_contain_text("alla förbund erbjuds den")
    expect(page.get_by_role("button", name="Publicera för alla förbund")).to_have_count(0)

    visitor.visit("/platform/instruments")
    row = page.get_by_role("row").filter(has_text="styrelse-test")
    expect(row).to_contain_text("Styrelseledamöter")
    expect(row).not_to_contain_text("Inte publicerad")
