"""Documents and the start page in the browser: the upload form (with its error), the
meeting page listing the file, and a member's start page, with axe and the HTML check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.documents.models import Document
from tests import factories
from tests.browser.conftest import LiveDB, Visitor
from tests.support.meeting_group import meeting_group

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass(frozen=True)
class Setup:
    slug: str
    meeting_id: int
    leader_email: str
    member_email: str


@pytest.fixture
def setup(live_db: LiveDB) -> Setup:
    def build(f: factories.Factory) -> Setup:
        from flask import current_app

        from portal.core import clock
        from portal.meetings.services import meetings as services

        g = meeting_group(f)
        association, group = g.association, g.group
        leader, member = g.leader, g.member
        day = clock.today() + dt.timedelta(days=10)
        with current_app.test_request_context("/"):
            meeting = services.create_meeting(
                None,
                group,
                services.MeetingData(
                    starts_at=services.local_datetime(day, dt.time(9)),
                    ends_at=services.local_datetime(day, dt.time(12)),
                    place="Kommunhuset",
                    agenda=["Öppnande", "Handlingsplanen"],
                ),
            )
            services.send_notice(leader, meeting)
        f.session.commit()
        return Setup(association.slug, meeting.id, leader.email, member.email)

    return live_db.run(build)


def test_upload_form_meeting_page_and_start_page(
    new_visitor, setup: Setup, live_db: LiveDB
) -> None:
    leader: Visitor = new_visitor()
    leader.sign_in_as(setup.leader_email)
    leader.visit(f"/a/{setup.slug}/meetings/{setup.meeting_id}")
    page = leader.page
    leader.submit(page.get_by_role("link", name="Bifoga en fil"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bifoga en fil till mötet")

    # A file whose name lies: the form comes back with the error and the title kept.
    page.get_by_label("Rubrik").fill("Dagordning")
    page.get_by_label("Fil", exact=True).set_input_files(
        {"name": "dagordning.pdf", "mimeType": "application/pdf", "buffer": b"<html></html>"}
    )
    leader.submit(page.get_by_role("button", name="Bifoga filen"))
    expect(page.locator("#error-summary")).to_contain_text("innehållet kontrollerades")
    expect(page.get_by_label("Rubrik")).to_have_value("Dagordning")

    page.get_by_label("Fil", exact=True).set_input_files(
        {"name": "dagordning.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    leader.submit(page.get_by_role("button", name="Bifoga filen"))
    expect(page.get_by_role("link", name="Dagordning", exact=True)).to_be_visible()
    assert live_db.scalar(sa.select(sa.func.count()).select_from(Document)) == 1

    member: Visitor = new_visitor()
    member.sign_in_as(setup.member_email)
    member.visit("/")
    expect(member.page.get_by_role("heading", name="Det här väntar på dig")).to_be_visible()
    member.submit(member.page.get_by_role("link", name="Möte i Mysam Hudiksvall", exact=False))
    expect(member.page.get_by_role("link", name="Dagordning", exact=True)).to_be_visible()

    nojs: Visitor = new_visitor(js=False)
    nojs.sign_in_as(setup.leader_email)
    nojs.visit("/")
    nojs.visit(f"/a/{setup.slug}/meetings/{setup.meeting_id}/documents/new")
