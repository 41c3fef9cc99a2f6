"""The browser harness itself: axe-core finds problems, and unchecked pages are noticed."""

from __future__ import annotations

import pytest

from tests.browser.conftest import AccessibilityError, Visitor, World
from tests.browser.pagechecks import PageCheckError

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


def test_ids_names_reflow_and_chart_text_are_checked(visitor: Visitor, world: World) -> None:
    """What axe lets pass: an input that shares its id with a heading before it (its label
    then names the heading, and the input has no name), an id reference to nothing, a
    page wider than 320 px and chart text drawn small."""
    visitor.visit("/login")
    visitor.page.evaluate(
        """() => {
          const main = document.querySelector("main");
          main.insertAdjacentHTML("beforeend", `
            <h2 id="goal-title">Edit the goal</h2>
            <label for="goal-title">Title</label> <input type="text" id="goal-title">
            <label for="missing-field">Lost</label>
            <p aria-describedby="nothing-here">Described</p>
            <div class="wide"></div>
            <svg viewBox="0 0 1000 100" width="200">
              <text x="0" y="50" font-size="12">tiny</text>
            </svg>
          `);
          // 400 px wide whatever the viewport: no inline style (the CSP forbids it).
          main.querySelector(".wide").append(
            Object.assign(document.createElement("canvas"), {width: 400, height: 1})
          );
        }"""
    )
    with pytest.raises(PageCheckError) as failure:
        visitor.check()
    message = str(failure.value)
    assert 'duplicate id "goal-title": <h2 id="goal-title"> and <input>' in message
    assert 'label "Title" for="goal-title" points at <h2 id="goal-title">' in message
    assert 'label "Lost" for="missing-field" points at nothing' in message
    assert 'aria-describedby="nothing-here" points at nothing' in message
    assert 'no accessible name: <input type="text" id="goal-title">' in message
    assert "at 320 px the page is" in message
    assert 'chart text "tiny" at 2.4 px' in message
