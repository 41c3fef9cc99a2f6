"""Demo: the Gävleborg board's own words in the 2025 summary.

Analysis texts for each section of the 2025 annual summary, two development areas,
and the first of them carried into three groups' 2026 plans as an activity. Loading
twice changes nothing: if the 2025 texts are there, nothing is added.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale

from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.people import services as people_services
from portal.reporting.services import development, texts

YEAR = 2025
ANALYSES = {
    "plans": (
        "Alla nio grupper har en fastställd handlingsplan för 2025, och sju av dem har"
        " konkreta åtgärder med ansvarig och tidpunkt. Resultatmålen under målområdet"
        " *Samverkanskultur* är i stort sett nådda; målen om **gemensamma rutiner** har"
        " kommit kortare, främst där gruppen bytt processledare under året."
    ),
    "meetings": (
        "Grupperna har i regel träffats fyra gånger. Närvaron från de statliga parterna"
        " är fortfarande ojämn: Arbetsförmedlingen har saknats vid ungefär vart tredje möte,"
        " vilket också syns i enkätsvaren om att *alla parter deltar*."
    ),
    "survey": (
        "Andelen klart positiva svar har ökat något sedan 2024 och ligger nu nära den"
        " nationella nivån. Frågorna om tydliga mål och roller ligger lägst, och där ligger"
        " förbundet fortfarande under riket. Två grupper hade för få svar för att redovisas"
        " var för sig."
    ),
    "summary": (
        "Samverkan i Mysamgrupperna fungerar bättre år för år, men resultatet vilar på"
        " att alla parter deltar kontinuerligt. Styrelsen föreslås prioritera närvaron och"
        " tydligare mål i 2026 års handlingsplaner (se utvecklingsområdena nedan)."
    ),
}
AREAS = [
    (
        "Alla parter deltar i varje möte",
        (
            "Närvaron från de statliga parterna ska följas upp vid varje möte, och ersättare"
            " utses i förväg."
        ),
    ),
    (
        "Tydligare mål, roller och ansvar",
        "Varje grupp formulerar mätbara målnivåer och skriver in vem som ansvarar för vad.",
    ),
]
CARRY_TO = 3  # the first three groups by name get the first area in their 2026 plans


def load_demo(association: Association) -> None:
    """Add the 2025 analysis texts and development areas (idempotent)."""
    if texts.analyses(association.id, YEAR, "year"):
        return
    with force_locale("sv"):
        _load(association)


def _load(association: Association) -> None:
    admin = people_services.first_admin(association)
    for section, body in ANALYSES.items():
        texts.save_analysis(admin, association.id, YEAR, "year", section, body, 0)
    texts.save_analysis(
        admin,
        association.id,
        YEAR,
        "h1",
        "meetings",
        "Under första halvåret hölls två möten per grupp; närvaron var lägst i juni.",
        0,
    )
    areas = [
        development.add_area(admin, association.id, YEAR, development.AreaData(title, text))
        for title, text in AREAS
    ]
    groups = list(
        db.session.scalars(
            sa.select(Group)
            .where(Group.association_id == association.id)
            .order_by(Group.name)
            .limit(CARRY_TO)
        )
    )
    development.carry(admin, areas[0], groups, "activity")
    db.session.flush()
