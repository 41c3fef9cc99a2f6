"""Answering a notice in the browser: by the mailed link, signed out, JavaScript off."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.meetings.models import Answer, AttendanceStatus, Invitee, Substitute
from tests import factories
from tests.browser.conftest import LiveDB, Visitor
from tests.support.meeting_group import meeting_group

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class NoticeSetup:
    slug: str
    meeting_id: int
    invitee_id: int
    link_path: str
    leader_email: str


@pytest.fixture
def setup(live_db: LiveDB) -> NoticeSetup:
    def build(f: factories.Factory) -> NoticeSetup:
        from flask import current_app

        from portal.db import utcnow
        from portal.meetings.services import answer_links
        from portal.meetings.services import meetings as services

        g = meeting_group(f)
        association, group = g.association, g.group
        leader, member = g.leader, g.member
        day = (utcnow() + dt.timedelta(days=20)).date()
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
            invitee = next(i for i in meeting.invitees if i.user_id == member.id)
            url = answer_links.link_url(answer_links.issue_link(invitee))
        return NoticeSetup(
            slug=association.slug,
            meeting_id=meeting.id,
            invitee_id=invitee.id,
            link_path=url[url.index("/a/") :],
            leader_email=leader.email,
        )

    return live_db.run(build)


def test_answering_by_the_link_without_signing_in_and_without_javascript(
    new_visitor, setup: NoticeSetup, live_db: LiveDB
) -> None:
    member: Visitor = new_visitor(js=False)
    member.visit(setup.link_path)
    page = member.page
    expect(page.get_by_role("heading", name="Möte i Mysam Hudiksvall")).to_be_visible()
    page.get_by_label("Nej, jag kan inte komma").check()
    page.get_by_label("Eller ersättarens namn").fill("Sara Vikarie")
    page.get_by_label("Ersättarens e-postadress").fill("inte en adress")
    response = member.submit(page.get_by_role("button", name="Skicka mitt svar"))
    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("giltig e-postadress")
    expect(page.get_by_label("Eller ersättarens namn")).to_have_value("Sara Vikarie")
    expect(page.get_by_label("Nej, jag kan inte komma")).to_be_checked()
    assert live_db.scalar(sa.select(Invitee.answer).where(Invitee.id == setup.invitee_id)) is None

    page.get_by_label("Ersättarens e-postadress").fill("sara.vikarie@fk.se")
    response = member.submit(page.get_by_role("button", name="Skicka mitt svar"))
    assert response.status == 200
    expect(page.get_by_role("status")).to_contain_text("Tack, ditt svar är sparat.")
    assert (
        live_db.scalar(sa.select(Invitee.answer).where(Invitee.id == setup.invitee_id))
        is Answer.NOT_COMING
    )
    assert (
        live_db.scalar(sa.select(Invitee.status).where(Invitee.id == setup.invitee_id))
        is AttendanceStatus.EXCUSED
    )
    assert (
        live_db.scalar(sa.select(Substitute.email).where(Substitute.invitee_id == setup.invitee_id))
        == "sara.vikarie@fk.se"
    )

    leader: Visitor = new_visitor()
    leader.sign_in_as(setup.leader_email)
    leader.visit(f"/a/{setup.slug}/meetings/{setup.meeting_id}")
    expect(leader.page.get_by_text("1 person har inte svarat på kallelsen.")).to_be_visible()
    row = leader.page.get_by_role("row").filter(has_text="Maja Medlem")
    expect(row).to_contain_text("Kommer inte")
    expect(row).to_contain_text("Sara Vikarie")
    leader.visit(f"/a/{setup.slug}/meetings/{setup.meeting_id}/attendance")
    expect(leader.page.get_by_role("row").filter(has_text="Maja Medlem")).to_contain_text(
        "Sara Vikarie"
    )


def test_an_unusable_link_says_so(new_visitor, setup: NoticeSetup) -> None:
    visitor: Visitor = new_visitor(js=False)
    visitor.visit(setup.link_path[:-2] + "00", status=404)
    expect(visitor.page.get_by_role("heading", name="Länken kan inte användas")).to_be_visible()
