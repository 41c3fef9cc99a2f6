"""The survey in the browser: answer by keyboard only, leave, resume, submit; axe everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.surveys.models import Ballot
from tests import factories
from tests.browser.conftest import LiveDB, Visitor, World

pytestmark = pytest.mark.browser
LINK_RE = re.compile(r"(/survey/[A-Za-z0-9_-]{43})")
SCALE_QUESTIONS = 7


@pytest.fixture
def survey(live_db: LiveDB, world: World) -> Iterator[tuple[str, int]]:
    """An open round for the world's group; yields the member's link and the round id."""

    def build(f: factories.Factory) -> tuple[str, int]:
        import datetime as dt

        from flask import current_app

        from portal.accounts.models import User
        from portal.core.mail import OutboxMessage
        from portal.groups.services import today
        from portal.organisations.models import Association
        from portal.surveys import services
        from portal.surveys.demo import DEMO_FILE
        from portal.surveys.instrument import parse_instrument

        with current_app.test_request_context("/"):
            path = current_app.root_path + "/surveys/" + DEMO_FILE
            with open(path, encoding="utf-8") as handle:
                instrument, _ = services.import_instrument(None, parse_instrument(handle.read()))
            association = f.session.get(Association, world.association_id)
            survey_round = services.create_round(
                None,  # type: ignore[arg-type]
                association,
                services.RoundData(
                    year=today().year, instrument_id=instrument.id, group_ids=[world.group_id],
                    opens_on=today(), closes_on=min(today() + dt.timedelta(days=7),
                                                    dt.date(today().year, 12, 31)),
                    min_answers=3,
                ),
            )  # fmt: skip
            services.open_round(None, survey_round)
        member = f.session.get(User, world.member_id)
        body = f.session.scalar(
            sa.select(OutboxMessage.body_text).where(OutboxMessage.recipient == member.email)
        )
        from portal.core.mail import render_body

        match = LINK_RE.search(render_body(body))  # the outbox holds a marker, not the link
        assert match
        return match.group(1), survey_round.id

    link, round_id = live_db.run(build)
    yield link, round_id
    # Rounds first: the frozen instrument's questions may only go once no opened round uses them.
    with live_db.app.app_context():
        from portal.extensions import db
        from portal.surveys.models import SurveyRound

        db.session.execute(sa.delete(SurveyRound))
        db.session.commit()


def enter(visitor: Visitor, link: str) -> str:
    """Open the link from the mail: its opening page sets the cookie and leads to the
    slot's pages; this returns the slot's address."""
    visitor.visit(link)
    href = visitor.page.locator("main a.button").get_attribute("href")
    assert href is not None
    assert link.rsplit("/", 1)[1] not in href  # from here on the addresses hold no token
    return href.removesuffix("/answers")


def focus_first_radio(visitor: Visitor) -> None:
    page = visitor.page
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == "q1":
            return
    raise AssertionError("the first question cannot be reached with Tab")


def test_answer_by_keyboard_leave_resume_and_submit(new_visitor, survey, live_db: LiveDB) -> None:
    link, round_id = survey
    visitor: Visitor = new_visitor()
    page = visitor.page
    enter(visitor, link)
    expect(page.locator("h1")).to_contain_text("Mysam Hudiksvall")
    # Start by keyboard: the start button is a link; focus it and press Enter.
    page.locator("main a.button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.check()
    focus_first_radio(visitor)
    # Each question: Space chooses the focused option, and saves (htmx) once.
    for index in range(SCALE_QUESTIONS):
        if index:
            page.keyboard.press("Tab")
        visitor.swap(lambda: page.keyboard.press("ArrowRight"))
        if index == 0:
            expect(page.locator("#save-status")).to_contain_text(re.compile("sparade|saved"))
    page.keyboard.press("Tab")
    page.keyboard.type("Bra möten")
    visitor.swap(lambda: page.keyboard.press("Tab"))  # leaving the box saves it

    # Leave, and come back with the link in a new browser: the answers are there.
    later: Visitor = new_visitor()
    slot = enter(later, link)
    later.visit(slot + "/answers")
    expect(later.page.locator("#q1-1")).to_be_checked()
    expect(later.page.locator("textarea[name=q8]")).to_have_value("Bra möten")
    page = later.page
    page.locator("[name=review]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    later.check()
    expect(page.locator("h1")).to_contain_text(re.compile("Granska|Review"))
    page.locator("main form button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    later.check()
    expect(page.locator("h1")).to_contain_text(re.compile("Tack|Thank"))
    # The link now says it has been used.
    later.visit(slot + "/receipt")
    count = live_db.scalar(
        sa.select(sa.func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
    )
    assert count == 1


def test_without_javascript_the_save_button_keeps_the_draft(new_visitor, survey) -> None:
    link, _round_id = survey
    visitor: Visitor = new_visitor(js=False)
    page = visitor.page
    visitor.visit(enter(visitor, link) + "/answers")
    page.locator("#q1-5").check()
    visitor.submit(page.locator("[name=save]"))
    expect(page.locator("#q1-5")).to_be_checked()
    visitor.submit(page.locator("[name=review]"))  # incomplete: every gap is marked
    expect(page.locator("#error-summary")).to_be_visible()
    assert page.locator(".error-summary li").count() == SCALE_QUESTIONS - 1


def test_unknown_link_and_admin_pages_pass_axe(visitor: Visitor, world: World, survey) -> None:
    _link, round_id = survey
    visitor.visit("/survey/" + "x" * 43, status=404)
    visitor.sign_in_as(world.admin_email)
    visitor.visit(f"/a/{world.slug}/surveys")
    visitor.visit(f"/a/{world.slug}/surveys/{round_id}")
    visitor.visit(f"/a/{world.slug}/surveys/new")
