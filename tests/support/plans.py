"""An association with goal areas, a published template, a group with people in every role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from portal.plans.models import FieldKind
from portal.plans.services import goal_areas, templates
from portal.plans.services.templates import FieldData, SectionData
from tests.support.role_group import people_by_role, role_group

YEAR = 2025


@dataclass
class PlanWorld:
    """Plain ids; fetch rows again in tests that need them."""

    slug: str
    association_id: int
    group_id: int
    other_group_id: int
    municipality_id: int
    fk_id: int
    area_ids: list[int]
    version_id: int
    user_ids: dict[str, int]


def build_template(association: Any) -> Any:
    """A published version 1: purpose (locked), local conditions (local), goals, activities."""
    draft = templates.start_draft(None, association)
    purpose = templates.add_section(None, draft, SectionData("Syfte och omfattning", "Varför?"))
    templates.add_field(
        None,
        purpose,
        FieldData("Syfte", FieldKind.TEXT, locked=True, wording="Mysam stärker samverkan."),
    )
    local = templates.add_section(None, draft, SectionData("Lokala förutsättningar"))
    templates.add_field(
        None, local, FieldData("Förutsättningar", FieldKind.TEXT, guidance="Beskriv orten.")
    )
    goals = templates.add_section(None, draft, SectionData("Resultatmål"))
    templates.add_field(None, goals, FieldData("Resultatmål", FieldKind.RESULT_GOALS))
    acts = templates.add_section(None, draft, SectionData("Åtgärder"))
    templates.add_field(None, acts, FieldData("Åtgärder", FieldKind.ACTIVITIES))
    templates.publish(None, draft, "")
    return draft


def build_plan_world(f: Any, db_session: Any) -> PlanWorld:
    """The plan tests' world (the ``pworld`` fixture), committed."""
    base = role_group(
        f,
        municipality="Hudiksvalls kommun",
        group="Mysam Hudiksvall",
        other_group="Mysam Ljusdal",
        region=False,
    )
    association, group, other_group = base.association, base.group, base.other_group
    municipality, fk = base.municipality, base.fk
    other_member = f.user(association, name="Olle Annan")
    f.membership(other_group, other_member)
    users = people_by_role(f, base, other_group_member=other_member)
    areas = [
        goal_areas.create_goal_area(None, association, goal_areas.GoalAreaData(YEAR, title))
        for title in ("Samverkanskultur", "Struktur")
    ]
    goal_areas.create_goal_area(None, association, goal_areas.GoalAreaData(YEAR + 1, "Kultur"))
    version = build_template(association)
    db_session.commit()
    return PlanWorld(
        slug=association.slug,
        association_id=association.id,
        group_id=group.id,
        other_group_id=other_group.id,
        municipality_id=municipality.id,
        fk_id=fk.id,
        area_ids=[a.id for a in areas],
        version_id=version.id,
        user_ids={k: u.id for k, u in users.items()},
    )


def get(db_session: Any, model: type, id_: int) -> Any:
    return db_session.get(model, id_)


def due(month: int = 6, day: int = 30, year: int = YEAR) -> dt.date:
    return dt.date(year, month, day)
