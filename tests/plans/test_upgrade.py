"""A new template version reaches plans on older versions; moving keeps the group's texts."""

from __future__ import annotations

import pytest

from portal.core.errors import DomainError
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.plans.models import FieldKind
from portal.plans.services import plans, templates
from portal.plans.services.compare import Change, orphaned_texts, plan_changes
from portal.plans.services.templates import FieldData, SectionData
from tests.conftest import post
from tests.support.plans import YEAR
from tests.support.sessions import sign_in


@pytest.fixture
def setup(pworld, db_session):
    """A plan on version 1 with local text, then version 2: purpose reworded, local
    conditions removed, a user perspective section added."""
    group = db_session.get(Group, pworld.group_id)
    plan = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    local_key = plan.template_version.sections[1].fields[0].key
    plans.save_text(None, plan, local_key, "Vår lokala text", 0)
    association = db_session.get(Association, pworld.association_id)
    draft = templates.start_draft(None, association)
    templates.update_field(
        None,
        draft.sections[0].fields[0],
        FieldData("Syfte", FieldKind.TEXT, locked=True, wording="Ny central lydelse."),
        draft.sections[0].fields[0].lock_version,
    )
    templates.delete_section(None, draft.sections[1])
    section = templates.add_section(None, draft, SectionData("Brukarperspektiv"))
    templates.add_field(None, section, FieldData("Brukarnas röst", FieldKind.TEXT))
    templates.publish(None, draft, "Brukarperspektiv och ny syftesformulering")
    db_session.commit()
    return plan, draft, local_key


def test_the_plan_sees_field_by_field_what_changes(setup):
    plan, v2, _local_key = setup
    changes = {c.diff.label: c for c in plan_changes(plan, v2)}
    assert changes["Syfte"].diff.change is Change.CHANGED
    assert changes["Förutsättningar"].diff.change is Change.REMOVED
    assert changes["Förutsättningar"].keeps_local_text
    assert changes["Brukarnas röst"].diff.change is Change.ADDED


def test_moving_takes_new_wording_and_keeps_local_text(setup, db_session):
    plan, v2, local_key = setup
    plans.move_to_version(None, plan, v2, v2.id)
    db_session.flush()
    assert plan.template_version_id == v2.id
    assert plan.template_version.sections[0].fields[0].wording == "Ny central lydelse."
    assert plan.text_for(local_key).body == "Vår lokala text"
    assert [t.label for t in orphaned_texts(plan, plan.template_version)] == ["Förutsättningar"]
    with pytest.raises(DomainError):
        plans.move_to_version(None, plan, v2, v2.id)


def test_the_plan_page_announces_the_new_version_and_moves(client, setup, pworld, db_session):
    plan, v2, _ = setup
    sign_in(client, pworld, "process_leader")
    page = f"/a/{pworld.slug}/plans/{plan.id}"
    body = client.get(page).get_data(as_text=True)
    assert "Brukarperspektiv och ny syftesformulering" in body
    upgrade = client.get(f"{page}/upgrade")
    text = upgrade.get_data(as_text=True)
    assert upgrade.status_code == 200
    assert "Ny central lydelse." in text
    assert "Förutsättningar" in text
    response = post(client, f"{page}/upgrade", {"version_id": v2.id}, token_page=page)
    assert response.status_code == 302
    body = client.get(page).get_data(as_text=True)
    assert "Ny central lydelse." in body
    assert "Vår lokala text" in body  # kept, under the texts the template no longer asks for
    assert client.get(f"{page}/upgrade").status_code == 404


def test_members_see_the_changes_but_cannot_move(client, setup, pworld):
    plan, v2, _ = setup
    sign_in(client, pworld, "member")
    page = f"/a/{pworld.slug}/plans/{plan.id}"
    assert client.get(f"{page}/upgrade").status_code == 200
    assert post(client, f"{page}/upgrade", {"version_id": v2.id}, page).status_code == 404
