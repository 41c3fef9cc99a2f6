"""Meetings in the browser: attendance with htmx, minutes through approval, axe everywhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.meetings.models import AttendanceStatus, Invitee, Minutes, MinutesStatus
from tests import factories
from tests.browser.conftest import LiveDB, Visitor
from tests.support.meeting_group import meeting_group

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class MeetingSetup:
    slug: str
    group_id: int
    meeting_id: int
    leader_email: str
    member_email: str
    member_id: int
    member_invitee_id: int


@pytest.fixture
def setup(live_db: LiveDB) -> MeetingSetup:
    def build(f: factories.Factory) -> MeetingSetup:
        from flask import current_app

        from portal.meetings.services import meetings as services

        g = meeting_group(f)
        association, fk, group = g.association, g.fk, g.group
        leader, member = g.leader, g.member
        other = f.user(association, name="Rolf Region")
        f.membership(group, other, fk)
        with current_app.test_request_context("/"):
            meeting = services.create_meeting(
                None,
                group,
                services.MeetingData(
                    starts_at=services.local_datetime(dt.date(2025, 3, 11), dt.time(9)),
                    ends_at=services.local_datetime(dt.date(2025, 3, 11), dt.time(12)),
                    place="Kommunhuset",
                    agenda=["Öppnande", "Handlingsplanen"],
                ),
            )
        f.session.commit()
        invitee = next(i for i in meeting.invitees if i.user_id == member.id)
        return MeetingSetup(
            slug=association.slug,
            group_id=group.id,
            meeting_id=meeting.id,
            leader_email=leader.email,
            member_email=member.email,
            member_id=member.id,
            member_invitee_id=invitee.id,
        )

    return live_db.run(build)


def test_attendance_minutes_and_approval(new_visitor, setup: MeetingSetup, live_db: LiveDB) -> None:
    leader: Visitor = new_visitor()
    leader.sign_in_as(setup.leader_email)
    leader.visit(f"/a/{setup.slug}/groups/{setup.group_id}/meetings")
    leader.visit(f"/a/{setup.slug}/meetings/{setup.meeting_id}")
    leader.visit(f"/a/{setup.slug}/meetings/{setup.meeting_id}/edit")

    # Attendance: everyone present, then one exception, both without a page load.
    leader.visit(f"/a/{setup.slug}/meetings/{setup.meeting_id}/attendance")
    page = leader.page
    page.evaluate("window.__samePage = true")
    leader.swap(page.get_by_role("button", name="Alla närvarande").click)
    expect(page.locator("#grid .flash")).to_contain_text("3 personer")
    excused = page.get_by_role("group", name="Närvaro för Maja Medlem").get_by_label(
        "Anmält förhinder"
    )
    leader.swap(excused.check)
    expect(page.locator(f"#row-status-{setup.member_invitee_id}")).to_contain_text(
        "Anmält förhinder"
    )
    assert page.evaluate("window.__samePage === true")
    status = live_db.scalar(sa.select(Invitee.status).where(Invitee.id == setup.member_invitee_id))
    assert status is AttendanceStatus.EXCUSED

    # Minutes: write, preview with htmx, save, appoint the adjuster, send for approval.
    leader.visit(f"/a/{setup.slug}/meetings/{setup.meeting_id}/minutes")
    page.get_by_role("textbox", name="Minnesanteckningar").fill("# Möte\n\n**Beslut:** ses i maj.")
    leader.swap(page.get_by_role("button", name="Förhandsgranska").click)
    expect(page.locator("#preview strong")).to_have_text("Beslut:")
    leader.submit(page.get_by_role("button", name="Spara", exact=True))
    page.get_by_role("combobox", name="Justerare", exact=True).select_option(str(setup.member_id))
    leader.submit(page.get_by_role("button", name="Utse"))
    leader.submit(page.get_by_role("button", name="Skicka för justering"))
    expect(page.locator("#minutes-status")).to_have_text("Skickade för justering")
    leader.visit(f"/a/{setup.slug}/groups/{setup.group_id}/statistics")
    leader.visit(f"/a/{setup.slug}/calendar")

    # The adjuster approves.
    adjuster: Visitor = new_visitor()
    adjuster.sign_in_as(setup.member_email)
    adjuster.visit(f"/a/{setup.slug}/meetings/{setup.meeting_id}/minutes")
    adjuster.submit(adjuster.page.get_by_role("button", name="Justera minnesanteckningarna"))
    expect(adjuster.page.locator("#minutes-status")).to_have_text("Justerade")
    adjuster.visit(f"/a/{setup.slug}/meetings/{setup.meeting_id}/minutes/print")
    state = live_db.scalar(sa.select(Minutes.status))
    assert state is MinutesStatus.APPROVED
