# ruff: noqa: F811 - ``setup`` is the meeting fixture of test_meetings, used by name
"""The conflict view in the browser: minutes and the attendance grid.

Someone else saves while the page is open; the person's save answers 409 with both
versions, keeps what they typed or chose, passes axe, and the form is reached from the
keyboard so that they can save again. The grid is also saved without JavaScript.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.accounts.models import User
from portal.meetings.models import AttendanceStatus, Invitee, Meeting, MinutesRevision
from portal.meetings.services import attendance
from portal.meetings.services import minutes as minutes_service
from tests.browser.conftest import LiveDB, Visitor
from tests.browser.test_meetings import MeetingSetup, setup  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def _tab_to(page: Page, selector: str, presses: int = 60) -> None:
    """Press Tab until the element has focus: it is reachable from the keyboard."""
    for _ in range(presses):
        if page.evaluate(f"document.activeElement === document.querySelector({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reached with Tab")


def _as_leader(live_db: LiveDB, setup: MeetingSetup, call: object) -> None:
    def run(_f: object) -> None:
        from flask import current_app

        from portal.extensions import db

        with current_app.test_request_context("/"):
            leader = db.session.scalar(sa.select(User).where(User.email == setup.leader_email))
            meeting = db.session.get(Meeting, setup.meeting_id)
            call(leader, meeting)  # type: ignore[operator]

    live_db.run(run)


def test_minutes_conflict_keeps_the_typed_text(new_visitor, setup: MeetingSetup, live_db) -> None:
    leader: Visitor = new_visitor()
    leader.sign_in_as(setup.leader_email)
    url = f"/a/{setup.slug}/meetings/{setup.meeting_id}/minutes"
    leader.visit(url)
    page = leader.page
    page.get_by_role("textbox", name="Minnesanteckningar").fill("# Möte\n\nMin version.")
    # Meanwhile someone else saves the first revision.
    _as_leader(
        live_db, setup, lambda user, meeting: minutes_service.save_revision(
            user, meeting, "# Möte\n\nDeras version.", base=0
        )
    )  # fmt: skip
    response = leader.submit(page.get_by_role("button", name="Spara", exact=True))
    assert response.status == 409
    conflict = page.get_by_role("region", name="Två versioner")
    expect(conflict).to_contain_text("Min version.")
    expect(conflict).to_contain_text("Deras version.")
    box = page.get_by_role("textbox", name="Minnesanteckningar")
    expect(box).to_have_value("# Möte\n\nMin version.")  # nothing typed is lost
    _tab_to(page, "textarea[name=body]")
    page.keyboard.press("Tab")  # the Save button comes next
    expect(page.locator(":focus")).to_have_text("Spara")
    response = leader.submit(page.locator(":focus"))
    assert response.status == 200
    newest = live_db.scalar(
        sa.select(MinutesRevision.body).order_by(MinutesRevision.number.desc()).limit(1)
    )
    assert newest.replace("\r\n", "\n") == "# Möte\n\nMin version."  # saved after reading both


def test_attendance_conflict_with_and_without_javascript(
    new_visitor, setup: MeetingSetup, live_db
) -> None:
    for js in (True, False):
        person: Visitor = new_visitor(js=js)
        person.sign_in_as(setup.leader_email)
        url = f"/a/{setup.slug}/meetings/{setup.meeting_id}/attendance"
        person.visit(url)
        page = person.page
        group = page.get_by_role("group", name="Närvaro för Maja Medlem")
        chosen = "Frånvarande" if js else "Närvarande"
        # Someone else records her (differently) while the page is open.
        _as_leader(
            live_db, setup, lambda user, meeting: attendance.set_statuses(
                user, meeting, {setup.member_invitee_id: AttendanceStatus.EXCUSED}
            )
        )  # fmt: skip
        if js:
            # The row saves on its own: the 409 says so in the row; the choice stays.
            person.swap(group.get_by_label(chosen).check)
            expect(page.locator(f"#row-status-{setup.member_invitee_id}")).to_contain_text(
                "under tiden"
            )
            expect(group.get_by_label(chosen)).to_be_checked()
            person.check()  # the row's out-of-band swaps have all arrived
            # Saving the grid now records the choice (after reading what was stored).
            person.submit(page.get_by_role("button", name="Spara närvaron"))
        else:
            group.get_by_label(chosen).check()
            response = person.submit(page.get_by_role("button", name="Spara närvaron"))
            assert response.status == 409
            expect(page.get_by_role("region", name="Två versioner")).to_contain_text("Maja Medlem")
            expect(
                page.get_by_role("group", name="Närvaro för Maja Medlem").get_by_label(chosen)
            ).to_be_checked()
            _tab_to(page, "button[form=attendance-form]")
            person.submit(page.locator(":focus"))
        status = live_db.scalar(
            sa.select(Invitee.status).where(Invitee.id == setup.member_invitee_id)
        )
        assert status is (AttendanceStatus.ABSENT if js else AttendanceStatus.PRESENT)


def test_a_503_to_an_htmx_request_is_said_next_to_the_form(
    visitor: Visitor, setup: MeetingSetup
) -> None:
    """The database is away when a row saves: the server's message (as the portal sends
    it, see tests/test_database_away.py) shows beside the row; the choice stays."""
    visitor.sign_in_as(setup.leader_email)
    visitor.visit(f"/a/{setup.slug}/meetings/{setup.meeting_id}/attendance")
    page = visitor.page
    message = (
        '<div class="flash flash-error" role="alert" data-unavailable>'
        "<p>Portalen når inte sin databas just nu.</p></div>"
    )
    page.route(
        f"**/attendance/{setup.member_invitee_id}",
        lambda route: route.fulfill(
            status=503, body=message, headers={"Retry-After": "30"}, content_type="text/html"
        ),
    )
    group = page.get_by_role("group", name="Närvaro för Maja Medlem")
    visitor.swap(group.get_by_label("Närvarande").check)
    expect(page.get_by_role("alert")).to_contain_text("når inte sin databas")
    expect(group.get_by_label("Närvarande")).to_be_checked()
    visitor.check()
