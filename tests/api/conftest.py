"""An association with meetings, attendance and a closed survey round, and API tokens.

Built on the survey tests' world (two groups, three agency kinds, k = 3): Mysam Gävle
has four 2025 meetings with recorded attendance and a substitute; the 2026 round has
three responses in Mysam Gävle and one in Mysam Ockelbo, so Ockelbo's cells and their
secondary partners are hidden. A second association has a token of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from portal.accounts.models import User
from portal.api import services as api_services
from portal.groups.models import Group
from portal.meetings.models import AttendanceStatus
from portal.meetings.services import attendance
from portal.meetings.services import meetings as meeting_services
from portal.organisations.models import Association
from portal.plans.models import ActivityStatus
from portal.plans.services import goal_areas, items, plans
from portal.surveys import services as survey_services
from tests.request_context import request_context  # noqa: F401 - autouse here
from tests.support.plans import build_template
from tests.support.surveys import FULL_ANSWERS, SurveyWorld, make_round, submit_as

P, A, E = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED
DAYS = [dt.date(2025, 2, 11), dt.date(2025, 5, 13), dt.date(2025, 9, 9), dt.date(2025, 11, 11)]
# process leader (municipality), member (Försäkringskassan), region member, per meeting
PLAN = [(P, P, P), (P, None, A), (P, P, E), (P, A, P)]
SUBSTITUTE_NAME = "Kim Kollega"


@dataclass
class ApiWorld:
    """The survey world plus the secrets of two tokens (ours and another association's)."""

    world: SurveyWorld
    association_id: int
    other_association_id: int
    secret: str
    other_secret: str
    token_id: int
    people: list[str]

    @property
    def base(self) -> str:
        return f"/api/v1/associations/{self.association_id}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


def record_meetings(db_session: Any, world: SurveyWorld) -> None:
    """Four meetings in 2025 in Mysam Gävle, attendance as in ``PLAN``."""
    group = db_session.get(Group, world.group_id)
    leader = db_session.get(User, world.user_ids["process_leader"])
    roles = ("process_leader", "member", "region_member")
    for day, plan in zip(DAYS, PLAN, strict=True):
        meeting = meeting_services.create_meeting(
            None,
            group,
            meeting_services.MeetingData(
                starts_at=meeting_services.local_datetime(day, dt.time(9)),
                ends_at=meeting_services.local_datetime(day, dt.time(12)),
                place="Kommunhuset",
            ),
        )
        seats = {(i.user_id, i.agency_id): i for i in meeting.invitees}
        for role, status in zip(roles, plan, strict=True):
            invitee = next(i for (uid, _a), i in seats.items() if uid == world.user_ids[role])
            if status is None:
                attendance.add_substitute(
                    leader,
                    meeting,
                    attendance.SubstituteData(invitee.id, None, SUBSTITUTE_NAME, None),
                )
            else:
                attendance.set_statuses(leader, meeting, {invitee.id: status})
    db_session.commit()


def record_plan(db_session: Any, world: SurveyWorld, year: int = 2026) -> None:
    """Mysam Gävle's plan: a goal met, one not assessed; one activity done, one ongoing."""
    association = db_session.get(Association, world.association_id)
    leader = db_session.get(User, world.user_ids["process_leader"])
    area = goal_areas.create_goal_area(None, association, goal_areas.GoalAreaData(year, "Kultur"))
    build_template(association)
    plan = plans.create_plan(
        None, db_session.get(Group, world.group_id), year, plans.Source.TEMPLATE
    )
    items.add_goal(
        None, plan, items.GoalData(area.id, "Närvaro", "Andel (%)", True, "50", "75", "80")
    )
    items.add_goal(None, plan, items.GoalData(area.id, "Samsyn", "Samtal", False, "", "Bättre", ""))
    items.add_activity(
        None,
        plan,
        items.ActivityData(
            "Utbildning",
            leader.id,
            None,
            due_date=dt.date(year, 6, 30),
            status=ActivityStatus.DONE,
        ),
    )
    items.add_activity(
        None, plan, items.ActivityData("Kartläggning", status=ActivityStatus.ONGOING)
    )
    db_session.commit()


@pytest.fixture
def aworld(sworld: SurveyWorld, db_session: Any, f: Any) -> ApiWorld:
    record_meetings(db_session, sworld)
    record_plan(db_session, sworld)
    survey_round = make_round(db_session, sworld, k=3)
    submit_as(db_session, sworld, "member", {**FULL_ANSWERS, "F1": "Bra möten"})
    submit_as(db_session, sworld, "region_member", {**FULL_ANSWERS, "A1": "2", "A2": "dk"})
    submit_as(db_session, sworld, "process_leader", {**FULL_ANSWERS, "A1": "7"})
    submit_as(db_session, sworld, "both", {**FULL_ANSWERS, "A1": "1"}, group="other")
    survey_services.close_round(None, survey_round)
    association = db_session.get(Association, sworld.association_id)
    admin = db_session.get(User, sworld.user_ids["admin"])
    token, secret = api_services.create_token(admin, association, "Power BI")
    other = f.association(name="Samordningsförbundet Annanstans")
    _other_token, other_secret = api_services.create_token(f.admin(other), other, "Annan BI")
    db_session.commit()
    people = [db_session.get(User, uid).name for uid in sworld.user_ids.values()]
    return ApiWorld(
        world=sworld,
        association_id=association.id,
        other_association_id=other.id,
        secret=secret,
        other_secret=other_secret,
        token_id=token.id,
        people=[*people, SUBSTITUTE_NAME],
    )
