"""Templates get what views pass them; filters and globals come from one module."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.core import signals
from portal.plans.views.common import plan_states_of_groups
from tests.support.sessions import sign_in_user

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_the_portals_template_globals_are_the_registered_ones(app):
    ours = {
        name
        for name, value in app.jinja_env.globals.items()
        if getattr(value, "__module__", "").startswith("portal.")
    }
    assert ours == {
        "asset_url",
        "render_chart_svg",
        "chart_table_rows",
        "figure_cells",
        "percent",
        "short_reason",
    }


def test_no_blueprint_adds_template_context_of_its_own(app):
    """``portal.templating`` is the one place: no blueprint's context processor either."""
    ours = [
        f"{blueprint}: {processor.__module__}.{processor.__name__}"
        for blueprint, processors in app.template_context_processors.items()
        for processor in processors
        if processor.__module__.startswith("portal.")
    ]
    assert ours == ["None: portal.templating._template_globals"]


def test_no_template_asks_the_database_for_plan_states():
    callers = [p.name for p in TEMPLATES.rglob("*.html") if "group_plan_states(" in p.read_text()]
    assert callers == []


@pytest.fixture
def signed_in_admin(client, f, db_session):
    association = f.association()
    group = f.group(association)
    admin = f.admin(association)
    slug, group_id, user_id = association.slug, group.id, admin.id
    db_session.commit()
    sign_in_user(client, user_id)
    return slug, group_id


def test_the_group_pages_show_the_plan_state_that_plans_send(client, signed_in_admin):
    slug, group_id = signed_in_admin
    for path in (f"/a/{slug}/groups/{group_id}", f"/a/{slug}/"):
        body = client.get(path).get_data(as_text=True)
        assert "Action plan" in body or "Handlingsplan" in body, path


def test_without_plans_the_group_pages_render_without_the_plan_state(client, signed_in_admin):
    slug, group_id = signed_in_admin
    signals.groups_shown.disconnect(plan_states_of_groups)
    try:
        for path in (f"/a/{slug}/groups/{group_id}", f"/a/{slug}/"):
            response = client.get(path)
            body = response.get_data(as_text=True)
            assert response.status_code == 200, path
            assert "Action plan" not in body, path
            assert "Handlingsplan" not in body, path
    finally:
        signals.groups_shown.connect(plan_states_of_groups, weak=False)
