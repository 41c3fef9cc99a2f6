"""Goal areas per association and year: admins keep them; in-use areas stay."""

from __future__ import annotations

import pytest

from portal.core.errors import DomainError
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.plans.models import GoalArea
from portal.plans.services import goal_areas, items, plans
from tests.conftest import post
from tests.support.plans import YEAR
from tests.support.sessions import sign_in


def test_goal_areas_are_per_year_and_ordered(pworld, db_session):
    association = db_session.get(Association, pworld.association_id)
    assert [a.title for a in goal_areas.goal_areas(association, YEAR)] == [
        "Samverkanskultur",
        "Struktur",
    ]
    assert [a.title for a in goal_areas.goal_areas(association, YEAR + 1)] == ["Kultur"]
    assert goal_areas.years_with_goal_areas(association) == [YEAR + 1, YEAR]


def test_the_same_title_twice_in_a_year_is_refused(pworld, db_session):
    association = db_session.get(Association, pworld.association_id)
    with pytest.raises(DomainError) as error:
        goal_areas.create_goal_area(None, association, goal_areas.GoalAreaData(YEAR, "Struktur"))
    assert error.value.field == "title"


def test_a_goal_area_in_use_cannot_be_deleted(pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    plan = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    items.add_goal(None, plan, items.GoalData(pworld.area_ids[0], "Fler möten"))
    area = db_session.get(GoalArea, pworld.area_ids[0])
    with pytest.raises(DomainError):
        goal_areas.delete_goal_area(None, area)
    unused = db_session.get(GoalArea, pworld.area_ids[1])
    goal_areas.delete_goal_area(None, unused)
    assert db_session.get(GoalArea, pworld.area_ids[1]) is None


def test_copy_a_year(pworld, db_session):
    association = db_session.get(Association, pworld.association_id)
    assert goal_areas.copy_year(None, association, YEAR, YEAR + 1) == 2
    titles = [a.title for a in goal_areas.goal_areas(association, YEAR + 1)]
    assert titles == ["Kultur", "Samverkanskultur", "Struktur"]
    with pytest.raises(DomainError):
        goal_areas.copy_year(None, association, YEAR, YEAR + 1)


def test_admin_adds_a_goal_area_through_the_page(client, pworld):
    sign_in(client, pworld, "admin")
    url = f"/a/{pworld.slug}/goal-areas?year={YEAR}"
    response = post(client, url, {"year": YEAR, "title": "Nytt område"}, token_page=url)
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Nytt område" in page


def test_a_duplicate_title_is_shown_with_what_was_typed(client, pworld):
    sign_in(client, pworld, "admin")
    url = f"/a/{pworld.slug}/goal-areas?year={YEAR}"
    response = post(
        client, url, {"year": YEAR, "title": "Struktur", "description": "Min text"}, url
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in body
    assert "Min text" in body


def test_an_empty_title_is_refused(client, pworld):
    sign_in(client, pworld, "admin")
    url = f"/a/{pworld.slug}/goal-areas?year={YEAR}"
    response = post(client, url, {"year": YEAR, "title": "  ", "description": "Kvar"}, url)
    assert response.status_code == 400
    assert "Kvar" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["board", "process_leader", "member", "other_admin"])
def test_only_admins_see_goal_areas(client, pworld, role):
    sign_in(client, pworld, role)
    assert client.get(f"/a/{pworld.slug}/goal-areas").status_code == 404
