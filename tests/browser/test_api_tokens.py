"""An admin creates an API token, copies the secret shown once, and revokes the token."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visitor, World

pytestmark = pytest.mark.browser


def test_create_copy_and_revoke_a_token(visitor: Visitor, world: World) -> None:
    visitor.sign_in_as(world.admin_email)
    page = visitor.page
    visitor.visit(f"/a/{world.slug}/api-tokens/")
    page.get_by_label("Namn (vem som använder token och till vad)").fill("Power BI")
    visitor.submit(page.get_by_role("button", name="Skapa en token"))
    secret_field = page.locator("#new-token")
    expect(secret_field).to_have_attribute("readonly", "")
    secret = secret_field.input_value()
    assert secret.startswith("svp_")
    expect(page.get_by_role("row", name="Power BI")).to_contain_text(secret[:12])

    visitor.visit(f"/a/{world.slug}/api-tokens/")
    assert secret not in page.content()
    visitor.submit(page.get_by_role("button", name="Återkalla Power BI"))
    expect(page.get_by_role("row", name="Power BI")).to_contain_text("Återkallad")
