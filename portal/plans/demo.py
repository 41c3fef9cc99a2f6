"""Demo action plans for the Gävleborg demo: goal areas 2024–2026, a template with two
published versions and a draft, and plans for several years per group.

Idempotent: nothing is added where the association already has it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.models import User
from portal.extensions import db
from portal.groups.models import Group, Membership, MembershipRole
from portal.organisations.models import Association
from portal.people import services as people_services
from portal.plans.models import (
    ActivityStatus,
    FieldKind,
    GoalArea,
    Plan,
    TemplateSection,
    TemplateVersion,
)
from portal.plans.services import goal_areas, items, plans, templates
from portal.plans.services.templates import FieldData, SectionData

GOAL_AREAS = [
    "En väl utvecklad samverkanskultur och ett helhetstänkande",
    "En väl utvecklad struktur för samordning och innovation",
    "Stöd för utveckling av nya arbetssätt och metoder för samverkan mellan parterna",
    (
        "Ett väl utvecklat stöd för parternas arbete med resultatredovisning och incitament "
        "för samverkan"
    ),
]
YEARS = (2024, 2025, 2026)
PURPOSE_V1 = (
    "Mysam är ett forum där chefer från parterna möts för att samordna insatser för personer "
    "som behöver stöd från flera myndigheter."
)
PURPOSE_V2 = PURPOSE_V1 + " Gruppen arbetar utifrån förbundets verksamhetsplan och målområden."
FOLLOW_UP_V1 = "Planen följs upp vid gruppens möten och i årsredovisningen."
FOLLOW_UP_V2 = (
    "Planen följs upp vid varje möte, fyra gånger per år, och i halvårs- och årsrapporten."
)
ACTIVITIES = [
    ("Gemensam utbildning om parternas uppdrag", ActivityStatus.DONE),
    ("Kartlägga samverkansrutiner för unga vuxna", ActivityStatus.ONGOING),
    ("Ta fram en lokal överenskommelse om samordnad planering", ActivityStatus.NOT_STARTED),
    ("Studiebesök hos en annan Mysamgrupp", ActivityStatus.CANCELLED),
]


def load_demo(association: Association) -> None:
    """Add the demo's goal areas, template and plans where they are missing."""
    # The services word their records in the portal's language; outside a request the
    # locale is not chosen by a person, so say which one.
    with force_locale("sv"):
        _load(association)


def _load(association: Association) -> None:
    admin = people_services.first_admin(association)
    _goal_areas(admin, association)
    v1, v2 = _template(admin, association)
    groups = db.session.scalars(
        sa.select(Group).where(Group.association_id == association.id).order_by(Group.name)
    ).all()
    for index, group in enumerate(groups):
        _plans(admin, group, index, v1, v2)
    db.session.flush()


def _goal_areas(admin: User | None, association: Association) -> None:
    for year in YEARS:
        existing = {a.title for a in goal_areas.goal_areas(association, year)}
        for title in GOAL_AREAS:
            if title not in existing:
                goal_areas.create_goal_area(
                    admin, association, goal_areas.GoalAreaData(year, title)
                )


def _template(
    admin: User | None, association: Association
) -> tuple[TemplateVersion, TemplateVersion]:
    versions = {v.number: v for v in templates.versions(association)}
    if 1 not in versions:
        draft = templates.start_draft(admin, association)
        _build_v1(admin, draft)
        templates.publish(admin, draft, "")
        versions[1] = draft
    if 2 not in versions:
        draft = templates.start_draft(admin, association)
        _revise_v2(admin, draft)
        templates.publish(
            admin,
            draft,
            "Syftet kopplas till verksamhetsplanen, uppföljning fyra gånger per år och ett nytt "
            "fält om hur brukarnas erfarenheter tas tillvara.",
        )
        versions[2] = draft
    if 3 not in versions:
        draft = templates.start_draft(admin, association)
        section = draft.sections[-1]
        templates.add_field(
            admin, section, FieldData("Lärdomar att dela med andra grupper", FieldKind.TEXT)
        )
    return versions[1], versions[2]


def _build_v1(admin: User | None, draft: TemplateVersion) -> None:
    def section(title: str, guidance: str = "") -> TemplateSection:
        return templates.add_section(admin, draft, SectionData(title, guidance))

    def field(
        sec: TemplateSection,
        label: str,
        kind: FieldKind,
        *,
        locked: bool = False,
        guidance: str = "",
        wording: str = "",
    ) -> None:
        data = FieldData(label, kind, locked=locked, guidance=guidance, wording=wording)
        templates.add_field(admin, sec, data)

    purpose = section("Syfte och omfattning", "Gemensam text för alla grupper.")
    field(purpose, "Syfte", FieldKind.TEXT, locked=True, wording=PURPOSE_V1)
    field(purpose, "Omfattning", FieldKind.TEXT, guidance="Vilka kommuner och parter ingår?")
    local = section("Lokala förutsättningar")
    field(local, "Lokala förutsättningar", FieldKind.TEXT, guidance="Beskriv **kort** läget.")
    goals = section("Resultatmål", "Varje resultatmål hör till ett av förbundets målområden.")
    field(goals, "Resultatmål", FieldKind.RESULT_GOALS, guidance="Ange mätbar målnivå.")
    acts = section("Åtgärder")
    field(acts, "Åtgärder", FieldKind.ACTIVITIES)
    user = section("Brukarperspektiv")
    field(user, "Hur tas brukarperspektivet tillvara?", FieldKind.TEXT)
    comms = section("Kommunikation till parternas personal")
    field(comms, "Hur når information ut till medarbetarna?", FieldKind.TEXT)
    follow = section("Uppföljning")
    field(follow, "Uppföljning", FieldKind.TEXT, locked=True, wording=FOLLOW_UP_V1)


def _revise_v2(admin: User | None, draft: TemplateVersion) -> None:
    by_label = {f.label: f for f in draft.fields()}
    for label, wording in (("Syfte", PURPOSE_V2), ("Uppföljning", FOLLOW_UP_V2)):
        f = by_label[label]
        templates.update_field(
            admin, f, FieldData(f.label, f.kind, True, f.guidance, wording), f.lock_version
        )
    user = next(s for s in draft.sections if s.title == "Brukarperspektiv")
    templates.add_field(
        admin,
        user,
        FieldData("Hur tas brukarnas erfarenheter tillvara i uppföljningen?", FieldKind.TEXT),
    )


def _people(group: Group) -> tuple[User | None, list[Membership]]:
    seats = [m for m in group.memberships if m.valid_to is None]
    leader = next((m.user for m in seats if m.role is MembershipRole.PROCESS_LEADER), None)
    return leader, [m for m in seats if m.role is MembershipRole.MEMBER]


def _plans(
    admin: User | None, group: Group, index: int, v1: TemplateVersion, v2: TemplateVersion
) -> None:
    leader, members = _people(group)
    for year in YEARS:
        if plans.plan_for(group, year) is not None:
            continue
        plan = plans.create_plan(leader or admin, group, year, plans.Source.TEMPLATE)
        # Two groups have not yet moved their 2025 plan onto version 2.
        plan.template_version_id = v1.id if year == 2024 or (year == 2025 and index < 2) else v2.id
        db.session.flush()
        db.session.expire(plan, ["template_version"])
        _fill(leader or admin, plan, year, index, members)
        if year < 2026:
            plans.adopt(leader or admin, plan)
        if year == 2025 and index % 4 == 1:  # revised after adoption
            goal = plan.goals[0]
            data = items.GoalData(
                goal.goal_area_id, goal.title, goal.indicator, goal.numeric, goal.baseline,
                goal.target, "Delvis uppnått: 3 av 4 parter deltog i snitt.",
            )  # fmt: skip
            items.update_goal(leader or admin, goal, data, goal.lock_version)


def _fill(actor: User | None, plan: Plan, year: int, index: int, members: list[Membership]) -> None:
    areas = db.session.scalars(
        sa.select(GoalArea)
        .where(GoalArea.association_id == plan.association_id, GoalArea.year == year)
        .order_by(GoalArea.position)
    ).all()
    local = next(f for f in plan.template_version.fields() if f.label == "Lokala förutsättningar")
    plans.save_text(
        actor,
        plan,
        local.key,
        f"{plan.group.name} samlar {len(members) + 1} chefer. Fokus {year}: unga vuxna "
        "som varken arbetar eller studerar.",
        0,
    )
    items.add_goal(
        actor,
        plan,
        items.GoalData(areas[0].id, "Alla parter deltar på gruppens möten", "Andel möten med "
                       "alla parter närvarande (%)", True, "50", "75"),
    )  # fmt: skip
    complete = year < 2026 or index % 3 != 2  # some 2026 drafts still lack a target level
    items.add_goal(
        actor,
        plan,
        items.GoalData(areas[2].id, "Nya arbetssätt prövas gemensamt", "Antal gemensamma "
                       "utvecklingsinsatser", True, "1", "3" if complete else ""),
    )  # fmt: skip
    concrete = year < 2026 or index % 2 == 0  # odd groups' 2026 plans are not concrete yet
    for n, (what, status) in enumerate(ACTIVITIES[: 3 + index % 2]):
        person = members[n % len(members)] if members else None
        items.add_activity(
            actor,
            plan,
            items.ActivityData(
                what,
                person.user_id if person and concrete else None,
                person.agency_id if person else None,
                "Mysamgruppen",
                "Beslut i respektive part" if n == 2 else "",
                dt.date(year, 3 + 3 * n, 28) if concrete else None,
                status if year < 2026 else ActivityStatus.NOT_STARTED
                if n else ActivityStatus.ONGOING,
                "Genomförd med god uppslutning." if status is ActivityStatus.DONE and year < 2026
                else "",
            ),
        )  # fmt: skip
    if index % 3 == 0:
        items.add_development_area(actor, plan, "Brukarmedverkan i gruppens arbete")
