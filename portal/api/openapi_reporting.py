"""Schemas of the plan summaries and the board summary (``portal.reporting`` as JSON).

They describe ``PlanSummary.as_json`` and ``serialize.board_json`` exactly; the
tests validate real responses against them, so a change there shows up here.
"""

from __future__ import annotations

from portal.api.openapi_base import (
    BOOLEAN,
    COUNT,
    INTEGER,
    NULLABLE_STRING,
    RATE,
    STRING,
    Schema,
    array,
    obj,
    ref,
)
from portal.plans.models import ActivityStatus, PlanStatus
from portal.plans.services.assessment import Assessment
from portal.surveys.models import RespondentGroup

NULLABLE_INTEGER: Schema = {"type": ["integer", "null"]}
PERCENT: Schema = {"type": ["integer", "null"], "minimum": 0, "maximum": 100}
PP: Schema = {"type": ["integer", "null"], "description": "Percentage points."}
PLAN_STATUS: Schema = {"enum": [*(s.value for s in PlanStatus), None]}
ACTIVITIES: Schema = obj({s.value: COUNT for s in ActivityStatus}, "Activities by status.")
GOALS: Schema = obj({a.value: COUNT for a in Assessment}, "Result goals by assessment.")
# An assessment that no goal of the area has is left out, not given as 0.
GOAL_AREA: Schema = {
    **obj({"title": NULLABLE_STRING, "goals": COUNT, **{a.value: COUNT for a in Assessment}}),
    "required": ["title", "goals"],
}
SHARE_FIELDS: dict[str, Schema] = {
    "answers": {"type": ["integer", "null"], "minimum": 0, "description": "null when hidden"},
    "share": RATE,
    "percent": PERCENT,
    "suppressed": {
        "enum": ["few", "secondary", None],
        "description": "Why share and percent are null: fewer than k answers (few), or "
        "they would reveal a smaller hidden cell (secondary).",
    },
}
SHARE: Schema = {"oneOf": [obj(SHARE_FIELDS), {"type": "null"}]}
COMPARISON: dict[str, Schema] = {**SHARE_FIELDS, "previous": SHARE, "change_pp": PP}

SCHEMAS: dict[str, Schema] = {
    "PlanSummary": obj(
        {
            "group_id": INTEGER,
            "group": STRING,
            "year": INTEGER,
            "plan_id": NULLABLE_INTEGER,
            "status": PLAN_STATUS,
            "concretised": BOOLEAN,
            "goals": GOALS,
            "activities": ACTIVITIES,
        },
        "A group's action plan for the year in figures.",
    ),
    "PlanSummaries": obj(
        {
            "association_id": INTEGER,
            "year": INTEGER,
            "has_data": BOOLEAN,
            "message": NULLABLE_STRING,
            "items": array(ref("PlanSummary")),
        }
    ),
    "SurveyRow": obj(
        {
            "code": STRING,
            "text": STRING,
            "indicator": STRING,
            "example": BOOLEAN,
            "association": obj(COMPARISON),
            "national": RATE,
            "national_diff_pp": PP,
            "installation": RATE,
            "installation_associations": NULLABLE_INTEGER,
            "installation_diff_pp": PP,
            "groups": array(obj({"group_id": INTEGER, "group": STRING, **COMPARISON})),
        },
        "A question or indicator: share clearly positive, change and references.",
    ),
    "SurveySection": obj(
        {
            "respondent_group": {"enum": [g.value for g in RespondentGroup]},
            "association_level": BOOLEAN,
            "round_year": INTEGER,
            "previous_year": NULLABLE_INTEGER,
            "previous_groups": array(STRING),
            "groups_differ_from_previous": BOOLEAN,
            "k": {"type": "integer", "minimum": 1},
            "example_instrument": BOOLEAN,
            "invited": COUNT,
            "responses": COUNT,
            "response_rate": {"type": ["number", "null"], "minimum": 0},
            "groups": array(
                obj(
                    {
                        "group_id": INTEGER,
                        "group": STRING,
                        "invited": COUNT,
                        "responses": COUNT,
                        "response_rate": {"type": ["number", "null"]},
                    }
                )
            ),
            "indicators": array(ref("SurveyRow")),
            "questions": array(ref("SurveyRow")),
            "free_texts_suppressed": BOOLEAN,
            "free_texts": array(
                obj(
                    {
                        "question": STRING,
                        "group": NULLABLE_STRING,
                        "text": STRING,
                    }
                )
            ),
        },
        "One respondent group's survey round: responses, figures and free text. An "
        "association-level round (board, list) has no groups.",
    ),
    "BoardSummary": obj(
        {
            "association": obj({"id": INTEGER, "name": STRING}),
            "period": obj(
                {
                    "year": INTEGER,
                    "kind": {"enum": ["year", "h1"]},
                    "start": {"type": "string", "format": "date"},
                    "end": {"type": "string", "format": "date"},
                }
            ),
            "empty": BOOLEAN,
            "plans": obj(
                {
                    "goal_areas": array(GOAL_AREA),
                    "goals": array(
                        obj(
                            {
                                "group_id": INTEGER,
                                "group": STRING,
                                "goal_area": NULLABLE_STRING,
                                "title": STRING,
                                "indicator": STRING,
                                "baseline": STRING,
                                "target": STRING,
                                "outcome": STRING,
                                "assessment": {"enum": [a.value for a in Assessment]},
                            }
                        )
                    ),
                    "groups": array(
                        obj(
                            {
                                "group_id": INTEGER,
                                "group": STRING,
                                "plan_id": NULLABLE_INTEGER,
                                "status": PLAN_STATUS,
                                "concretised": BOOLEAN,
                                "activities": ACTIVITIES,
                            }
                        )
                    ),
                    "groups_with_plan": COUNT,
                    "groups_concretised": COUNT,
                }
            ),
            "meetings": obj(
                {
                    "planned": COUNT,
                    "held": COUNT,
                    "attendance_rate": RATE,
                    "members_joined": COUNT,
                    "members_left": COUNT,
                    "groups": array(
                        obj(
                            {
                                "group_id": INTEGER,
                                "group": STRING,
                                "planned": COUNT,
                                "held": COUNT,
                                "attendance_rate": RATE,
                                "agencies_flagged": array(STRING),
                                "members_at_start": COUNT,
                                "members_joined": COUNT,
                                "members_left": COUNT,
                                "turnover_rate": {"type": ["number", "null"], "minimum": 0},
                            }
                        )
                    ),
                    "agencies": array(
                        obj(
                            {
                                "agency": STRING,
                                "meetings_invited": COUNT,
                                "meetings_represented": COUNT,
                                "attendance_rate": RATE,
                                "often_absent": BOOLEAN,
                                "flagged_in_groups": array(STRING),
                            }
                        )
                    ),
                }
            ),
            "survey": {"oneOf": [ref("SurveySection"), {"type": "null"}]},
            "surveys": array(ref("SurveySection")),
            "trends": array(
                obj(
                    {
                        "id": STRING,
                        "title": STRING,
                        "unit": {"enum": ["share", "count"]},
                        "years": array(INTEGER),
                        "series": array(
                            obj(
                                {
                                    "name": STRING,
                                    "values": array({"type": ["number", "null"]}),
                                }
                            )
                        ),
                    }
                )
            ),
            "analyses": array(
                obj({"section": STRING, "markdown": STRING}),
            ),
            "development_areas": array(
                obj(
                    {
                        "title": STRING,
                        "description": STRING,
                        "carried_to": array(
                            obj(
                                {
                                    "group_id": INTEGER,
                                    "group": STRING,
                                    "plan_year": INTEGER,
                                    "kind": {"enum": ["goal", "activity", None]},
                                    "item": NULLABLE_STRING,
                                }
                            )
                        ),
                    }
                )
            ),
        },
        "The board summary of the period, figures exactly as on the summary page, with the"
        " admins' analysis texts (Markdown as written, unrendered) and the development"
        " areas with the plans each was carried into.",
    ),
}
