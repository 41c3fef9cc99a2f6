"""Demo data for the Gävleborg summaries.

The 2025 result goals get measured outcomes (met, partly met and not met), so the
board summary's goal fulfilment shows every judgement; goals that already have an
outcome are left alone. The 2026 half-year summary gets the admins' analysis texts and
one development area (the 2025 ones come with ``demo_texts``). Loading twice changes
nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.organisations.models import Association
from portal.people import services as people_services
from portal.plans.models import Plan, ResultGoal
from portal.plans.services import items
from portal.reporting.services import development, texts

YEAR = 2025
H1_YEAR = 2026
H1_ANALYSES = {
    "summary": (
        "Första halvåret 2026 har grupperna hållit sina möten enligt plan. Hälften av"
        " grupperna har ännu inte konkretiserat sina planer; det följs upp i augusti."
    ),
    "plans": (
        "Flera grupper har ännu inte satt ansvarig och datum på sina åtgärder."
        " Förbundet erbjuder stöd i planeringen under våren."
    ),
    "meetings": "Närvaron är i nivå med 2025. Regionen har saknats vid vartannat möte i en grupp.",
    "survey": "Enkäten genomförs i augusti–september. Siffrorna här är från 2025 års omgång.",
}
H1_AREA = development.AreaData(
    "Konkreta åtgärder i alla planer",
    "Varje grupp sätter ansvarig och datum på minst en åtgärd före sommaren.",
)
# Per goal (by its target): outcomes that meet, partly meet and miss it, in turn.
OUTCOMES = {"75": ("80 %", "62 %", "45 %"), "3": ("3", "2", "1")}


def load_demo(association: Association) -> None:
    """Give the year's numeric result goals without an outcome a measured one."""
    admin = people_services.first_admin(association)
    goals = db.session.scalars(
        sa.select(ResultGoal)
        .join(Plan, Plan.id == ResultGoal.plan_id)
        .where(Plan.association_id == association.id, Plan.year == YEAR)
        .order_by(Plan.group_id, ResultGoal.position, ResultGoal.id)
    ).all()
    for index, goal in enumerate(goals):
        choices = OUTCOMES.get(goal.target.strip())
        if goal.outcome or not goal.numeric or choices is None:
            continue
        data = items.GoalData(
            goal.goal_area_id, goal.title, goal.indicator, goal.numeric, goal.baseline,
            goal.target, choices[index % len(choices)],
        )  # fmt: skip
        items.update_goal(admin, goal, data, goal.lock_version)
    db.session.flush()
    if not texts.analyses(association.id, H1_YEAR, "h1"):
        for section, body in H1_ANALYSES.items():
            texts.save_analysis(admin, association.id, H1_YEAR, "h1", section, body, 0)
        development.add_area(admin, association.id, H1_YEAR, H1_AREA)
        db.session.flush()
