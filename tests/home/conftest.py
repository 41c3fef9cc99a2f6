"""A group where something needs each kind of person: a meeting coming up, minutes sent
for approval, activities due, a plan not adopted, mail that failed, an open survey."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from portal.core import clock
from portal.core.mail import MailStatus, queue_mail
from portal.extensions import db
from portal.groups.models import Group
from portal.meetings.services import meetings as meeting_services
from portal.meetings.services import minutes
from portal.plans.models import ActivityStatus, Plan
from portal.plans.services import items, plans
from portal.surveys import services as survey_services
from portal.surveys.instrument import parse_instrument
from tests.request_context import request_context  # noqa: F401 - autouse here
from tests.support.meetings import MeetingWorld, make_meeting
from tests.support.plans import build_template
from tests.support.surveys import demo_text, round_window


@dataclass
class HomeWorld:
    """The meetings' world plus the ids of what needs someone."""

    base: MeetingWorld
    upcoming_id: int
    held_id: int
    plan_id: int
    invitation_owner: str = "member"


def user(role: str, world: MeetingWorld) -> Any:
    from portal.accounts.models import User

    return db.session.get(User, world.user_ids[role])


def plan_of_year(group: Group, year: int) -> Any:
    """The group's plan for ``year``, made from the template when it has none."""
    found = db.session.scalar(sa.select(Plan).where(Plan.group_id == group.id, Plan.year == year))
    return found or plans.create_plan(None, group, year, plans.Source.TEMPLATE)


def add_activities(group: Group, responsible_id: int, today: dt.date, n: int = 1) -> None:
    """Per round: overdue, due in 10 days, due in 40 days (not yet), done (never); each in
    the plan of its due date's year (a date in a plan must fall within its year)."""
    for k in range(n):
        for what, days, status in (
            ("Försenad åtgärd", -3, ActivityStatus.ONGOING),
            ("Snart klar åtgärd", 10, ActivityStatus.NOT_STARTED),
            ("Avlägsen åtgärd", 40, ActivityStatus.NOT_STARTED),
            ("Avklarad åtgärd", -3, ActivityStatus.DONE),
        ):
            due = today + dt.timedelta(days=days)
            items.add_activity(
                None,
                plan_of_year(group, due.year),
                items.ActivityData(
                    f"{what} {k}" if k else what,
                    responsible_id,
                    due_date=due,
                    status=status,
                ),
            )


@pytest.fixture
def hworld(app, f, db_session, mworld) -> HomeWorld:
    today = clock.today()
    with app.test_request_context("/"):
        leader = user("process_leader", mworld)
        upcoming = make_meeting(db_session, mworld, today + dt.timedelta(days=10))
        meeting_services.send_notice(leader, upcoming)
        held = make_meeting(db_session, mworld, today - dt.timedelta(days=5))
        minutes.save_revision(leader, held, "# Minnesanteckningar\n\nBra möte.", base=0)
        minutes.appoint_adjuster(leader, held, mworld.user_ids["member"])
        minutes.submit(leader, held)
        group = db.session.get(Group, mworld.group_id)
        association = group.association
        build_template(association)
        plan = plan_of_year(group, today.year)
        add_activities(group, mworld.user_ids["member"], today)
        failed = queue_mail(
            recipient="fel@example.org", subject="x", body="x", association_id=association.id
        )
        failed.status = MailStatus.FAILED
        opens_on, closes_on = round_window(today.year, today)
        instrument, _ = survey_services.import_instrument(None, parse_instrument(demo_text()))
        survey_round = survey_services.create_round(
            user("admin", mworld),
            association,
            survey_services.RoundData(
                year=today.year,
                instrument_id=instrument.id,
                group_ids=[group.id],
                opens_on=opens_on,
                closes_on=closes_on,
                min_answers=3,
            ),
        )
        survey_services.open_round(user("admin", mworld), survey_round)
        db_session.commit()
    return HomeWorld(mworld, upcoming.id, held.id, plan.id)
