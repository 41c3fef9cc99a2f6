"""Two people edit the same thing: nothing is silently lost, nothing answers 500.

On PostgreSQL with real threads (each request its own connection and transaction),
every editable shared object is saved from two signed-in sessions that both opened
the edit page first:

- *stale*: A saves, then B saves from the page opened before A's save;
- *simultaneous*: A and B post at the same moment (a barrier starts both).

Whatever happens, every save that answered "saved" is in the database afterwards, and
every save that did not answered 409 with the conflict view (what is stored now and
what the person typed). The attendance grid saves only the rows a person changed, so
two people changing different rows both keep their change.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
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
    Plan,
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
from tests.conftest import put_session
from tests.factories import Factory
from tests.html_forms import forms
from tests.support.plans import build_template
from tests.support.surveys import demo_text

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent transactions need PostgreSQL",
)
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


def _build(app: Any) -> World:
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


def _clean(app: Any, world: World) -> None:
    with app.app_context():
        session = db.session
        for model in (SurveyRound, Meeting, Plan, Group):
            session.execute(sa.delete(model).where(model.association_id == world.association_id))
        session.execute(sa.delete(Association).where(Association.id == world.association_id))
        session.execute(sa.delete(User).where(User.id.in_(world.user_ids)))
        session.execute(
            sa.text(
                "DELETE FROM survey_instruments"
                " WHERE id NOT IN (SELECT instrument_id FROM survey_rounds)"
            )
        )
        session.commit()
        session.remove()


@pytest.fixture
def world(app: Any) -> Iterator[World]:
    with app.app_context(), app.test_request_context("/"):
        built = _build(app)
        db.session.remove()
    yield built
    _clean(app, built)


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


@dataclass
class Save:
    """One person's save: what they typed and how the server answered."""

    field: str
    value: str
    status: int = 0
    body: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status < 400


def _client(app: Any, user_id: int) -> Any:
    client = app.test_client()
    put_session(client, user_id)
    return client


def _open(client: Any, spec: Spec, world: World, who: str) -> tuple[str, dict[str, Any], Save]:
    """Open the edit page and fill in this person's change (not sent yet)."""
    page = client.get(spec.page(world))
    assert page.status_code == 200, (spec.page(world), page.status_code)
    action = spec.form(world)
    found = forms(page.get_data(as_text=True))
    form = found.get(action) or found.get(action.split("?")[0]) or found[""]
    data = form.data()
    field, value = spec.edit(world, who)
    if field == "agenda":
        value = f"{data.get('agenda', '')}\n{value}".strip()
    data[field] = value
    return form.action or action, data, Save(field, value)


def _send(client: Any, url: str, data: dict[str, Any], save: Save) -> None:
    response = client.post(url, data=data)
    save.status = response.status_code
    save.body = response.get_data(as_text=True)


def _stored(app: Any, spec: Spec, world: World, field: str) -> str:
    with app.app_context():
        try:
            return spec.stored(world, field)
        finally:
            db.session.remove()


def _check(app: Any, spec: Spec, world: World, saves: list[Save]) -> None:
    """No 5xx; every save that succeeded is stored; every other one is a 409 conflict."""
    if os.environ.get("CONCURRENCY_REPORT"):  # the before/after table of issue 16
        with open(os.environ["CONCURRENCY_REPORT"], "a", encoding="utf-8") as out:
            lost = [s.value for s in saves if s.succeeded]
            kept = [v for v in lost if _stored(app, spec, world, _field_of(saves, v)) == v]
            out.write(f"{[s.status for s in saves]} kept {len(kept)}/{len(lost)}\n")
    assert all(s.status < 500 for s in saves), [(s.status, s.body[-300:]) for s in saves]
    assert any(s.succeeded for s in saves), [s.status for s in saves]
    for save in saves:
        stored = _stored(app, spec, world, save.field)
        if save.succeeded:
            assert stored == save.value, f"a saved change was lost: {save.value!r} → {stored!r}"
        else:
            assert save.status == 409, (save.status, save.body[-500:])
            assert 'class="conflict' in save.body
            if spec.text:
                assert save.value in save.body  # what the person typed is kept
                assert stored in save.body  # next to what is stored now


def _field_of(saves: list[Save], value: str) -> str:
    return next(s.field for s in saves if s.value == value)


@pytest.mark.parametrize("name", list(SPECS))
def test_stale_save(app: Any, world: World, name: str) -> None:
    """A saves; B saves from the page opened before: B's save never undoes A's."""
    spec = SPECS[name]
    a, b = _client(app, world.a), _client(app, world.b)
    url_a, data_a, save_a = _open(a, spec, world, "a")
    url_b, data_b, save_b = _open(b, spec, world, "b")
    _send(a, url_a, data_a, save_a)
    assert save_a.succeeded, (save_a.status, save_a.body[-500:])
    _send(b, url_b, data_b, save_b)
    _check(app, spec, world, [save_a, save_b])


@pytest.mark.parametrize("name", list(SPECS))
def test_simultaneous_save(app: Any, world: World, name: str) -> None:
    """A and B save at the same moment, each on its own connection."""
    spec = SPECS[name]
    clients = {"a": _client(app, world.a), "b": _client(app, world.b)}
    opened = {who: _open(client, spec, world, who) for who, client in clients.items()}
    barrier = threading.Barrier(2)

    def save(who: str) -> None:
        url, data, result = opened[who]
        barrier.wait()
        _send(clients[who], url, data, result)

    threads = [threading.Thread(target=save, args=(who,)) for who in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    _check(app, spec, world, [opened["a"][2], opened["b"][2]])
