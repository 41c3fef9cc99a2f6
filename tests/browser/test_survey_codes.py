"""A participant answers with a code from a slip: typed by keyboard, refused neutrally,
and the issuing page; axe on every page, with and without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.surveys.models import Invitation
from tests import factories
from tests.browser.conftest import LiveDB, Visitor, World

pytestmark = pytest.mark.browser


@pytest.fixture
def codes(live_db: LiveDB, world: World) -> Iterator[tuple[list[str], int]]:
    """An open participants' round for the world's group and two codes issued."""

    def build(f: factories.Factory) -> tuple[list[str], int]:
        import datetime as dt
        import secrets

        from flask import current_app

        from portal.groups.services import today
        from portal.organisations.models import Association
        from portal.surveys import crypto, services
        from tests.surveys.codes_helpers import participants_instrument

        with current_app.test_request_context("/"):
            instrument = participants_instrument(f.session)
            association = f.session.get(Association, world.association_id)
            survey_round = services.create_round(
                None,  # type: ignore[arg-type]
                association,
                services.RoundData(
                    year=today().year, respondent_group=instrument.respondent_group,
                    instrument_id=instrument.id, group_ids=[world.group_id],
                    opens_on=today(), closes_on=min(today() + dt.timedelta(days=7),
                                                    dt.date(today().year, 12, 31)),
                    min_answers=3,
                ),
            )  # fmt: skip
            services.open_round(None, survey_round)
            issued = services.issue_codes(
                None, survey_round, world.group_id, 2, secrets.token_hex(8)
            )
        return [crypto.format_code(c) for c in issued.codes], survey_round.id

    yield live_db.run(build)
    with live_db.app.app_context():
        from portal.extensions import db
        from portal.surveys.models import SurveyRound

        db.session.execute(sa.delete(SurveyRound))
        db.session.commit()


@pytest.mark.parametrize("js", [True, False])
def test_a_typed_code_opens_the_survey_and_a_wrong_one_is_refused(
    new_visitor, codes, js: bool
) -> None:
    printed, _round_id = codes
    visitor: Visitor = new_visitor(js=js)
    page = visitor.page
    visitor.visit("/survey/kod")
    page.locator("input[name=code]").fill("ABCD-EFGH-JKMN")
    visitor.submit(page.locator("main form button[type=submit]"))
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("input[name=code]")).to_have_value("ABCD-EFGH-JKMN")  # kept
    page.locator("input[name=code]").fill(printed[0].lower())
    page.locator("input[name=code]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.check()
    expect(page.locator("h1")).to_contain_text("Mysam Hudiksvall")
    expect(page.locator("main a.button")).to_have_attribute("href", re.compile("/survey/s/"))


def test_the_qr_address_and_the_issuing_page_pass_axe(
    visitor: Visitor, world: World, codes, live_db: LiveDB
) -> None:
    printed, round_id = codes
    visitor.visit(f"/survey/kod/{printed[1]}")
    expect(visitor.page.locator("h1")).to_contain_text("Mysam Hudiksvall")
    visitor.visit("/survey/kod/XXXX-XXXX-XXXX", status=404)
    visitor.sign_in_as(world.admin_email)
    visitor.visit(f"/a/{world.slug}/surveys/{round_id}")
    visitor.visit(f"/a/{world.slug}/surveys/{round_id}/codes")
    page = visitor.page
    page.locator("select[name=group_id]").select_option(label="Mysam Hudiksvall")
    page.locator("input[name=count]").fill("3")
    page.locator("input[value=html]").check()
    visitor.submit(page.locator("main form button[type=submit]").first)
    expect(page.locator("table.code-list tbody tr")).to_have_count(3)
    issued = live_db.scalar(
        sa.select(sa.func.count()).select_from(Invitation).where(Invitation.round_id == round_id)
    )
    assert issued == 5
