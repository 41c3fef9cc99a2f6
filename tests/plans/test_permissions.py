"""Role × action for plans, templates and goal areas. Refusals are 404s."""

from __future__ import annotations

import pytest

from portal.groups.models import Group
from portal.plans.services import items, plans
from tests.conftest import post, put_session
from tests.support.foundation import ROLES
from tests.support.plans import YEAR, due
from tests.support.sessions import sign_in

READERS = {"admin", "board", "process_leader", "member"}
EDITORS = {"admin", "process_leader"}
PROGRESS = EDITORS | {"member"}  # the member is responsible for the activity
TEMPLATE_READERS = {"admin", "board"}


@pytest.fixture
def plan(pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    made = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    goal = items.add_goal(
        None, made, items.GoalData(pworld.area_ids[0], "Mål", "Antal", False, "", "3")
    )
    activity = items.add_activity(
        None, made, items.ActivityData("Åtgärd", pworld.user_ids["member"], due_date=due())
    )
    db_session.commit()
    made.goal_id, made.activity_id = goal.id, activity.id
    return made


def _expect(response, allowed, role):
    if role == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif allowed:
        assert response.status_code in {200, 302}, response.status_code
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "page",
    ["plan", "print", "xlsx", "csv", "group_plans", "goal", "activity"],
)
def test_reading(client, pworld, plan, role, page):
    sign_in(client, pworld, role)
    base = f"/a/{pworld.slug}/plans/{plan.id}"
    url = {
        "plan": base,
        "print": f"{base}/print",
        "xlsx": f"{base}/export.xlsx",
        "csv": f"{base}/export.csv",
        "group_plans": f"/a/{pworld.slug}/groups/{pworld.group_id}/plans",
        "goal": f"{base}/goals/{plan.goal_id}",
        "activity": f"{base}/activities/{plan.activity_id}",
    }[page]
    _expect(client.get(url), role in READERS, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "action", ["edit_goal", "add_activity", "adopt", "edit_text", "delete_goal"]
)
def test_editing(client, pworld, plan, role, action):
    sign_in(client, pworld, role)
    base = f"/a/{pworld.slug}/plans/{plan.id}"
    key = plan.template_version.sections[1].fields[0].key
    url, data = {
        "edit_goal": (
            f"{base}/goals/{plan.goal_id}",
            {
                "goal_area_id": pworld.area_ids[0],
                "title": "Ändrat",
                "target": "4",
                "lock_version": 1,
            },
        ),
        "add_activity": (f"{base}/activities", {"what": "Ny"}),
        "adopt": (f"{base}/adopt", {}),
        "edit_text": (f"{base}/texts/{key}", {"body": "Text", "lock_version": 0}),
        "delete_goal": (f"{base}/goals/{plan.goal_id}/delete", {}),
    }[action]
    response = post(client, url, data, token_page="/" if role != "anonymous" else "/login")
    _expect(response, role in EDITORS, role)


@pytest.mark.parametrize("role", ROLES)
def test_progress(client, pworld, plan, role):
    sign_in(client, pworld, role)
    url = f"/a/{pworld.slug}/plans/{plan.id}/activities/{plan.activity_id}/progress"
    data = {"status": "ongoing", "outcome": "", "lock_version": 1}
    response = post(client, url, data, token_page="/" if role != "anonymous" else "/login")
    _expect(response, role in PROGRESS, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["template_index", "version", "compare"])
def test_reading_templates(client, pworld, role, page):
    sign_in(client, pworld, role)
    base = f"/a/{pworld.slug}/plan-template"
    url = {
        "template_index": base,
        "version": f"{base}/versions/{pworld.version_id}",
        "compare": f"{base}/compare?old={pworld.version_id}&new={pworld.version_id}",
    }[page]
    _expect(client.get(url), role in TEMPLATE_READERS, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["draft", "goal_area"])
def test_managing_templates_and_goal_areas(client, pworld, role, action):
    sign_in(client, pworld, role)
    url, data = {
        "draft": (f"/a/{pworld.slug}/plan-template/draft", {}),
        "goal_area": (f"/a/{pworld.slug}/goal-areas", {"year": YEAR, "title": "Nytt"}),
    }[action]
    response = post(client, url, data, token_page="/" if role != "anonymous" else "/login")
    _expect(response, role == "admin", role)


def test_the_board_sees_no_names(client, pworld, plan):
    sign_in(client, pworld, "board")
    body = client.get(f"/a/{pworld.slug}/plans/{plan.id}").get_data(as_text=True)
    assert "Maja Medlem" not in body
    csv = client.get(f"/a/{pworld.slug}/plans/{plan.id}/export.csv").get_data(as_text=True)
    assert "Maja Medlem" not in csv
    sign_in(client, pworld, "member")
    body = client.get(f"/a/{pworld.slug}/plans/{plan.id}").get_data(as_text=True)
    assert "Maja Medlem" in body


def test_a_plan_of_another_association_is_not_found(client, pworld, plan, f, db_session):
    other = f.association()
    admin = f.admin(other)
    db_session.commit()
    put_session(client, admin.id)
    assert client.get(f"/a/{other.slug}/plans/{plan.id}").status_code == 404
