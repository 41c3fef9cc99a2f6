"""The world of the edit-conflict tests: one association with something of every kind
a person edits (its plan, meeting, minutes, attendance, survey round, report texts...),
and ``SPECS``, how each is edited and read back. tests/test_concurrent_edits.py saves
each from two sessions; tests/test_missing_versions.py and tests/test_form_fuzz.py post
to the same forms.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.groups.models import Group, Membership
from portal.meetings.models import (
    AttendanceStatus,
    Invitee,
    Meeting,
    MinutesItemKind,
    MinutesRevision,
)
from portal.meetings.services import meetings as meeting_services
from portal.meetings.services import minutes as minutes_service
from portal.organisations.models import Agency, AgencyKind, Association, AssociationRole
from portal.plans.models import (
    Activity,
    FieldKind,
    GoalArea,
    PlanText,
    ResultGoal,
    TemplateField,
)
from portal.plans.models import TemplateSection as Section
from portal.plans.services import goal_areas, items, plans, templates
from portal.reporting.models import ReportAnalysis, ReportDevelopmentArea
from portal.reporting.services import development, texts
from portal.surveys import services as survey_services
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import SurveyRound
from tests.factories import Factory
from tests.support.plans import build_template
from tests.support.surveys import demo_text

YEAR = 2025


@dataclass
class World:
    """Ids of one committed association with one of every editable object."""

    slug: str
    association_id: int
    user_ids: list[int]
    a: int
    b: int
    plan_id: int
    text_key: str
    new_text_key: str
    goal_id: int
    activity_id: int
    meeting_id: int
    rows: list[int]
    area_id: int
    report_area_id: int
    section_id: int
    field_id: int
    group_id: int
    person_id: int
    agency_id: int
    round_id: int
    membership_id: int
    item_id: int


def build_edit_world(app: Any) -> World:
    session = db.session
    f = Factory(session)
    association = f.association()
    municipality = f.agency(association, name="Hudiksvalls kommun")
    fk = f.agency(association, name="Försäkringskassan", kind=AgencyKind.STATE)
    group = f.group(association, name="Mysam Hudiksvall", municipalities=[municipality])
    a = f.admin(association, name="Anna A")
    b = f.admin(association, name="Bertil B")
    for user in (a, b):
        user.is_platform_admin = True
    members = [f.user(association, name=f"Medlem {n}") for n in range(3)]
    seats = [f.membership(group, m, fk) for m in members]
    person = f.user(association, name="Petra Person")
    area = goal_areas.create_goal_area(
        None, association, goal_areas.GoalAreaData(YEAR, "Samverkanskultur")
    )
    version = build_template(association)
    # A second local text field, in a version 2 the plan is made from: its first save
    # is the one raced.
    draft = templates.start_draft(None, association)
    templates.add_field(None, draft.sections[1], templates.FieldData("Lokala mål", FieldKind.TEXT))
    templates.publish(None, draft, "Lokala mål")
    version = draft
    local = [f for f in version.fields() if not f.locked and f.kind is FieldKind.TEXT]
    plan = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    extra = templates.start_draft(None, association)
    section = extra.sections[1]
    field = section.fields[0]
    plans.save_text(None, plan, local[0].key, "Första texten", 0)
    goal = items.add_goal(None, plan, items.GoalData(goal_area_id=area.id, title="Mål"))
    activity = items.add_activity(None, plan, items.ActivityData(what="Åtgärd"))
    meeting = meeting_services.create_meeting(
        None,
        group,
        meeting_services.MeetingData(
            starts_at=meeting_services.local_datetime(dt.date(YEAR, 3, 11), dt.time(9)),
            ends_at=meeting_services.local_datetime(dt.date(YEAR, 3, 11), dt.time(12)),
            place="Kommunhuset",
            agenda=["Öppnande"],
        ),
    )
    session.flush()
    for invitee in meeting.invitees:  # as recorded once: the grid shows every row chosen
        invitee.status = AttendanceStatus.ABSENT
    minutes_service.save_revision(a, meeting, "Första versionen", base=0)
    item = minutes_service.add_item(
        a, meeting, minutes_service.ItemData(MinutesItemKind.FOLLOW_UP, "Bjuda in AF")
    )
    texts.save_analysis(None, association.id, YEAR, "year", "plans", "Analys", 0)
    report_area = development.add_area(
        None, association.id, YEAR, development.AreaData("Område", "Beskrivning")
    )
    instrument, _ = survey_services.import_instrument(None, parse_instrument(demo_text()))
    survey_round = survey_services.create_round(
        a,
        association,
        survey_services.RoundData(
            year=2026,
            instrument_id=instrument.id,
            group_ids=[group.id],
            opens_on=dt.date(2026, 8, 20),
            closes_on=dt.date(2026, 9, 20),
            min_answers=3,
        ),
    )
    session.commit()
    rows = sorted(i.id for i in meeting.invitees)
    return World(
        slug=association.slug,
        association_id=association.id,
        user_ids=[a.id, b.id, person.id, *(m.id for m in members)],
        a=a.id,
        b=b.id,
        plan_id=plan.id,
        text_key=local[0].key,
        new_text_key=local[1].key,
        goal_id=goal.id,
        activity_id=activity.id,
        meeting_id=meeting.id,
        rows=rows,
        area_id=area.id,
        report_area_id=report_area.id,
        section_id=section.id,
        field_id=field.id,
        group_id=group.id,
        person_id=person.id,
        agency_id=municipality.id,
        round_id=survey_round.id,
        membership_id=seats[0].id,
        item_id=item.id,
    )


@dataclass(frozen=True)
class Spec:
    """One editable object: its edit page, its form, and what each person changes.

    ``edit(world, who)`` gives the field and value person ``who`` ("a" or "b") types;
    ``stored(world, field)`` reads that field's value back from the database.
    """

    page: Callable[[World], str]
    form: Callable[[World], str]
    edit: Callable[[World, str], tuple[str, str]]
    stored: Callable[[World, str], str]
    text: bool = True  # the typed value appears verbatim in the conflict view


def _token(who: str) -> str:
    return f"{who.upper()}-{uuid.uuid4().hex[:8]}"


def _get(model: type, ident: int, attr: str) -> Callable[[World, str], str]:
    def read(world: World, _field: str) -> str:
        value = getattr(db.session.get(model, getattr(world, ident)), attr)  # type: ignore[arg-type]
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    return read


def _plan_text(key: str) -> Callable[[World, str], str]:
    def read(world: World, _field: str) -> str:
        stored = db.session.scalar(
            sa.select(PlanText.body).where(
                PlanText.plan_id == world.plan_id, PlanText.field_key == getattr(world, key)
            )
        )
        return stored or ""

    return read


def _newest_minutes(world: World, _field: str) -> str:
    body = db.session.scalar(
        sa.select(MinutesRevision.body)
        .join(MinutesRevision.minutes)
        .where(MinutesRevision.minutes.has(meeting_id=world.meeting_id))
        .order_by(MinutesRevision.number.desc())
        .limit(1)
    )
    return body or ""


def _agenda(world: World, _field: str) -> str:
    meeting = db.session.get(Meeting, world.meeting_id)
    assert meeting is not None
    return "\n".join(i.title for i in meeting.agenda_items)


def _attendance(world: World, field: str) -> str:
    invitee = db.session.get(Invitee, int(field.rsplit("_", 1)[1]))
    assert invitee is not None
    return invitee.status.value if invitee.status else ""


def _text_edit(name: str) -> Callable[[World, str], tuple[str, str]]:
    return lambda _w, who: (name, _token(who))


PLAN = "/a/{w.slug}/plans/{w.plan_id}"
REPORT = "/a/{w.slug}/reports/2025"


def _url(pattern: str) -> Callable[[World], str]:
    return lambda w: pattern.format(w=w)


SPECS: dict[str, Spec] = {
    "plan text, first save": Spec(
        _url(PLAN + "/texts/{w.new_text_key}?mode=edit"),
        _url(PLAN + "/texts/{w.new_text_key}"),
        _text_edit("body"),
        _plan_text("new_text_key"),
    ),
    "plan text": Spec(
        _url(PLAN + "/texts/{w.text_key}?mode=edit"),
        _url(PLAN + "/texts/{w.text_key}"),
        _text_edit("body"),
        _plan_text("text_key"),
    ),
    "result goal": Spec(
        _url(PLAN + "/goals/{w.goal_id}?mode=edit"),
        _url(PLAN + "/goals/{w.goal_id}"),
        _text_edit("outcome"),
        _get(ResultGoal, "goal_id", "outcome"),
    ),
    "activity": Spec(
        _url(PLAN + "/activities/{w.activity_id}?mode=edit"),
        _url(PLAN + "/activities/{w.activity_id}"),
        _text_edit("outcome"),
        _get(Activity, "activity_id", "outcome"),
    ),
    "activity progress": Spec(
        _url(PLAN + "/activities/{w.activity_id}/progress"),
        _url(PLAN + "/activities/{w.activity_id}/progress"),
        _text_edit("outcome"),
        _get(Activity, "activity_id", "outcome"),
    ),
    "goal area": Spec(
        _url("/a/{w.slug}/goal-areas/{w.area_id}/edit"),
        _url("/a/{w.slug}/goal-areas/{w.area_id}/edit"),
        _text_edit("description"),
        _get(GoalArea, "area_id", "description"),
    ),
    "template section": Spec(
        _url("/a/{w.slug}/plan-template/sections/{w.section_id}/edit"),
        _url("/a/{w.slug}/plan-template/sections/{w.section_id}/edit"),
        _text_edit("guidance"),
        _get(Section, "section_id", "guidance"),
    ),
    "template field": Spec(
        _url("/a/{w.slug}/plan-template/fields/{w.field_id}/edit"),
        _url("/a/{w.slug}/plan-template/fields/{w.field_id}/edit"),
        _text_edit("guidance"),
        _get(TemplateField, "field_id", "guidance"),
    ),
    "analysis text": Spec(
        _url(REPORT + "/texts"),
        _url(REPORT + "/year/analysis/plans"),
        _text_edit("body"),
        _get(ReportAnalysis, "association_id", "body"),  # replaced below
    ),
    "development area": Spec(
        _url(REPORT + "/texts"),
        _url(REPORT + "/areas/{w.report_area_id}?period=year"),
        _text_edit("description"),
        _get(ReportDevelopmentArea, "report_area_id", "description"),
    ),
    "meeting and agenda": Spec(
        _url("/a/{w.slug}/meetings/{w.meeting_id}/edit"),
        _url("/a/{w.slug}/meetings/{w.meeting_id}/edit"),
        _text_edit("agenda"),
        _agenda,
    ),
    "minutes": Spec(
        _url("/a/{w.slug}/meetings/{w.meeting_id}/minutes"),
        _url("/a/{w.slug}/meetings/{w.meeting_id}/minutes"),
        _text_edit("body"),
        _newest_minutes,
    ),
    "attendance, other rows": Spec(
        _url("/a/{w.slug}/meetings/{w.meeting_id}/attendance"),
        lambda _w: "#attendance-form",
        lambda w, who: (
            f"status_{w.rows[0 if who == 'a' else 1]}",
            "present" if who == "a" else "excused",
        ),
        _attendance,
        text=False,
    ),
    "attendance, same row": Spec(
        _url("/a/{w.slug}/meetings/{w.meeting_id}/attendance"),
        lambda _w: "#attendance-form",
        lambda w, who: (f"status_{w.rows[0]}", "present" if who == "a" else "excused"),
        _attendance,
        text=False,
    ),
    "group": Spec(
        _url("/a/{w.slug}/groups/{w.group_id}/edit"),
        _url("/a/{w.slug}/groups/{w.group_id}/edit"),
        _text_edit("name"),
        _get(Group, "group_id", "name"),
    ),
    "membership end": Spec(
        _url("/a/{w.slug}/groups/{w.group_id}/members/{w.membership_id}/end"),
        _url("/a/{w.slug}/groups/{w.group_id}/members/{w.membership_id}/end"),
        lambda _w, who: ("valid_to", "2025-06-30" if who == "a" else "2025-03-31"),
        _get(Membership, "membership_id", "valid_to"),
    ),
    "person": Spec(
        _url("/a/{w.slug}/people/{w.person_id}"),
        _url("/a/{w.slug}/people/{w.person_id}"),
        _text_edit("name"),
        _get(User, "person_id", "name"),
    ),
    "person's roles": Spec(
        _url("/a/{w.slug}/people/{w.person_id}"),
        _url("/a/{w.slug}/people/{w.person_id}/roles"),
        lambda _w, who: ("roles", "board" if who == "a" else "admin"),
        lambda w, _field: ",".join(
            sorted(
                r.value
                for r in db.session.scalars(
                    sa.select(AssociationRole.role).where(AssociationRole.user_id == w.person_id)
                )
            )
        ),
        text=False,
    ),
    "agency": Spec(
        _url("/a/{w.slug}/agencies/{w.agency_id}"),
        _url("/a/{w.slug}/agencies/{w.agency_id}"),
        _text_edit("name"),
        _get(Agency, "agency_id", "name"),
    ),
    "association": Spec(
        _url("/platform/associations/{w.association_id}"),
        _url("/platform/associations/{w.association_id}"),
        _text_edit("name"),
        _get(Association, "association_id", "name"),
    ),
    "survey round settings": Spec(
        _url("/a/{w.slug}/surveys/{w.round_id}/edit"),
        _url("/a/{w.slug}/surveys/{w.round_id}/edit"),
        lambda _w, who: ("min_answers", "5" if who == "a" else "7"),
        _get(SurveyRound, "round_id", "min_answers"),
    ),
}


def _analysis(world: World, _field: str) -> str:
    body = db.session.scalar(
        sa.select(ReportAnalysis.body).where(
            ReportAnalysis.association_id == world.association_id,
            ReportAnalysis.section == "plans",
        )
    )
    return body or ""


SPECS["analysis text"] = Spec(
    SPECS["analysis text"].page, SPECS["analysis text"].form, _text_edit("body"), _analysis
)
