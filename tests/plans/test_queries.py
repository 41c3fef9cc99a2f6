"""The plan page costs the same number of SQL statements for 5 activities as for 50."""

from __future__ import annotations

import pytest
from flask import g

from portal.groups.models import Group
from portal.plans.models import ActivityStatus
from portal.plans.services import goal_areas, items, plans
from tests.support.plans import YEAR, due
from tests.support.sessions import sign_in


def build(db_session, pworld, group_id, year, n):
    group = db_session.get(Group, group_id)
    plan = plans.create_plan(None, group, year, plans.Source.TEMPLATE)
    areas = goal_areas.goal_areas(group.association, year)
    statuses = list(ActivityStatus)
    for i in range(n):
        items.add_activity(
            None,
            plan,
            items.ActivityData(
                f"Åtgärd {i}",
                pworld.user_ids["member"] if i % 2 else pworld.user_ids["process_leader"],
                pworld.fk_id if i % 3 else pworld.municipality_id,
                due_date=due(1 + i % 12, 1, year),
                status=statuses[i % 4],
            ),
        )
        items.add_goal(None, plan, items.GoalData(areas[i % len(areas)].id, f"Mål {i}"))
        if i % 5 == 0:
            items.add_development_area(None, plan, f"Område {i}")
    db_session.commit()
    return plan.id


@pytest.mark.parametrize("viewer", ["process_leader", "member", "board"])
def test_plan_page_query_count_does_not_grow(client, pworld, db_session, count_queries, viewer):
    small = build(db_session, pworld, pworld.group_id, YEAR, 5)
    large = build(db_session, pworld, pworld.group_id, YEAR + 1, 50)
    sign_in(client, pworld, viewer)
    counts = {}
    for plan_id in (small, large):
        client.get(f"/a/{pworld.slug}/plans/{plan_id}")  # warm up the session cookie
        g.pop("_login_user", None)
        g.pop("principals", None)
        with count_queries() as counter:
            response = client.get(f"/a/{pworld.slug}/plans/{plan_id}")
        assert response.status_code == 200
        counts[plan_id] = counter.count
    assert counts[small] == counts[large], counts
    # 15, and one for the plan's attached documents (issue 21; see tests/test_queries.py).
    assert counts[large] <= 16, counts
