"""Generated goal areas, a published plan template, and one action plan per group and year.

Plans of past years are adopted, with result goals that carry a target and an outcome
and activities in mixed statuses; this year's plans are half drafts. The template
version is written as a draft and published afterwards, because the database refuses
new sections and fields in a published version.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portal.plans.demo import ACTIVITIES, FOLLOW_UP_V1, GOAL_AREAS, PURPOSE_V1
from portal.plans.models import (
    ActivityStatus,
    FieldKind,
    PlanStatus,
    TemplateVersion,
    VersionStatus,
)

if TYPE_CHECKING:
    from portal.devtools.context import AssociationData, Context, GroupData

# (section title, [(field label, kind, locked, wording)])
TEMPLATE = [
    (
        "Syfte och omfattning",
        [("Syfte", FieldKind.TEXT, True, PURPOSE_V1), ("Omfattning", FieldKind.TEXT, False, "")],
    ),
    ("Lokala förutsättningar", [("Lokala förutsättningar", FieldKind.TEXT, False, "")]),
    ("Resultatmål", [("Resultatmål", FieldKind.RESULT_GOALS, False, "")]),
    ("Åtgärder", [("Åtgärder", FieldKind.ACTIVITIES, False, "")]),
    ("Brukarperspektiv", [("Hur tas brukarperspektivet tillvara?", FieldKind.TEXT, False, "")]),
    (
        "Kommunikation till parternas personal",
        [("Hur når information ut till medarbetarna?", FieldKind.TEXT, False, "")],
    ),
    ("Uppföljning", [("Uppföljning", FieldKind.TEXT, True, FOLLOW_UP_V1)]),
]
LOCAL_TEXTS = [
    (
        "{group} samlar chefer från parterna. Fokus {year}: unga vuxna som varken arbetar "
        "eller studerar."
    ),
    "Gruppen har stabil närvaro men ny personal hos flera parter.",
    "Brukarorganisationerna bjuds in till två möten per år.",
    "Information sprids via parternas arbetsplatsträffar och nyhetsbrev.",
]
GOALS = [
    ("Alla parter deltar på gruppens möten", "Andel möten med alla parter närvarande (%)", 50, 75),
    ("Nya arbetssätt prövas gemensamt", "Antal gemensamma utvecklingsinsatser", 1, 3),
    ("Fler deltagare får samordnat stöd", "Antal deltagare i samordnade insatser", 20, 35),
]
OUTCOMES = ["Uppnått.", "Delvis uppnått.", "Inte uppnått: parterna prioriterade annat."]
PAST_STATUSES = (
    [ActivityStatus.DONE] * 11
    + [ActivityStatus.CANCELLED] * 2
    + [ActivityStatus.ONGOING] * 4
    + [ActivityStatus.NOT_STARTED] * 3
)


def add_plans(ctx: Context, association: AssociationData) -> None:
    """Goal areas per year, the template, and every group's plan for every year."""
    areas = {
        year: [
            ctx.writer.add_with_id(
                "goal_areas",
                {
                    "association_id": association.id,
                    "year": year,
                    "position": position,
                    "title": title,
                    "description": "",
                    "created_at": ctx.now,
                    "updated_at": ctx.now,
                },
            )
            for position, title in enumerate(GOAL_AREAS)
        ]
        for year in ctx.years
    }
    version_id, fields = _template(ctx, association)
    for group in association.groups:
        for year in ctx.years:
            _plan(ctx, association, group, year, version_id, fields, areas[year])


def _template(ctx: Context, association: AssociationData) -> tuple[int, list[tuple[str, str]]]:
    """The template as version 1, published; returns its id and the local text fields."""
    published = ctx.moment(dt.date(ctx.years[0] - 1, 12, 1))
    version_id = ctx.writer.add_with_id(
        "template_versions",
        {
            "association_id": association.id,
            "number": 1,
            "status": VersionStatus.DRAFT,
            "change_note": "",
            "created_at": published,
            "published_at": None,
            "published_by_id": None,
        },
    )
    local: list[tuple[str, str]] = []
    for position, (title, fields) in enumerate(TEMPLATE):
        section_id = ctx.writer.add_with_id(
            "template_sections",
            {
                "version_id": version_id,
                "key": _key(ctx),
                "position": position,
                "title": title,
                "guidance": "",
            },
        )
        for field_position, (label, kind, locked, wording) in enumerate(fields):
            key = _key(ctx)
            ctx.writer.add_with_id(
                "template_fields",
                {
                    "section_id": section_id,
                    "key": key,
                    "position": field_position,
                    "label": label,
                    "guidance": "",
                    "kind": kind,
                    "locked": locked,
                    "wording": wording,
                },
            )
            if kind is FieldKind.TEXT and not locked:
                local.append((key, label))
    ctx.writer.then(
        sa.update(TemplateVersion)
        .where(TemplateVersion.id == version_id)
        .values(
            status=VersionStatus.PUBLISHED,
            published_at=published,
            published_by_id=association.admin_id,
        )
    )
    return version_id, local


def _key(ctx: Context) -> str:
    return f"{ctx.rng.getrandbits(48):012x}"


def _plan(
    ctx: Context,
    association: AssociationData,
    group: GroupData,
    year: int,
    version_id: int,
    fields: list[tuple[str, str]],
    areas: list[int],
) -> None:
    current = year == ctx.today.year
    adopted = not current or ctx.rng.random() < 0.5
    start = dt.date(year, 1, 15)
    leader = group.leader(start) or group.current(start)[0]
    adopted_at = ctx.moment(dt.date(year, 2, 20)) if adopted else None
    status = PlanStatus.DRAFT
    if adopted:
        status = PlanStatus.REVISED if ctx.rng.random() < 0.15 else PlanStatus.ADOPTED
    plan_id = ctx.writer.add_with_id(
        "plans",
        {
            "association_id": association.id,
            "group_id": group.id,
            "year": year,
            "template_version_id": version_id,
            "status": status,
            "adopted_at": adopted_at,
            "adopted_by_id": leader.user_id if adopted else None,
            "created_at": ctx.moment(dt.date(year, 1, 10)),
            "updated_at": ctx.now,
        },
    )
    for n, (key, label) in enumerate(fields):
        body = LOCAL_TEXTS[n % len(LOCAL_TEXTS)].format(group=group.name, year=year)
        ctx.writer.add_with_id(
            "plan_texts",
            {
                "plan_id": plan_id,
                "field_key": key,
                "label": label,
                "body": body,
                "lock_version": 1,
                "updated_at": ctx.now,
            },
        )
    _goals(ctx, plan_id, areas, past=not current, complete=adopted)
    _activities(ctx, group, plan_id, year, past=not current)
    if ctx.rng.random() < 0.3:
        ctx.writer.add_with_id(
            "development_areas", {"plan_id": plan_id, "title": "Brukarmedverkan i gruppens arbete"}
        )
    if adopted_at is not None:
        ctx.writer.add_with_id(
            "plan_changes",
            {
                "plan_id": plan_id,
                "occurred_at": adopted_at,
                "actor_id": leader.user_id,
                "action": "plan.adopt",
                "summary": "",
                "after_adoption": False,
                "before": None,
                "after": None,
            },
        )


def _goals(ctx: Context, plan_id: int, areas: list[int], *, past: bool, complete: bool) -> None:
    for position, (title, indicator, baseline, target) in enumerate(GOALS[: ctx.rng.randint(2, 3)]):
        ctx.writer.add_with_id(
            "result_goals",
            {
                "plan_id": plan_id,
                "goal_area_id": areas[(position * 2) % len(areas)],
                "position": position,
                "title": title,
                "indicator": indicator,
                "numeric": True,
                "baseline": str(baseline),
                "target": str(target) if complete or ctx.rng.random() < 0.6 else "",
                "outcome": ctx.rng.choice(OUTCOMES) if past else "",
                "lock_version": 1,
                "updated_at": ctx.now,
            },
        )


def _activities(ctx: Context, group: GroupData, plan_id: int, year: int, *, past: bool) -> None:
    members = group.current(dt.date(year, 2, 1))
    for position in range(ctx.rng.randint(3, 5)):
        what = ACTIVITIES[position % len(ACTIVITIES)][0]
        status = ctx.rng.choice(PAST_STATUSES) if past else ctx.rng.choice(list(ActivityStatus))
        concrete = past or ctx.rng.random() < 0.7
        person = members[position % len(members)]
        ctx.writer.add_with_id(
            "activities",
            {
                "plan_id": plan_id,
                "position": position,
                "what": what,
                "responsible_id": person.user_id if concrete else None,
                "agency_id": person.agency_id,
                "decision_maker": "Mysamgruppen",
                "dependencies": "Beslut i respektive part" if position == 2 else "",
                "due_date": dt.date(year, 3 + 2 * position, 28) if concrete else None,
                "status": status,
                "outcome": "Genomförd med god uppslutning."
                if status is ActivityStatus.DONE
                else "",
                "carried_from_id": None,
                "lock_version": 1,
                "updated_at": ctx.now,
            },
        )
