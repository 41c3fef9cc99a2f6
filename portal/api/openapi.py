"""The OpenAPI 3.1 document of ``/api/v1``, built here so it cannot drift from the code.

Schemas are JSON Schema 2020-12 (the 3.1 default dialect). Objects forbid properties
they do not list, so the tests that validate every response against this document
notice any field added to a response and not described here.
"""

from __future__ import annotations

from portal.api import openapi_national, openapi_reporting
from portal.api.openapi_base import (
    BOOLEAN,
    COUNT,
    INTEGER,
    NULLABLE_STRING,
    RATE,
    STRING,
    URL,
    Schema,
    array,
    cell,
    obj,
    page_of,
    ref,
)
from portal.api.params import MAX_PAGE
from portal.surveys.models import RespondentGroup

RESPONDENT_GROUP: Schema = {
    "enum": [g.value for g in RespondentGroup],
    "description": "Whom the round asked (issue 22); board and list rounds have no groups.",
}

SCHEMAS: dict[str, Schema] = {
    "Error": obj(
        {"error": obj({"status": {"type": "integer", "minimum": 400}, "message": STRING})}
    ),
    "PageLinks": obj({"self": URL, "next": {"type": ["string", "null"]}, "prev": NULLABLE_STRING}),
    "NamedRef": obj({"id": INTEGER, "name": STRING}),
    "Agency": obj(
        {"id": INTEGER, "name": STRING, "kind": {"enum": ["state", "region", "municipality"]}}
    ),
    "Association": obj(
        {
            "id": INTEGER,
            "name": STRING,
            "slug": STRING,
            "min_survey_answers": {"type": "integer", "minimum": 1},
            "agencies": array(ref("Agency")),
        }
    ),
    "Group": obj(
        {
            "id": INTEGER,
            "name": STRING,
            "municipalities": array(ref("NamedRef")),
            "current_members": COUNT,
            "agencies_represented": COUNT,
        },
        "A Mysam group with today's head count and number of agencies represented.",
    ),
    "GroupPage": page_of("Group"),
    "AgencyAttendance": obj(
        {
            "agency_id": INTEGER,
            "name": STRING,
            "invited": COUNT,
            "represented": COUNT,
            "missed": COUNT,
            "rate": RATE,
            "flagged": {
                "type": "boolean",
                "description": "Missing from at least half of the meetings it was invited to.",
            },
        }
    ),
    "Turnover": obj({"at_start": COUNT, "joined": COUNT, "left": COUNT, "rate": RATE}),
    "GroupMeetingFigures": obj(
        {
            "group_id": INTEGER,
            "group_name": STRING,
            "meetings_planned": COUNT,
            "meetings_held": COUNT,
            "recorded_seats": COUNT,
            "present_seats": COUNT,
            "attendance_rate": RATE,
            "agencies": array(ref("AgencyAttendance")),
            "turnover": ref("Turnover"),
        }
    ),
    "MeetingStatistics": obj(
        {
            "association_id": INTEGER,
            "year": INTEGER,
            "has_data": BOOLEAN,
            "message": NULLABLE_STRING,
            "items": array(ref("GroupMeetingFigures")),
        },
        "The figures of the association's meeting statistics page, per group.",
    ),
    "SurveyRound": obj(
        {
            "year": INTEGER,
            "respondent_group": RESPONDENT_GROUP,
            "status": {"enum": ["open", "closed"]},
            "opens_on": {"type": "string", "format": "date"},
            "closes_on": {"type": "string", "format": "date"},
            "min_answers": {"type": "integer", "minimum": 1},
            "instrument": obj(
                {"code": STRING, "version": STRING, "title": STRING, "is_example": BOOLEAN}
            ),
            "groups": array(ref("NamedRef")),
            "results_url": URL,
        }
    ),
    "SurveyRoundPage": page_of("SurveyRound"),
    "Cell": cell(),
    "GroupCell": cell({"group_id": INTEGER, "group_name": STRING}),
    "QuestionResult": obj(
        {
            "code": STRING,
            "indicator_code": STRING,
            "indicator_title": STRING,
            "text": STRING,
            "is_example": BOOLEAN,
            "points": {"type": "integer", "minimum": 2},
            "positive_from": {"type": "integer", "minimum": 1},
            "overall": ref("Cell"),
            "groups": array(ref("GroupCell")),
        }
    ),
    "RoundResults": obj(
        {
            "k": {"type": "integer", "minimum": 1},
            "responses": COUNT,
            "responses_by_group": array(
                obj({"group_id": INTEGER, "group_name": STRING, "responses": COUNT})
            ),  # empty for an association-level round (board, list): it asked no group
            "questions": array(ref("QuestionResult")),
        }
    ),
    "SurveyResults": obj(
        {
            "year": INTEGER,
            "respondent_group": RESPONDENT_GROUP,
            "status": {"enum": ["none", "open", "closed"]},
            "message": NULLABLE_STRING,
            "results": {"oneOf": [ref("RoundResults"), {"type": "null"}]},
        },
        "results is null, with a message, until the year's round has closed.",
    ),
    **openapi_reporting.SCHEMAS,
    **openapi_national.SCHEMAS,
}

ERROR_CONTENT = {"application/json": {"schema": ref("Error")}}
RESPONSES: dict[str, Schema] = {
    "BadRequest": {"description": "A parameter is malformed.", "content": ERROR_CONTENT},
    "Unauthorized": {
        "description": "No token, or an unknown or revoked one (the body never says which).",
        "headers": {"WWW-Authenticate": {"schema": STRING}},
        "content": ERROR_CONTENT,
    },
    "NotFound": {
        "description": "No such object, or it belongs to another association than the token.",
        "content": ERROR_CONTENT,
    },
    "MethodNotAllowed": {"description": "The API answers GET only.", "content": ERROR_CONTENT},
    "TooManyRequests": {
        "description": "The token's rate limit is used up.",
        "headers": {"Retry-After": {"schema": INTEGER}},
        "content": ERROR_CONTENT,
    },
    "ServerError": {"description": "Something went wrong on the server.", "content": ERROR_CONTENT},
}

PARAMETERS: dict[str, Schema] = {
    "association_id": {
        "name": "association_id",
        "in": "path",
        "required": True,
        "description": "The association the token belongs to.",
        "schema": {"type": "integer", "minimum": 1},
    },
    "group_id": {
        "name": "group_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    },
    "year_path": {
        "name": "year",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
    },
    "year": {
        "name": "year",
        "in": "query",
        "description": "The calendar year (Europe/Stockholm); the current year if left out.",
        "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
    },
    "period": {
        "name": "period",
        "in": "query",
        "description": "The whole year, or its first half (1 January – 30 June).",
        "schema": {"enum": ["year", "h1"], "default": "year"},
    },
    **openapi_national.PARAMETERS,
    "page": {
        "name": "page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    "respondent_group": {
        "name": "respondent_group",
        "in": "query",
        "description": "Whom the round asked: a year has a round per respondent group.",
        "schema": {"enum": [g.value for g in RespondentGroup], "default": "managers"},
    },
    "per_page": {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    },
}


def _param(name: str) -> Schema:
    return {"$ref": f"#/components/parameters/{name}"}


def operation(
    operation_id: str,
    summary: str,
    schema: str,
    parameters: list[str],
    *,
    bad_request: bool = False,
) -> Schema:
    """A GET operation with its success schema and the errors it can answer."""
    responses: Schema = {
        "200": {"description": summary, "content": {"application/json": {"schema": ref(schema)}}},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "405": {"$ref": "#/components/responses/MethodNotAllowed"},
        "429": {"$ref": "#/components/responses/TooManyRequests"},
        "500": {"$ref": "#/components/responses/ServerError"},
    }
    if bad_request:
        responses["400"] = {"$ref": "#/components/responses/BadRequest"}
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [_param(p) for p in parameters],
            "responses": dict(sorted(responses.items())),
        }
    }


A = "/associations/{association_id}"
PATHS: dict[str, Schema] = {
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document.",
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 document.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
    A: operation(
        "association", "The association and its agencies.", "Association", ["association_id"]
    ),
    f"{A}/groups": operation(
        "groups",
        "The groups, by name.",
        "GroupPage",
        ["association_id", "page", "per_page"],
        bad_request=True,
    ),
    f"{A}/groups/{{group_id}}": operation(
        "group", "One group.", "Group", ["association_id", "group_id"]
    ),
    f"{A}/meetings/statistics": operation(
        "meeting_statistics",
        "Meetings, attendance per agency and turnover per group for a year.",
        "MeetingStatistics",
        ["association_id", "year"],
        bad_request=True,
    ),
    f"{A}/surveys/rounds": operation(
        "survey_rounds",
        "Opened and closed survey rounds, newest first.",
        "SurveyRoundPage",
        ["association_id", "page", "per_page"],
        bad_request=True,
    ),
    f"{A}/surveys/rounds/{{year}}/results": operation(
        "survey_results",
        "A closed round's results, with cells below k hidden as on the results page.",
        "SurveyResults",
        ["association_id", "year_path", "respondent_group"],
        bad_request=True,
    ),
    f"{A}/plans": operation(
        "plans",
        "Each group's action plan for a year: status, konkretiserad, goals, activities.",
        "PlanSummaries",
        ["association_id", "year"],
        bad_request=True,
    ),
    f"{A}/board-summary/{{year}}": operation(
        "board_summary",
        "The board summary for a year or its first half, as on the summary page.",
        "BoardSummary",
        ["association_id", "year_path", "period"],
        bad_request=True,
    ),
    "/national/{year}/{group}": operation(
        "national_compilation",
        "The national compilation of a year and respondent group (a national network token).",
        "NationalCompilation",
        ["year_path", "group_path"],
        bad_request=True,
    ),
}

DESCRIPTION = """Read-only figures for the association's board and the agencies' BI tools.

Authenticate with `Authorization: Bearer <token>`; an association's admins create and
revoke tokens under *API tokens*. A token reads only its own association. Lists are
paginated (`page`, `per_page` up to 200). Survey figures are shown only where at least
*k* answers stand behind them; a hidden cell gives the reason only, no count. No
figure is broken down by agency kind: with groups of five to seven people it would
point at persons.
No response contains a person's name.

The national network's tokens (created on its compilation page) read
`/national/{year}/{group}` and nothing else; an association's token cannot read it."""


def openapi_document(server_url: str) -> Schema:
    """The whole document; ``server_url`` is the API's base address (``…/api/v1``)."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Samverkansportalen API",
            "version": "1.0.0",
            "description": DESCRIPTION,
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token of the association (starts with svp_).",
                }
            },
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": RESPONSES,
        },
    }
