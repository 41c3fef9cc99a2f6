"""Signing in, the skip link and the language switch, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveDB, Visitor, World
from tests.factories import Factory

pytestmark = pytest.mark.browser

WRONG = re.compile(r"e-mail address or password is wrong|e-postadress.*lösenord", re.I)


def test_sign_in_lands_on_the_start_page(visitor: Visitor, world: World) -> None:
    visitor.login(world.admin_email)
    page = visitor.page
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.admin_name)
    expect(page.get_by_role("link", name=world.association_name)).to_be_visible()


def test_a_wrong_password_gets_the_same_announced_error(visitor: Visitor, world: World) -> None:
    visitor.visit("/login")
    page = visitor.page
    # A known address and an unknown one get the same answer.
    for address in (world.admin_email, "unknown@example.org"):
        page.locator("input[name=email]").fill(address)
        page.locator("input[name=password]").fill("not the password")
        response = visitor.submit(page.locator("main form button[type=submit]"))

        assert response.status == 400
        alert = page.get_by_role("alert")
        expect(alert).to_have_text(WRONG)
        expect(alert).to_be_focused()  # portal.js moves focus to the summary
        expect(page.locator("input[name=email]")).to_have_value(address)
        expect(page.locator("input[name=password]")).to_have_value("")


def test_an_empty_sign_in_marks_the_fields(visitor: Visitor, world: World) -> None:
    visitor.visit("/login")
    page = visitor.page
    response = visitor.submit(page.locator("main form button[type=submit]"))

    assert response.status == 400
    expect(page.get_by_role("alert")).to_be_visible()
    for name in ("email", "password"):
        field = page.locator(f"input[name={name}]")
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby")
        assert described
        expect(page.locator(f"#{described}")).not_to_be_empty()


def test_the_skip_link_is_the_first_tab_stop(visitor: Visitor, world: World) -> None:
    visitor.sign_in_as(world.admin_email)
    visitor.visit("/")
    page = visitor.page
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # it shows itself when focused
    visitor.check()  # the focused skip link must pass too (contrast)
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    # The next stop is inside the main content, not back in the header.
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_the_language_switch_goes_to_english_and_back(visitor: Visitor, world: World) -> None:
    visitor.sign_in_as(world.admin_email)
    visitor.visit("/")
    page = visitor.page
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "sv")

    visitor.submit(page.locator("header button[name=locale][value=en]"))
    expect(html).to_have_attribute("lang", "en")
    assert page.url == visitor.url("/")  # the switch returns to the same page
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    expect(page.locator("header button[name=locale]")).to_have_text("Svenska")

    visitor.submit(page.locator("header button[name=locale][value=sv]"))
    expect(html).to_have_attribute("lang", "sv")
    expect(page.locator("header button[name=locale]")).to_have_text("English")


def test_the_language_switch_works_before_signing_in(visitor: Visitor, world: World) -> None:
    visitor.visit("/password/forgot")
    page = visitor.page
    visitor.submit(page.locator("header button[name=locale][value=en]"))
    assert page.url == visitor.url("/password/forgot")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")


def test_the_sign_in_page_with_identity_providers(
    visitor: Visitor, world: World, live_db: LiveDB
) -> None:
    """Each association's provider is a named button; the admin's settings page too."""

    def configure(f: Factory) -> None:
        from portal.accounts.models import OidcProvider
        from portal.accounts.services import oidc

        f._add(
            OidcProvider(
                association_id=world.association_id,
                issuer="https://idp.example.org",
                client_id="portal",
                client_secret=oidc.encrypt_secret("s", "unused-key"),
                button_label="Logga in med Gävle kommun",
            )
        )

    live_db.run(configure)
    visitor.visit("/login")
    page = visitor.page
    expect(page.get_by_role("button", name="Logga in med Gävle kommun")).to_be_visible()
    expect(page.get_by_role("form", name=re.compile("organisation", re.I))).to_be_visible()
    visitor.sign_in_as(world.admin_email)
    visitor.visit(f"/a/{world.slug}/sign-in")
    expect(page.get_by_label(re.compile("Utfärdare|Issuer"))).to_have_value(
        "https://idp.example.org"
    )
