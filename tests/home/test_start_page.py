"""The start page says what needs the signed-in person now, in order, each linked to
where it is done; a survey is named but never linked (its link lives in the mail)."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from portal.core import clock
from portal.core.mail import OutboxMessage
from portal.groups.models import Group
from portal.meetings.models import Answer, Invitee
from portal.plans.models import Plan, PlanStatus
from portal.surveys.models import Invitation
from tests.conftest import post
from tests.home.conftest import add_activities
from tests.support.sessions import sign_in

HEADINGS = [
    "Möten att svara på",
    "Minnesanteckningar att justera",
    "Dina åtgärder som ska vara klara snart eller är försenade",
    "Enkäter du inte har besvarat",
    "Handlingsplaner som väntar på fastställande",
    "Förbundets öppna uppgifter",
]


def start_page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def needs_part(page: str) -> str:
    return page.split('id="needs-heading"', 1)[1].split("</section>", 1)[0]


def shown_headings(page: str) -> list[str]:
    return [h for h in HEADINGS if h in page]


def test_a_member_sees_meeting_minutes_activities_and_survey_in_order(client, hworld):
    w = hworld.base
    sign_in(client, w, "member")
    page = needs_part(start_page(client))
    assert shown_headings(page) == HEADINGS[:4]
    positions = [page.index(h) for h in HEADINGS[:4]]
    assert positions == sorted(positions)
    assert f'href="/a/{w.slug}/meetings/{hworld.upcoming_id}"' in page
    assert f'href="/a/{w.slug}/meetings/{hworld.held_id}/minutes"' in page
    assert "Försenad åtgärd" in page
    assert "Snart klar åtgärd" in page
    assert f'href="/a/{w.slug}/plans/{hworld.plan_id}#activity-' in page
    assert "Avlägsen åtgärd" not in page  # due in 40 days: not yet
    assert "Avklarad åtgärd" not in page  # done
    assert "personliga länken i e-postmeddelandet" in page
    assert "/survey/" not in page  # never the survey's own link


def test_a_process_leader_sees_the_plan_to_adopt(client, hworld):
    sign_in(client, hworld.base, "process_leader")
    page = needs_part(start_page(client))
    assert "Handlingsplaner som väntar på fastställande" in page
    assert f'href="/a/{hworld.base.slug}/plans/{hworld.plan_id}"' in page
    assert "Möten att svara på" in page  # the leader is invited too


def test_an_admin_sees_the_associations_open_tasks(client, hworld):
    w = hworld.base
    sign_in(client, w, "admin")
    page = needs_part(start_page(client))
    assert shown_headings(page) == ["Förbundets öppna uppgifter"]
    year = clock.today().year
    assert f"1 handlingsplan för {year} är inte fastställd" in page
    assert "1 e-postmeddelande kunde inte levereras" in page
    assert f'href="/a/{w.slug}/mail"' in page
    assert f"Enkätomgången {year} stänger" in page


def test_people_with_nothing_to_do_are_told_so(client, hworld):
    for role in ("board", "other_admin", "other_group_member"):
        sign_in(client, hworld.base, role)
        page = needs_part(start_page(client))
        assert "Just nu finns det inget som väntar på dig." in page, role


def test_an_adopted_plan_and_approved_minutes_leave_the_page(client, hworld, db_session):
    for plan in db_session.scalars(sa.select(Plan)):
        plan.status = PlanStatus.ADOPTED
    db_session.commit()
    sign_in(client, hworld.base, "process_leader")
    assert "Handlingsplaner som väntar" not in needs_part(start_page(client))


def test_an_answered_notice_leaves_the_page(client, hworld, db_session):
    """A meeting is on the page until the person says whether they are coming."""
    w = hworld.base
    sign_in(client, w, "member")
    link = f'href="/a/{w.slug}/meetings/{hworld.upcoming_id}"'
    assert link in needs_part(start_page(client))
    seat = db_session.scalars(
        sa.select(Invitee).where(
            Invitee.meeting_id == hworld.upcoming_id, Invitee.user_id == w.user_ids["member"]
        )
    ).one()
    seat.answer = Answer.NOT_COMING
    db_session.commit()
    assert link not in needs_part(start_page(client))


def test_the_survey_link_is_sent_again_to_the_persons_own_address(client, hworld, db_session):
    w = hworld.base
    sign_in(client, w, "member")
    page = start_page(client)
    action = re.search(r'action="(/survey-invitations/\d+/resend)"', page)
    assert action is not None
    before = db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    # Just invited: sending again so soon is refused, and nothing is queued.
    response = post(client, action.group(1), follow_redirects=True)
    assert "skickades för några minuter sedan" in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before

    for invitation in db_session.scalars(sa.select(Invitation)):
        invitation.invited_at -= dt.timedelta(hours=1)
    db_session.commit()
    response = post(client, action.group(1), follow_redirects=True)
    assert f"Länken är på väg till {w.emails['member']}" in response.get_data(as_text=True)
    [mail] = db_session.scalars(
        sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)
    ).all()
    assert mail.recipient == w.emails["member"]
    assert "[survey-link:" in mail.body_text  # the outbox holds a marker, not the link

    sign_in(client, w, "region_member")
    assert post(client, action.group(1)).status_code == 404


def test_the_start_page_costs_the_same_with_more_to_do(client, hworld, db_session, count_queries):
    from tests.test_queries import forget_request_caches

    w = hworld.base
    sign_in(client, w, "member")

    def measure() -> int:
        client.get("/")
        forget_request_caches()
        with count_queries() as counter:
            assert client.get("/").status_code == 200
        return counter.count

    few = measure()
    with client.application.test_request_context("/"):
        add_activities(db_session.get(Group, w.group_id), w.user_ids["member"], clock.today(), 5)
        db_session.commit()
    many = measure()
    page = needs_part(start_page(client))
    assert page.count("Försenad åtgärd") == 6
    assert few == many
    assert many <= 15
