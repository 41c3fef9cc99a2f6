"""Each item saves on its own, with htmx or a plain form; stale saves are conflicts (409)."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.groups.models import Group
from portal.plans.models import ActivityStatus
from portal.plans.services import items, plans
from tests.conftest import post
from tests.support.plans import YEAR, due
from tests.support.sessions import sign_in

HX = {"HX-Request": "true"}


@pytest.fixture
def plan(pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    made = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    db_session.commit()
    return made


@pytest.fixture
def goal(plan, pworld, db_session):
    made = items.add_goal(
        None, plan, items.GoalData(pworld.area_ids[0], "Fler möten", "Antal", True, "2", "4")
    )
    db_session.commit()
    return made


def goal_form(pworld, goal, **kw):
    data = {
        "goal_area_id": pworld.area_ids[0],
        "title": goal.title,
        "indicator": "Antal",
        "numeric": "y",
        "baseline": "2",
        "target": "6",
        "outcome": "",
        "lock_version": goal.lock_version,
    }
    data.update(kw)
    return data


def test_htmx_edit_returns_the_goal_form_alone(client, goal, plan, pworld):
    sign_in(client, pworld, "process_leader")
    url = f"/a/{pworld.slug}/plans/{plan.id}/goals/{goal.id}"
    response = client.get(f"{url}?mode=edit", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert f'id="goal-{goal.id}"' in body
    assert f'data-hx-post="{url}"' in body
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]


def test_htmx_save_returns_the_saved_goal(client, goal, plan, pworld, db_session):
    sign_in(client, pworld, "process_leader")
    page = f"/a/{pworld.slug}/plans/{plan.id}"
    url = f"{page}/goals/{goal.id}"
    response = post(client, url, goal_form(pworld, goal), token_page=page, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert "<html" not in body
    assert 'role="status"' in body
    db_session.refresh(goal)
    assert goal.target == "6"
    assert goal.lock_version == 2


def test_plain_form_save_redirects_to_the_goal(client, goal, plan, pworld):
    sign_in(client, pworld, "process_leader")
    page = f"/a/{pworld.slug}/plans/{plan.id}"
    response = post(client, f"{page}/goals/{goal.id}", goal_form(pworld, goal), token_page=page)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#goal-{goal.id}")


def test_a_target_that_is_not_a_number_keeps_the_typed_values(client, goal, plan, pworld):
    sign_in(client, pworld, "process_leader")
    page = f"/a/{pworld.slug}/plans/{plan.id}"
    data = goal_form(pworld, goal, target="ganska många", outcome="Mitt utfall")
    response = post(client, f"{page}/goals/{goal.id}", data, token_page=page, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in body
    assert "ganska många" in body
    assert "Mitt utfall" in body


def test_a_stale_save_is_a_conflict_showing_both_versions(client, goal, plan, pworld, db_session):
    opened = goal.lock_version
    items.update_goal(
        None,
        goal,
        items.GoalData(pworld.area_ids[0], "Fler möten", "Antal", True, "2", "8"),
        opened,
    )
    db_session.commit()
    sign_in(client, pworld, "process_leader")
    page = f"/a/{pworld.slug}/plans/{plan.id}"
    data = goal_form(pworld, goal, target="6", outcome="Mitt arbete", lock_version=opened)
    for headers in (HX, {}):
        response = post(client, f"{page}/goals/{goal.id}", data, token_page=page, headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 409
        assert 'role="alert"' in body
        assert "Mitt arbete" in body  # what was typed stays in the form
        assert '<td class="pre">6</td><td class="pre">8</td>' in body.replace(
            "\n", ""
        )  # side by side
        assert f'name="lock_version" type="hidden" value="{opened + 1}"' in body
    db_session.refresh(goal)
    assert goal.target == "8"
    # Saving again from the conflict form (now carrying the new version) replaces theirs.
    data["lock_version"] = opened + 1
    response = post(client, f"{page}/goals/{goal.id}", data, token_page=page, headers=HX)
    assert response.status_code == 200
    db_session.refresh(goal)
    assert goal.target == "6"


def test_add_a_goal_with_htmx_returns_the_goal_list(client, plan, pworld, db_session):
    sign_in(client, pworld, "process_leader")
    page = f"/a/{pworld.slug}/plans/{plan.id}"
    data = {"goal_area_id": pworld.area_ids[1], "title": "Nytt mål", "target": "3"}
    response = post(client, f"{page}/goals", data, token_page=page, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="goals"')
    assert "Nytt mål" in body
    response = post(client, f"{page}/goals", {"title": ""}, token_page=page, headers=HX)
    assert response.status_code == 400


def test_text_of_a_local_field_saves_and_conflicts(client, plan, pworld, db_session):
    key = plan.template_version.sections[1].fields[0].key
    sign_in(client, pworld, "process_leader")
    page = f"/a/{pworld.slug}/plans/{plan.id}"
    url = f"{page}/texts/{key}"
    assert client.get(f"{url}?mode=edit", headers=HX).status_code == 200
    response = post(client, url, {"body": "**Vår ort**", "lock_version": "0"}, page, headers=HX)
    assert response.status_code == 200
    assert "<strong>Vår ort</strong>" in response.get_data(as_text=True)
    text = plan.text_for(key)
    db_session.refresh(text)
    stale = {"body": "Annan text", "lock_version": text.lock_version - 1}
    response = post(client, url, stale, page, headers=HX)
    assert response.status_code == 409
    assert "Annan text" in response.get_data(as_text=True)


def activity_form(pworld, activity, **kw):
    data = {
        "what": activity.what,
        "responsible_id": pworld.user_ids["member"],
        "agency_id": pworld.fk_id,
        "decision_maker": "Styrgruppen",
        "dependencies": "",
        "due_date": due().isoformat(),
        "status": "ongoing",
        "outcome": "",
        "lock_version": activity.lock_version,
    }
    data.update(kw)
    return data


def test_activity_due_date_outside_the_year_is_refused_on_the_page(client, plan, pworld):
    activity = items.add_activity(None, plan, items.ActivityData("Utbildning"))
    sign_in(client, pworld, "process_leader")
    page = f"/a/{pworld.slug}/plans/{plan.id}"
    data = activity_form(pworld, activity, due_date=f"{YEAR + 1}-02-01", dependencies="Budget")
    response = post(client, f"{page}/activities/{activity.id}", data, page, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert str(YEAR) in body
    assert "Budget" in body
    assert f"{YEAR + 1}-02-01" in body


def test_the_responsible_member_updates_status_and_outcome_only(client, plan, pworld, db_session):
    activity = items.add_activity(
        None, plan, items.ActivityData("Utbildning", pworld.user_ids["member"], due_date=due())
    )
    db_session.commit()
    sign_in(client, pworld, "member")
    page = f"/a/{pworld.slug}/plans/{plan.id}"
    url = f"{page}/activities/{activity.id}"
    assert client.get(f"{url}?mode=edit").status_code == 404
    assert post(client, url, activity_form(pworld, activity), page).status_code == 404
    data = {"status": "done", "outcome": "Genomförd", "lock_version": activity.lock_version}
    response = post(client, f"{url}/progress", data, page, headers=HX)
    assert response.status_code == 200
    db_session.refresh(activity)
    assert activity.status is ActivityStatus.DONE
    assert activity.outcome == "Genomförd"
    assert activity.what == "Utbildning"


def test_my_activities_lists_overdue_first_across_groups(client, plan, pworld, db_session):
    member = pworld.user_ids["member"]
    other_group = db_session.get(Group, pworld.other_group_id)
    from tests.factories import Factory

    Factory(db_session).membership(
        other_group, db_session.get(type(plan.group.memberships[0].user), member)
    )
    other_plan = plans.create_plan(None, other_group, YEAR, plans.Source.TEMPLATE)
    items.add_activity(None, plan, items.ActivityData("Senare", member, due_date=due(12, 1)))
    items.add_activity(None, other_plan, items.ActivityData("Försenad", member, due_date=due(1, 2)))
    items.add_activity(
        None,
        plan,
        items.ActivityData("Klar", member, due_date=due(1, 1), status=ActivityStatus.DONE),
    )
    items.add_activity(None, plan, items.ActivityData("Odaterad", member))
    found = items.my_activities(
        db_session.get(type(plan.group.memberships[0].user), member), dt.date(YEAR, 6, 1)
    )
    assert [i.activity.what for i in found] == ["Försenad", "Senare", "Odaterad"]
    assert [i.overdue for i in found] == [True, False, False]
    db_session.commit()
    sign_in(client, pworld, "member")
    body = client.get("/my-activities").get_data(as_text=True)
    assert "Försenad" in body
    assert "Mysam Ljusdal" in body
    assert "Klar" not in body
