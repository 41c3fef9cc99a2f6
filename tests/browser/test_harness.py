"""The browser harness itself: axe-core finds problems, and unchecked pages are noticed."""

from __future__ import annotations

import pytest

from tests.browser.conftest import AccessibilityError, Visitor, World

pytestmark = pytest.mark.browser


def test_axe_fails_a_page_with_a_problem(visitor: Visitor, world: World) -> None:
    visitor.visit("/login")
    visitor.page.evaluate(
        """() => {
          const input = document.createElement("input");
          input.type = "text";  // no label
          document.querySelector("main").append(input);
        }"""
    )
    with pytest.raises(AccessibilityError, match=r"\[critical\] label"):
        visitor.check()


def test_axe_checks_pages_shown_without_javascript(new_visitor, world: World) -> None:
    visitor: Visitor = new_visitor(js=False)
    visitor.visit("/login")
    # A copy of the page, broken on purpose, served at the same address.
    visitor.page.route(
        visitor.url("/login"),
        lambda route: route.fulfill(
            content_type="text/html",
            body="<!doctype html><html><title>x</title><main><img src=/x.png></main></html>",
        ),
    )
    visitor.page.goto(visitor.url("/login"))
    with pytest.raises(AccessibilityError) as failure:
        visitor.check()
    assert "image-alt" in str(failure.value)
    assert "html-has-lang" in str(failure.value)


def test_a_page_that_was_never_checked_is_noticed(visitor: Visitor, world: World) -> None:
    visitor.visit("/login")
    visitor.page.goto(visitor.url("/password/forgot"))
    visitor.page.goto(visitor.url("/login"))
    with pytest.raises(AssertionError, match="password/forgot"):
        visitor.assert_all_checked()
    visitor.check()
    visitor.tracker.missed.clear()


def test_what_the_csp_blocks_fails_the_test(visitor: Visitor, world: World) -> None:
    visitor.visit("/login")
    visitor.page.evaluate(
        """() => {
          const div = document.createElement("div");
          div.innerHTML = '<p style="color: red">inline style</p>';
          document.querySelector("main").append(div);
        }"""
    )
    with pytest.raises(AssertionError, match="style-src"):
        visitor.check()
    visitor.csp_violations.clear()
