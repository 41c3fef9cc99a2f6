"""Plans: one per group and year, from the template or last year's plan; goals, activities,
adoption and what happens after it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.errors import DomainError
from portal.core.numbers import parse_number
from portal.groups.models import Group
from portal.plans.models import ActivityStatus, Plan, PlanChange, PlanStatus
from portal.plans.services import items, plans
from tests.conftest import post
from tests.support.plans import YEAR, due
from tests.support.sessions import sign_in


@pytest.fixture
def plan(pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    made = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    db_session.commit()
    return made


def goal_data(pworld, **kw):
    values = {"goal_area_id": pworld.area_ids[0], "title": "Fler parter på mötena"}
    values.update(kw)
    return items.GoalData(**values)


def test_a_plan_follows_the_current_template_version(plan, pworld):
    assert plan.template_version_id == pworld.version_id
    assert plan.status is PlanStatus.DRAFT


def test_a_second_plan_for_the_same_group_and_year_is_refused(plan, pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    with pytest.raises(DomainError) as error:
        plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    assert error.value.field == "year"


def test_the_database_allows_one_plan_per_group_and_year(plan, db_session):
    with pytest.raises(sa.exc.IntegrityError), db_session.begin_nested():  # noqa: PT012
        db_session.add(
            Plan(
                association_id=plan.association_id,
                group_id=plan.group_id,
                year=plan.year,
                template_version_id=plan.template_version_id,
            )
        )
        db_session.flush()


def test_the_page_refuses_a_second_plan_keeping_the_form(client, plan, pworld):
    sign_in(client, pworld, "process_leader")
    url = f"/a/{pworld.slug}/groups/{pworld.group_id}/plans"
    response = post(client, url, {"year": YEAR, "source": "template"}, token_page=url)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in body
    assert f'value="{YEAR}"' in body


def test_the_process_leader_creates_a_plan_through_the_page(client, pworld, db_session):
    sign_in(client, pworld, "process_leader")
    url = f"/a/{pworld.slug}/groups/{pworld.group_id}/plans"
    response = post(client, url, {"year": YEAR, "source": "template"}, token_page=url)
    assert response.status_code == 302
    made = db_session.scalar(sa.select(Plan).where(Plan.group_id == pworld.group_id))
    assert made.year == YEAR
    assert client.get(response.headers["Location"]).status_code == 200


def test_from_last_years_plan_carries_unfinished_activities_and_development_areas(
    plan, pworld, db_session
):
    key = plan.template_version.sections[1].fields[0].key
    plans.save_text(None, plan, key, "Vi är en liten ort.", 0)
    for status in ActivityStatus:
        items.add_activity(
            None, plan, items.ActivityData(f"Åtgärd {status.value}", due_date=due(), status=status)
        )
    items.add_development_area(None, plan, "Brukarmedverkan")
    group = db_session.get(Group, pworld.group_id)
    following = plans.create_plan(None, group, YEAR + 1, plans.Source.PREVIOUS)
    assert sorted(a.what for a in following.activities) == [
        "Åtgärd not_started",
        "Åtgärd ongoing",
    ]
    assert all(a.due_date is None and a.carried_from_id for a in following.activities)
    assert [d.title for d in following.development_areas] == ["Brukarmedverkan"]
    assert following.text_for(key).body == "Vi är en liten ort."


def test_from_last_year_needs_last_years_plan(pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    with pytest.raises(DomainError) as error:
        plans.create_plan(None, group, YEAR, plans.Source.PREVIOUS)
    assert error.value.field == "source"


def test_a_goal_belongs_to_a_goal_area_of_the_plan_year(plan, pworld, db_session):
    with pytest.raises(DomainError) as error:
        items.add_goal(None, plan, goal_data(pworld, goal_area_id=None))
    assert error.value.field == "goal_area_id"
    next_year_area = db_session.scalar(
        sa.text("SELECT id FROM goal_areas WHERE year = :y"), {"y": YEAR + 1}
    )
    with pytest.raises(DomainError):
        items.add_goal(None, plan, goal_data(pworld, goal_area_id=next_year_area))


@pytest.mark.parametrize("target", ["många", "10 st", "1,2,3"])
def test_a_numeric_indicator_needs_a_number_as_target(plan, pworld, target):
    with pytest.raises(DomainError) as error:
        items.add_goal(
            None, plan, goal_data(pworld, indicator="Andel", numeric=True, target=target)
        )
    assert error.value.field == "target"


@pytest.mark.parametrize(
    ("text", "number"), [("40", 40), ("12,5", 12.5), ("12.5", 12.5), ("75 %", 75), ("1 000", 1000)]
)
def test_numbers_are_read_the_swedish_way_too(text, number):
    assert parse_number(text) == pytest.approx(number)


def test_a_due_date_outside_the_plan_year_is_refused(plan):
    with pytest.raises(DomainError) as error:
        items.add_activity(
            None, plan, items.ActivityData("Utbildning", due_date=dt.date(YEAR + 1, 1, 1))
        )
    assert error.value.field == "due_date"


def test_adoption_is_refused_with_the_list_of_what_is_missing(plan, pworld):
    items.add_goal(None, plan, goal_data(pworld, title="Utan indikator", target="10"))
    items.add_goal(None, plan, goal_data(pworld, title="Utan mål", indicator="Antal"))
    with pytest.raises(DomainError) as error:
        plans.adopt(None, plan)
    missing = plans.missing_for_adoption(plan)
    assert len(missing) == 2
    assert "Utan indikator" in missing[0]
    assert "Utan mål" in missing[1]
    assert "Utan indikator" in error.value.message
    assert plan.status is PlanStatus.DRAFT


def test_a_plan_without_goals_cannot_be_adopted(plan):
    assert plans.missing_for_adoption(plan)


def test_after_adoption_changes_are_revisions_with_history(plan, pworld, db_session):
    leader = db_session.get(Group, pworld.group_id).memberships[0].user
    goal = items.add_goal(None, plan, goal_data(pworld, indicator="Antal möten", target="4"))
    plans.adopt(leader, plan)
    assert plan.status is PlanStatus.ADOPTED
    with pytest.raises(DomainError):
        plans.adopt(leader, plan)
    items.update_goal(
        leader, goal, goal_data(pworld, indicator="Antal möten", target="5"), goal.lock_version
    )
    assert plan.status is PlanStatus.REVISED
    last = plans.history(plan)[0]
    assert last.action == "goal.update"
    assert last.after_adoption
    assert last.before["target"] == "4"
    assert last.after["target"] == "5"
    assert last.actor_id == leader.id
    plans.adopt(leader, plan)
    assert plan.status is PlanStatus.ADOPTED
    events = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.association_id == pworld.association_id)
    ).all()
    assert {"plan.create", "goal.create", "plan.adopt", "goal.update"} <= set(events)


def test_the_page_refuses_adoption_listing_what_is_missing(client, plan, pworld):
    items.add_goal(None, plan, goal_data(pworld, title="Saknar allt"))
    sign_in(client, pworld, "process_leader")
    url = f"/a/{pworld.slug}/plans/{plan.id}"
    response = post(client, f"{url}/adopt", token_page=url)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in body
    assert body.count("Saknar allt") >= 3  # the goal, and the two things it lacks


def test_the_page_adopts_a_complete_plan_and_shows_the_history(client, plan, pworld, db_session):
    items.add_goal(None, plan, goal_data(pworld, indicator="Antal", target="4"))
    db_session.commit()
    sign_in(client, pworld, "process_leader")
    url = f"/a/{pworld.slug}/plans/{plan.id}"
    assert post(client, f"{url}/adopt", token_page=url).status_code == 302
    db_session.refresh(plan)
    assert plan.status is PlanStatus.ADOPTED
    body = client.get(url).get_data(as_text=True)
    assert "Lena Ledare" in body  # who adopted it, in the history
    changes = db_session.scalars(sa.select(PlanChange).where(PlanChange.plan_id == plan.id)).all()
    assert [c.action for c in changes][-1] == "plan.adopt"


def test_locked_text_cannot_be_saved_by_the_group(plan):
    locked = plan.template_version.sections[0].fields[0]
    with pytest.raises(DomainError):
        plans.save_text(None, plan, locked.key, "Eget syfte", 0)


def test_concretised_needs_a_responsible_person_and_a_due_date(plan, pworld, db_session):
    group_ids = [pworld.group_id, pworld.other_group_id]
    items.add_activity(None, plan, items.ActivityData("Utan datum", pworld.user_ids["member"]))
    items.add_activity(None, plan, items.ActivityData("Utan ansvarig", due_date=due()))
    states = plans.plan_states(group_ids, YEAR)
    assert states[pworld.group_id].plan_id == plan.id
    assert not states[pworld.group_id].concretised
    assert states[pworld.other_group_id].plan_id is None
    items.add_activity(
        None, plan, items.ActivityData("Konkret", pworld.user_ids["member"], due_date=due())
    )
    assert plans.plan_states(group_ids, YEAR)[pworld.group_id].concretised
