"""A fixed small data set for the board summary, with every figure computed by hand.

Association (k = 3), three groups:

- Mysam Alfa: leader + 5 members (Alfa kommun, FK, Region) and a former FK member
  who left 2025-03-31. Meetings 2025-03-11 (5 of 7 present), 2025-05-20 (3 of 6; the
  Region absent), 2025-10-14 (6 of 6). Plan 2025: goal met (50→75, "80 %") and goal
  partly met (1→3, "2"); activities done (konkretiserad) and ongoing.
- Mysam Beta: leader + 3 members. Meeting 2025-02-04 (3 of 4; FK absent). Plan 2025:
  goal not met (50→75, "40") and a goal in words (not assessed); one activity without
  a responsible person (not konkretiserad).
- Mysam Gamma: leader + 1 member; no plan, no meetings.

Survey 2024 and 2025 (closed; every response gives one value to every scale question,
positive from 6): 2025 Alfa [7, 6, 5, 2, 6 (don't know on A2)], Beta [6, 3, 2],
Gamma [7]; 2024 Alfa [6, 2, 2, 1], Beta [7, 7, 1], Gamma [6, 1, 1].
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.groups.models import Group, MembershipRole
from portal.meetings.models import AttendanceStatus, Invitee
from portal.meetings.services import meetings as meeting_services
from portal.organisations.models import AgencyKind
from portal.plans.models import ActivityStatus
from portal.plans.services import goal_areas, items, plans
from portal.surveys import results
from portal.surveys import services as survey_services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import (
    Answer,
    Invitation,
    QuestionKind,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
    TextReview,
)
from portal.surveys.national import NationalReference
from tests.support.plans import build_template
from tests.support.surveys import demo_text

YEAR = 2025
VALUES = {
    2025: {"Mysam Alfa": [7, 6, 5, 2, 6], "Mysam Beta": [6, 3, 2], "Mysam Gamma": [7]},
    2024: {"Mysam Alfa": [6, 2, 2, 1], "Mysam Beta": [7, 7, 1], "Mysam Gamma": [6, 1, 1]},
}
NATIONAL = [(2025, "A1", 0.5), (2025, "A2", 0.4), (2024, "A1", 0.45)]
TEXTS = [  # (group, text, review)
    ("Mysam Alfa", "Vi ringer varandra nu.", TextReview.SHOWN),
    ("Mysam Gamma", "Bra stöd från förbundet.", TextReview.SHOWN),
    ("Mysam Alfa", "Per på kommunen svarar aldrig.", TextReview.WITHHELD),
    ("Mysam Beta", "Ännu inte granskad text.", TextReview.PENDING),
]


@dataclass
class ReportWorld:
    """Plain ids; fetch rows again in tests that need them."""

    slug: str
    association_id: int
    group_ids: dict[str, int]
    user_ids: dict[str, int]
    emails: dict[str, str]


def _meeting(group: Group, day: dt.date, statuses: dict[int, AttendanceStatus]) -> None:
    meeting = meeting_services.create_meeting(
        None,
        group,
        meeting_services.MeetingData(
            starts_at=meeting_services.local_datetime(day, dt.time(9)),
            ends_at=meeting_services.local_datetime(day, dt.time(12)),
            place="Kommunhuset",
            agenda=["Öppnande"],
        ),
    )
    db.session.flush()
    for invitee in db.session.scalars(sa.select(Invitee).where(Invitee.meeting_id == meeting.id)):
        invitee.status = statuses.get(invitee.user_id, AttendanceStatus.PRESENT)
    db.session.flush()


def _plans(world: dict[str, Any], association: Any, leader: Any) -> None:
    kultur, struktur = (
        goal_areas.create_goal_area(None, association, goal_areas.GoalAreaData(YEAR, title))
        for title in ("Kultur", "Struktur")
    )
    build_template(association)
    alfa = plans.create_plan(None, world["Mysam Alfa"], YEAR, plans.Source.TEMPLATE)
    items.add_goal(
        None, alfa, items.GoalData(kultur.id, "Närvaro", "Andel (%)", True, "50", "75", "80 %")
    )
    items.add_goal(
        None, alfa, items.GoalData(struktur.id, "Insatser", "Antal", True, "1", "3", "2")
    )
    items.add_activity(
        None, alfa,
        items.ActivityData("Utbildning", leader.id, None, due_date=dt.date(YEAR, 6, 30),
                           status=ActivityStatus.DONE, outcome="Genomförd."),
    )  # fmt: skip
    items.add_activity(
        None, alfa, items.ActivityData("Kartläggning", status=ActivityStatus.ONGOING)
    )
    beta = plans.create_plan(None, world["Mysam Beta"], YEAR, plans.Source.TEMPLATE)
    items.add_goal(
        None, beta, items.GoalData(kultur.id, "Närvaro", "Andel (%)", True, "50", "75", "40")
    )
    items.add_goal(
        None, beta, items.GoalData(kultur.id, "Samsyn", "Intervjuer", False, "", "Bättre", "Bättre")
    )
    items.add_activity(None, beta, items.ActivityData("Studiebesök"))


def _round(association: Any, instrument: Any, groups: dict[str, Group], year: int) -> None:
    survey_round = SurveyRound(
        association_id=association.id, year=year, instrument_id=instrument.id,
        opens_on=dt.date(year, 8, 15), closes_on=dt.date(year, 9, 30), min_answers=3,
        status=RoundStatus.DRAFT,
    )  # fmt: skip
    survey_round.groups = list(groups.values())
    db.session.add(survey_round)
    db.session.flush()
    for group in groups.values():
        for n, membership in enumerate(m for m in group.memberships if m.valid_to is None):
            db.session.add(
                Invitation(
                    round_id=survey_round.id, group_id=group.id, membership_id=membership.id,
                    agency_kind=membership.agency.kind, token_salt=f"s{year}{group.id}{n}",
                    token_hash=uuid.uuid4().hex, answered=False,
                )
            )  # fmt: skip
    scale = [q for q in instrument.questions if q.kind == QuestionKind.SCALE]
    text_question = next(q for q in instrument.questions if q.kind == QuestionKind.TEXT)
    for name, values in VALUES[year].items():
        for index, value in enumerate(values):
            response = SurveyResponse(id=uuid.uuid4(), round_id=survey_round.id,
                                      group_id=groups[name].id)  # fmt: skip
            for q in scale:
                dont_know = year == 2025 and name == "Mysam Alfa" and index == 4 and q.code == "A2"
                response.answers.append(
                    Answer(question_id=q.id, dont_know=True) if dont_know
                    else Answer(question_id=q.id, value=value)
                )  # fmt: skip
            own = [(text, review) for group_name, text, review in TEXTS if group_name == name]
            if year == 2025 and index < len(own):
                text, review = own[index]
                response.answers.append(
                    Answer(question_id=text_question.id, text=text, review=review)
                )
            db.session.add(response)
    db.session.flush()
    survey_round.status = RoundStatus.CLOSED
    survey_round.opened_at = dt.datetime(year, 8, 15, 6, tzinfo=dt.UTC)
    survey_round.closed_at = dt.datetime(year, 10, 1, 2, tzinfo=dt.UTC)
    db.session.flush()
    db.session.execute(results.totals_insert([survey_round.id]))  # as close_round does


def build_report_world(f: Any, db_session: Any) -> ReportWorld:
    """The data set described at the top of this module, committed."""
    association = f.association()
    other_association = f.association()
    municipality = {n: f.agency(association, name=f"{n} kommun") for n in ("Alfa", "Beta", "Gamma")}
    fk = f.agency(association, name="Försäkringskassan", kind=AgencyKind.STATE)
    region = f.agency(association, name="Region Gävleborg", kind=AgencyKind.REGION)
    groups = {
        f"Mysam {n}": f.group(association, name=f"Mysam {n}", municipalities=[municipality[n]])
        for n in ("Alfa", "Beta", "Gamma")
    }
    alfa, beta, gamma = groups.values()
    people: dict[str, Any] = {}
    people["leader"] = f.user(association, name="Lena Ledare")
    f.membership(alfa, people["leader"], municipality["Alfa"], role=MembershipRole.PROCESS_LEADER)
    for key, agency in (("m1", fk), ("m2", region), ("m3", fk), ("m4", municipality["Alfa"]),
                        ("m5", region)):  # fmt: skip
        people[key] = f.user(association, name=f"Medlem {key}")
        f.membership(alfa, people[key], agency)
    people["former"] = f.user(association, name="Fredrik Förre")
    f.membership(alfa, people["former"], fk, valid_to=dt.date(2025, 3, 31))
    people["leader2"] = f.user(association, name="Bo Beta")
    f.membership(beta, people["leader2"], municipality["Beta"], role=MembershipRole.PROCESS_LEADER)
    for key, agency in (("n1", fk), ("n2", region), ("n3", municipality["Beta"])):
        people[key] = f.user(association, name=f"Medlem {key}")
        f.membership(beta, people[key], agency)
    people["leader3"] = f.user(association, name="Gun Gamma")
    f.membership(
        gamma, people["leader3"], municipality["Gamma"], role=MembershipRole.PROCESS_LEADER
    )
    people["o1"] = f.user(association, name="Medlem o1")
    f.membership(gamma, people["o1"], fk)
    people.update(
        admin=f.admin(association, name="Anna Admin"),
        board=f.board(association, name="Stig Styrelse"),
        registered=f.user(association, name="Rut Registrerad"),
        other_admin=f.admin(other_association),
        other_board=f.board(other_association),
        platform_admin=f.user(platform_admin=True),
    )
    ids = {k: u.id for k, u in people.items()}
    absent, excused = AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED
    _meeting(alfa, dt.date(2025, 3, 11), {ids["former"]: absent, ids["m2"]: excused})
    _meeting(alfa, dt.date(2025, 5, 20), {ids["m3"]: absent, ids["m2"]: absent, ids["m5"]: absent})
    _meeting(alfa, dt.date(2025, 10, 14), {})
    _meeting(beta, dt.date(2025, 2, 4), {ids["n1"]: absent})
    _plans(groups, association, people["leader"])
    instrument, _ = survey_services.import_instrument(None, parse_instrument(demo_text()))
    for group in groups.values():
        db_session.refresh(group)
    for year in (2024, 2025):
        _round(association, instrument, groups, year)
    for year, code, share in NATIONAL:
        db_session.add(NationalReference(year=year, question_code=code, share=share))
    db_session.commit()
    return ReportWorld(
        slug=association.slug,
        association_id=association.id,
        group_ids={name: g.id for name, g in groups.items()},
        user_ids=ids,
        emails={k: u.email for k, u in people.items()},
    )
