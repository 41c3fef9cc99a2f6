"""Next year's plan: a year without goal areas gets last year's, "from last year's plan"
carries unfinished result goals too, and the form suggests a year that has no plan."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.plans.models import GoalArea, Plan
from portal.plans.services import goal_areas, items, plans
from tests.conftest import post
from tests.support.plans import YEAR, due
from tests.support.sessions import sign_in


def areas_of(db_session, pworld, year: int) -> list[str]:
    association = db_session.get(Association, pworld.association_id)
    return [a.title for a in goal_areas.goal_areas(association, year)]


def plans_url(pworld) -> str:
    return f"/a/{pworld.slug}/groups/{pworld.group_id}/plans"


def test_a_new_plan_in_a_year_without_goal_areas_gets_the_latest_ones(client, pworld, db_session):
    # YEAR has two areas, YEAR + 1 one of its own, YEAR + 2 none yet.
    sign_in(client, pworld, "process_leader")
    url = plans_url(pworld)
    response = post(client, url, {"year": YEAR + 2, "source": "template"}, token_page=url)
    assert response.status_code == 302
    assert areas_of(db_session, pworld, YEAR + 2) == ["Kultur"]  # the nearest earlier year's
    assert areas_of(db_session, pworld, YEAR + 1) == ["Kultur"]  # untouched
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"så de från {YEAR + 1} fördes över" in page
    creates = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "goal_area.create")
    ).all()
    assert creates[-1].actor_id == pworld.user_ids["process_leader"]
    # A year with its own areas keeps them as they are.
    group = db_session.get(Group, pworld.group_id)
    plans.create_plan(None, group, YEAR + 1, plans.Source.TEMPLATE)
    assert areas_of(db_session, pworld, YEAR + 1) == ["Kultur"]


def test_a_plan_without_goal_areas_offers_them_where_the_goal_is_added(client, pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    plan = plans.create_plan(None, group, YEAR + 2, plans.Source.TEMPLATE)
    # A plan made before areas were carried forward: its year has none.
    db_session.execute(sa.delete(GoalArea).where(GoalArea.year == YEAR + 2))
    db_session.commit()
    sign_in(client, pworld, "process_leader")
    page = client.get(f"/a/{pworld.slug}/plans/{plan.id}").get_data(as_text=True)
    assert (
        f"Förbundet har inga målområden för {YEAR + 2} ännu. För över dem från {YEAR + 1}" in page
    )
    carry = f"/a/{pworld.slug}/plans/{plan.id}/goal-areas/carry"
    assert f'action="{carry}"' in page
    assert post(client, carry).status_code == 302
    assert areas_of(db_session, pworld, YEAR + 2) == ["Kultur"]
    page = client.get(f"/a/{pworld.slug}/plans/{plan.id}").get_data(as_text=True)
    assert f'action="{carry}"' not in page
    # Someone who cannot edit the plan cannot carry either.
    db_session.execute(sa.delete(GoalArea).where(GoalArea.year == YEAR + 2))
    db_session.commit()
    sign_in(client, pworld, "member")
    assert post(client, carry).status_code == 404
    assert areas_of(db_session, pworld, YEAR + 2) == []


def test_with_no_earlier_goal_areas_the_hint_names_the_admins(client, pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    plan = plans.create_plan(None, group, YEAR - 1, plans.Source.TEMPLATE)
    db_session.commit()
    assert areas_of(db_session, pworld, YEAR - 1) == []
    sign_in(client, pworld, "process_leader")
    page = client.get(f"/a/{pworld.slug}/plans/{plan.id}").get_data(as_text=True)
    assert "administratörer lägger till dem under Målområden" in page
    assert "/goal-areas/carry" not in page


def test_from_last_year_carries_unfinished_result_goals(pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    last = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    culture, structure = pworld.area_ids

    def goal(title, area, outcome, numeric=True, baseline="10", target="20"):
        data = items.GoalData(area, title, "Andel", numeric, baseline, target, outcome)
        items.add_goal(None, last, data)

    goal("Nådd", culture, "+20")
    goal("Halvvägs", culture, "15")
    goal("Ej bedömd", structure, "", numeric=False, baseline="", target="Alla parter")
    goal("Bakåt", structure, "−5")
    db_session.commit()
    # Next year has areas of its own; add one named as last year's "Struktur".
    association = db_session.get(Association, pworld.association_id)
    goal_areas.create_goal_area(None, association, goal_areas.GoalAreaData(YEAR + 1, "Struktur"))
    following = plans.create_plan(None, group, YEAR + 1, plans.Source.PREVIOUS)
    carried = {g.title: g for g in following.goals}
    assert sorted(carried) == ["Bakåt", "Ej bedömd", "Halvvägs"]  # the met goal stays behind
    assert carried["Halvvägs"].baseline == "15"  # starts from where it ended
    assert carried["Bakåt"].baseline == "−5"
    assert carried["Ej bedömd"].baseline == ""
    assert all(g.outcome == "" and g.target for g in carried.values())
    assert carried["Bakåt"].goal_area.title == "Struktur"  # this year's area of that name
    assert carried["Halvvägs"].goal_area is None  # "Samverkanskultur" is not a 2026 area
    missing = plans.missing_for_adoption(following)
    assert "Resultatmålet ”Halvvägs” saknar målområde." in missing


@pytest.mark.parametrize(
    ("taken", "expected"),
    [((), 2026), ((2026,), 2027), ((2025, 2026, 2027), 2028), ((2027,), 2026)],
)
def test_the_suggested_year_has_no_plan(taken, expected):
    import datetime as dt

    assert plans.suggested_year(taken, dt.date(2026, 12, 6)) == expected


def test_the_form_suggests_a_year_without_a_plan_from_last_years_plan(client, pworld, db_session):
    from portal.core import clock

    this_year = clock.today().year
    group = db_session.get(Group, pworld.group_id)
    plans.create_plan(None, group, this_year, plans.Source.TEMPLATE)
    db_session.commit()
    sign_in(client, pworld, "process_leader")
    page = client.get(plans_url(pworld)).get_data(as_text=True)
    assert re.search(rf'<input[^>]*name="year"[^>]*value="{this_year + 1}"', page)
    assert re.search(r'<input[^>]*checked[^>]*value="previous"|value="previous"[^>]*checked', page)
    assert f"Gruppen har redan planer för {this_year}." in page
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 1


def test_activities_carried_without_their_dates_are_named(client, pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    last = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    items.add_activity(None, last, items.ActivityData("Utbildning", due_date=due()))
    db_session.commit()
    sign_in(client, pworld, "process_leader")
    url = plans_url(pworld)
    response = post(client, url, {"year": YEAR + 1, "source": "previous"}, token_page=url)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        f"1 pågående eller ej påbörjad åtgärd fördes över från {YEAR} utan sitt slutdatum" in page
    )
