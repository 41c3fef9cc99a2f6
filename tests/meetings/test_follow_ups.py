"""Follow-ups in the minutes create or update activities of the group's action plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask_migrate import downgrade, upgrade

from portal.accounts.models import User
from portal.core.audit import AuditEvent
from portal.core.errors import DomainError
from portal.extensions import db
from portal.groups.models import Group
from portal.meetings.models import Meeting, MinutesItem, MinutesItemKind, MinutesStatus
from portal.meetings.services import follow_ups
from portal.meetings.services import minutes as minutes_service
from portal.organisations.models import Association
from portal.plans.models import Activity, ActivityStatus, Plan, PlanChange
from portal.plans.services import items as plan_items
from portal.plans.services import plans as plan_services
from portal.plans.services.templates import current_version
from tests.conftest import post
from tests.support.meetings import MeetingWorld, make_meeting
from tests.support.plans import build_template
from tests.support.sessions import sign_in
from tests.test_migrations import _wipe, migration_app  # noqa: F401  (a fixture)

YEAR = 2025


def user(db_session: Any, world: MeetingWorld, role: str) -> User:
    return db_session.get(User, world.user_ids[role])


def make_plan(db_session: Any, world: MeetingWorld, year: int = YEAR, group_id: int = 0) -> Plan:
    """The group's plan for ``year``, from a freshly published template."""
    association = db_session.get(Association, world.association_id)
    if current_version(association) is None:
        build_template(association)
    group = db_session.get(Group, group_id or world.group_id)
    plan = plan_services.create_plan(None, group, year, plan_services.Source.TEMPLATE)
    db_session.commit()
    return plan


def add_follow_up(
    db_session: Any,
    world: MeetingWorld,
    meeting: Meeting,
    text: str = "Bjud in arbetsförmedlingen till nästa möte",
    due_on: dt.date | None = dt.date(YEAR, 9, 30),
    responsible: str = "",
) -> MinutesItem:
    item = minutes_service.add_item(
        user(db_session, world, "process_leader"),
        meeting,
        minutes_service.ItemData(MinutesItemKind.FOLLOW_UP, text, responsible, due_on),
    )
    db_session.commit()
    return item


def add_activity(db_session: Any, plan: Plan, what: str = "Gemensam utbildning") -> Activity:
    activity = plan_items.add_activity(None, plan, plan_items.ActivityData(what))
    db_session.commit()
    return activity


def minutes_url(world: MeetingWorld, meeting: Meeting) -> str:
    return f"/a/{world.slug}/meetings/{meeting.id}/minutes"


def create_url(world: MeetingWorld, meeting: Meeting, item: MinutesItem) -> str:
    return f"{minutes_url(world, meeting)}/items/{item.id}/activity/new"


def link_url(world: MeetingWorld, meeting: Meeting, item: MinutesItem) -> str:
    return f"{minutes_url(world, meeting)}/items/{item.id}/activity"


def actions(db_session: Any, action: str) -> list[AuditEvent]:
    return list(db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def meeting(db_session: Any, mworld: MeetingWorld) -> Meeting:
    return make_meeting(db_session, mworld, dt.date(YEAR, 3, 11))


@pytest.fixture
def plan(db_session: Any, mworld: MeetingWorld) -> Plan:
    return make_plan(db_session, mworld)


# --- creating an activity -------------------------------------------------------------


def test_a_follow_up_creates_an_activity_in_the_plan(client, mworld, meeting, plan, db_session):
    item = add_follow_up(db_session, mworld, meeting, responsible="maja medlem")
    sign_in(client, mworld, "process_leader")
    page = client.get(minutes_url(mworld, meeting)).get_data(as_text=True)
    assert create_url(mworld, meeting, item) in page
    assert f'for="item-{item.id}-activity_id"' in page

    response = post(client, create_url(mworld, meeting, item))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#follow-up-{item.id}")
    db_session.expire_all()
    item = db_session.get(MinutesItem, item.id)
    activity = item.activity
    assert activity is not None
    assert activity.plan_id == plan.id
    assert activity.what == "Bjud in arbetsförmedlingen till nästa möte"
    assert activity.due_date == dt.date(YEAR, 9, 30)
    assert activity.status is ActivityStatus.NOT_STARTED
    assert activity.responsible_id == mworld.user_ids["member"]  # the name matched the register
    assert [e.object_id for e in actions(db_session, "minutes.follow_up_create")] == [
        item.minutes_id
    ]
    assert actions(db_session, "activity.create")[-1].object_id == activity.id
    changes = db_session.scalars(sa.select(PlanChange).where(PlanChange.plan_id == plan.id))
    assert [c.action for c in changes][-1] == "activity.create"
    page = client.get(minutes_url(mworld, meeting)).get_data(as_text=True)
    assert f"/plans/{plan.id}#activity-{activity.id}" in page


def test_a_due_date_outside_the_plan_year_is_left_out_and_said_so(
    client, mworld, meeting, plan, db_session
):
    item = add_follow_up(db_session, mworld, meeting, due_on=dt.date(YEAR + 1, 2, 1))
    inside = add_follow_up(db_session, mworld, meeting, text="Inom året")
    sign_in(client, mworld, "process_leader")
    page = client.get(minutes_url(mworld, meeting)).get_data(as_text=True)
    # Said before the button is pressed, and tied to the button for screen readers.
    assert f"Slutdatumet 1 feb. {YEAR + 1} ligger utanför planåret {YEAR}" in page
    assert f'aria-describedby="follow-up-{item.id}-title follow-up-{item.id}-due"' in page
    assert f'id="follow-up-{inside.id}-due"' not in page
    after = post(client, create_url(mworld, meeting, item), follow_redirects=True)
    assert "ligger utanför planåret och togs inte med i åtgärden." in after.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(MinutesItem, item.id).activity.due_date is None
    assert db_session.get(MinutesItem, item.id).due_on == dt.date(YEAR + 1, 2, 1)  # kept here


def test_a_shared_name_means_the_group_member_who_has_it(mworld, meeting, plan, db_session, f):
    association = db_session.get(Association, mworld.association_id)
    f.user(association, name="Maja Medlem")  # a namesake outside the group
    db_session.commit()
    item = add_follow_up(db_session, mworld, meeting, responsible="Maja Medlem")
    activity = follow_ups.create_activity(
        user(db_session, mworld, "process_leader"),
        meeting,
        minutes_service.minutes_of(meeting),
        item.id,
    )
    assert activity.responsible_id == mworld.user_ids["member"]


def test_a_long_follow_up_fits_the_activity_title(mworld, meeting, plan, db_session):
    item = add_follow_up(db_session, mworld, meeting, text="ord " * 240)
    activity = follow_ups.create_activity(
        user(db_session, mworld, "process_leader"),
        meeting,
        minutes_service.minutes_of(meeting),
        item.id,
    )
    assert len(activity.what) <= 300
    assert activity.what.endswith("…")


def test_a_linked_follow_up_creates_no_second_activity(mworld, meeting, plan, db_session):
    item = add_follow_up(db_session, mworld, meeting)
    leader = user(db_session, mworld, "process_leader")
    follow_ups.create_activity(leader, meeting, minutes_service.minutes_of(meeting), item.id)
    with pytest.raises(DomainError, match="redan kopplad"):
        follow_ups.create_activity(leader, meeting, minutes_service.minutes_of(meeting), item.id)


def test_a_decision_is_not_a_follow_up(mworld, meeting, plan, db_session):
    item = minutes_service.add_item(
        user(db_session, mworld, "process_leader"),
        meeting,
        minutes_service.ItemData(MinutesItemKind.DECISION, "Beslut"),
    )
    with pytest.raises(DomainError):
        follow_ups.create_activity(
            user(db_session, mworld, "process_leader"),
            meeting,
            minutes_service.minutes_of(meeting),
            item.id,
        )


def test_without_a_plan_for_the_year_a_clear_swedish_error(client, mworld, meeting, db_session):
    make_plan(db_session, mworld, YEAR + 1)  # another year's plan does not count
    item = add_follow_up(db_session, mworld, meeting)
    with pytest.raises(DomainError, match="har ingen handlingsplan för 2025"):
        follow_ups.create_activity(
            user(db_session, mworld, "process_leader"),
            meeting,
            minutes_service.minutes_of(meeting),
            item.id,
        )
    sign_in(client, mworld, "process_leader")
    response = post(client, create_url(mworld, meeting, item))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Mysam Hudiksvall har ingen handlingsplan för 2025" in html
    assert 'role="alert"' in html
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


# --- linking to an existing activity ----------------------------------------------------


def test_a_follow_up_links_to_an_existing_activity_and_updates_it(
    client, mworld, meeting, plan, db_session
):
    activity = add_activity(db_session, plan)
    item = add_follow_up(db_session, mworld, meeting)
    sign_in(client, mworld, "process_leader")
    prefix = f"item-{item.id}-"
    data = {f"{prefix}activity_id": activity.id, f"{prefix}status": "ongoing"}
    data[f"{prefix}outcome"] = "Första träffen hölls"

    assert post(client, link_url(mworld, meeting, item), data).status_code == 302

    db_session.expire_all()
    activity = db_session.get(Activity, activity.id)
    assert db_session.get(MinutesItem, item.id).activity_id == activity.id
    assert activity.status is ActivityStatus.ONGOING
    assert activity.outcome == "Första träffen hölls"
    assert len(actions(db_session, "minutes.follow_up_link")) == 1
    assert actions(db_session, "activity.update")[-1].object_id == activity.id


def test_the_status_is_updated_through_the_link(client, mworld, meeting, plan, db_session):
    activity = add_activity(db_session, plan)
    item = add_follow_up(db_session, mworld, meeting)
    leader = user(db_session, mworld, "process_leader")
    minutes = minutes_service.minutes_of(meeting)
    follow_ups.link_activity(leader, meeting, minutes, item.id, follow_ups.LinkData(activity.id))
    db_session.commit()
    assert activity.status is ActivityStatus.NOT_STARTED  # linking alone changes nothing
    sign_in(client, mworld, "process_leader")
    prefix = f"item-{item.id}-"
    page = client.get(minutes_url(mworld, meeting)).get_data(as_text=True)
    assert "Uppdatera den kopplade åtgärden" in page

    data = {f"{prefix}activity_id": activity.id, f"{prefix}status": "done", f"{prefix}outcome": ""}
    assert post(client, link_url(mworld, meeting, item), data).status_code == 302

    db_session.expire_all()
    activity = db_session.get(Activity, activity.id)
    assert activity.status is ActivityStatus.DONE
    assert activity.outcome == ""
    assert len(actions(db_session, "minutes.follow_up_link")) == 1  # the link did not change
    update = actions(db_session, "activity.update")[-1]
    assert update.after["status"] == "done"


def test_an_activity_of_another_plan_is_refused_and_the_input_kept(
    client, mworld, meeting, plan, db_session
):
    other_plan = make_plan(db_session, mworld, YEAR, group_id=mworld.other_group_id)
    foreign = add_activity(db_session, other_plan, "Ljusdals åtgärd")
    item = add_follow_up(db_session, mworld, meeting)
    sign_in(client, mworld, "process_leader")
    prefix = f"item-{item.id}-"
    data = {f"{prefix}activity_id": foreign.id, f"{prefix}outcome": "Min text"}

    response = post(client, link_url(mworld, meeting, item), data)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Min text" in html
    assert 'aria-invalid="true"' in html
    assert 'role="alert"' in html
    with pytest.raises(DomainError, match="2025"):
        follow_ups.link_activity(
            user(db_session, mworld, "process_leader"),
            meeting,
            minutes_service.minutes_of(meeting),
            item.id,
            follow_ups.LinkData(foreign.id),
        )
    db_session.expire_all()
    assert db_session.get(MinutesItem, item.id).activity_id is None


def test_no_activity_chosen_is_a_form_error(client, mworld, meeting, plan, db_session):
    add_activity(db_session, plan)
    item = add_follow_up(db_session, mworld, meeting)
    sign_in(client, mworld, "process_leader")
    data = {f"item-{item.id}-activity_id": 0, f"item-{item.id}-outcome": "Kvar"}
    response = post(client, link_url(mworld, meeting, item), data)
    assert response.status_code == 400
    assert "Kvar" in response.get_data(as_text=True)


# --- permissions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("process_leader", True),
        ("admin", True),
        ("member", False),
        ("board", False),
        ("other_group_member", False),
        ("registered", False),
        ("other_admin", False),
    ],
)
@pytest.mark.parametrize("action", ["create", "link"])
def test_who_may_link_follow_ups(client, mworld, meeting, plan, db_session, role, allowed, action):
    activity = add_activity(db_session, plan)
    item = add_follow_up(db_session, mworld, meeting)
    sign_in(client, mworld, role)
    if action == "create":
        response = post(client, create_url(mworld, meeting, item))
    else:
        data = {f"item-{item.id}-activity_id": activity.id}
        response = post(client, link_url(mworld, meeting, item), data)
    if allowed:
        assert response.status_code == 302
    elif role == "anonymous":
        assert response.status_code in (302, 404)
        assert "/minutes" not in response.headers.get("Location", "")
    else:
        assert response.status_code == 404
    db_session.expire_all()
    assert (db_session.get(MinutesItem, item.id).activity_id is not None) is allowed


def test_members_see_the_link_but_no_forms(client, mworld, meeting, plan, db_session):
    item = add_follow_up(db_session, mworld, meeting)
    activity = follow_ups.create_activity(
        user(db_session, mworld, "process_leader"),
        meeting,
        minutes_service.minutes_of(meeting),
        item.id,
    )
    db_session.commit()
    sign_in(client, mworld, "member")
    html = client.get(minutes_url(mworld, meeting)).get_data(as_text=True)
    assert f"#activity-{activity.id}" in html
    assert link_url(mworld, meeting, item) not in html


# --- frozen minutes ---------------------------------------------------------------------


def approve(db_session: Any, world: MeetingWorld, meeting: Meeting) -> None:
    leader = user(db_session, world, "process_leader")
    minutes_service.save_revision(leader, meeting, "# Möte\n\nVi träffades.", base=0)
    minutes_service.appoint_adjuster(leader, meeting, world.user_ids["member"])
    minutes_service.submit(leader, meeting)
    minutes_service.approve(user(db_session, world, "member"), meeting)
    db_session.commit()


def test_approved_minutes_are_frozen_until_a_correction(client, mworld, meeting, plan, db_session):
    activity = add_activity(db_session, plan)
    item = add_follow_up(db_session, mworld, meeting)
    approve(db_session, mworld, meeting)
    leader = user(db_session, mworld, "process_leader")
    with pytest.raises(DomainError, match="låsta"):
        follow_ups.create_activity(leader, meeting, minutes_service.minutes_of(meeting), item.id)
    sign_in(client, mworld, "process_leader")
    assert link_url(mworld, meeting, item) not in client.get(minutes_url(mworld, meeting)).text
    data = {f"item-{item.id}-activity_id": activity.id}
    response = post(client, link_url(mworld, meeting, item), data)
    assert response.status_code == 400
    assert "låsta" in response.get_data(as_text=True)
    assert post(client, create_url(mworld, meeting, item)).status_code == 400
    db_session.expire_all()
    assert db_session.get(MinutesItem, item.id).activity_id is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 1

    # A correction opens the minutes again; the link is made as part of it.
    minutes_service.save_revision(
        leader, meeting, "# Möte\n\nVi träffades.\n\nRättelse.", base=1, correction=True
    )
    db_session.commit()
    assert post(client, link_url(mworld, meeting, item), data).status_code == 302
    db_session.expire_all()
    assert db_session.get(MinutesItem, item.id).activity_id == activity.id


def test_minutes_with_the_adjuster_cannot_be_linked(mworld, meeting, plan, db_session):
    item = add_follow_up(db_session, mworld, meeting)
    leader = user(db_session, mworld, "process_leader")
    minutes_service.save_revision(leader, meeting, "Text", base=0)
    minutes_service.appoint_adjuster(leader, meeting, mworld.user_ids["member"])
    minutes_service.submit(leader, meeting)
    minutes = minutes_service.minutes_of(meeting)
    assert minutes.status is MinutesStatus.SUBMITTED
    with pytest.raises(DomainError, match="justeraren"):
        follow_ups.create_activity(leader, meeting, minutes, item.id)


# --- the activity lists its meetings ----------------------------------------------------


def test_the_activity_lists_the_meetings_where_it_was_discussed(
    client, mworld, meeting, plan, db_session
):
    activity = add_activity(db_session, plan)
    later = make_meeting(db_session, mworld, dt.date(YEAR, 6, 10))
    leader = user(db_session, mworld, "process_leader")
    for m in (later, meeting):
        item = add_follow_up(db_session, mworld, m)
        follow_ups.link_activity(
            leader, m, minutes_service.minutes_of(m), item.id, follow_ups.LinkData(activity.id)
        )
    db_session.commit()
    assert [m.id for m in follow_ups.discussed_in([activity.id])[activity.id]] == [
        meeting.id,
        later.id,
    ]

    sign_in(client, mworld, "member")
    html = client.get(f"/a/{mworld.slug}/plans/{plan.id}").get_data(as_text=True)
    assert "Diskuterad på möten" in html
    first = html.index(f'/a/{mworld.slug}/meetings/{meeting.id}"')
    assert first < html.index(f'/a/{mworld.slug}/meetings/{later.id}"')
    single = client.get(f"/a/{mworld.slug}/plans/{plan.id}/activities/{activity.id}").text
    assert f'/a/{mworld.slug}/meetings/{later.id}"' in single

    # The board reads plans but not meetings: the dates, without links.
    sign_in(client, mworld, "board")
    html = client.get(f"/a/{mworld.slug}/plans/{plan.id}").get_data(as_text=True)
    assert "Diskuterad på möten" in html
    assert f'/meetings/{meeting.id}"' not in html


def test_plans_learn_of_the_meetings_only_through_the_signal(
    client, mworld, meeting, plan, db_session
):
    from portal.core import signals
    from portal.meetings.views.common import meetings_of_activities

    activity = add_activity(db_session, plan)
    item = add_follow_up(db_session, mworld, meeting)
    leader = user(db_session, mworld, "process_leader")
    follow_ups.link_activity(
        leader,
        meeting,
        minutes_service.minutes_of(meeting),
        item.id,
        follow_ups.LinkData(activity.id),
    )
    db_session.commit()
    sign_in(client, mworld, "member")
    signals.activities_shown.disconnect(meetings_of_activities)
    try:
        for path in (f"/plans/{plan.id}", f"/plans/{plan.id}/activities/{activity.id}"):
            response = client.get(f"/a/{mworld.slug}{path}")
            assert response.status_code == 200
            assert "Diskuterad på möten" not in response.text
    finally:
        signals.activities_shown.connect(meetings_of_activities, weak=False)


def test_deleting_the_activity_keeps_the_follow_up(mworld, meeting, plan, db_session):
    item = add_follow_up(db_session, mworld, meeting)
    activity = follow_ups.create_activity(
        user(db_session, mworld, "process_leader"),
        meeting,
        minutes_service.minutes_of(meeting),
        item.id,
    )
    db_session.commit()
    plan_items.delete_activity(None, activity)
    db_session.commit()
    db_session.expire_all()
    kept = db_session.get(MinutesItem, item.id)
    assert kept is not None
    assert kept.activity_id is None


def _plan_with_discussed_activities(db_session: Any, world: MeetingWorld, year: int, n: int) -> int:
    plan = make_plan(db_session, world, year)
    m = make_meeting(db_session, world, dt.date(year, 4, 1))
    leader = user(db_session, world, "process_leader")
    for i in range(n):
        activity = plan_items.add_activity(None, plan, plan_items.ActivityData(f"Åtgärd {i}"))
        item = add_follow_up(db_session, world, m, text=f"Uppföljning {i}", due_on=None)
        follow_ups.link_activity(
            leader, m, minutes_service.minutes_of(m), item.id, follow_ups.LinkData(activity.id)
        )
    db_session.commit()
    return plan.id


@pytest.mark.parametrize("viewer", ["process_leader", "member", "board"])
def test_plan_page_query_count_is_constant_with_meetings(
    client, mworld, db_session, count_queries, viewer
):
    small = _plan_with_discussed_activities(db_session, mworld, YEAR, 5)
    large = _plan_with_discussed_activities(db_session, mworld, YEAR + 1, 50)
    sign_in(client, mworld, viewer)
    counts = {}
    for plan_id in (small, large):
        client.get(f"/a/{mworld.slug}/plans/{plan_id}")
        g.pop("_login_user", None)
        g.pop("principals", None)
        with count_queries() as counter:
            response = client.get(f"/a/{mworld.slug}/plans/{plan_id}")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("Diskuterad på möten") == (
            5 if plan_id == small else 50
        )
        counts[plan_id] = counter.count
    assert counts[small] == counts[large], counts
    assert counts[large] <= 25, counts


# --- the migration ----------------------------------------------------------------------


def test_the_migration_adds_and_removes_the_link(migration_app: Flask) -> None:  # noqa: F811
    def columns() -> dict[str, Any]:
        return {c["name"]: c for c in sa.inspect(db.engine).get_columns("minutes_items")}

    def foreign_keys() -> list[dict[str, Any]]:
        return sa.inspect(db.engine).get_foreign_keys("minutes_items")

    with migration_app.app_context():
        _wipe()
        upgrade(revision="meetings0002")
        assert columns()["activity_id"]["nullable"]
        fk = next(f for f in foreign_keys() if f["referred_table"] == "activities")
        assert fk["name"] == "fk_minutes_items_activity_id_activities"
        assert fk["options"].get("ondelete") == "SET NULL"
        indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("minutes_items")}
        assert "ix_minutes_items_activity_id" in indexes

        downgrade(revision="surveys0001")
        assert "activity_id" not in columns()
        assert all(f["referred_table"] != "activities" for f in foreign_keys())

        upgrade()
        assert "activity_id" in columns()
        _wipe()
