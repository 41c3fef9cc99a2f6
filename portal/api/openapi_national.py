"""Schema and path of the national compilation (``portal.national`` as JSON, issue 22).

It describes ``portal.national.services.export.to_json`` exactly; the tests validate
real responses against it. The path opens only to a national network token.
"""

from __future__ import annotations

from portal.api.openapi_base import COUNT, RATE, STRING, Schema, array, obj, ref
from portal.surveys.models import RespondentGroup

NULLABLE_COUNT: Schema = {"type": ["integer", "null"], "minimum": 0}
GROUP: Schema = {"enum": [g.value for g in RespondentGroup]}

SCHEMAS: dict[str, Schema] = {
    "NationalLine": obj(
        {
            "level": {"enum": ["indicator", "question"]},
            "code": STRING,
            "title": STRING,
            "share": RATE,
            "associations": NULLABLE_COUNT,
            "answers": NULLABLE_COUNT,
            "previous_share": RATE,
            "change_pp": {
                "type": ["number", "null"],
                "description": "Percentage points since last year, one decimal.",
            },
        },
        "An indicator or question over the installation: null where fewer than three"
        " associations have their own k answers.",
    ),
    "NationalAssociation": obj(
        {
            "name": STRING,
            "shares": {
                "type": "object",
                "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
                "description": "Code → share; a code is absent where the association's own"
                " figure has fewer than its k answers.",
            },
        }
    ),
    "NationalCompilation": obj(
        {
            "year": {"type": "integer"},
            "respondent_group": GROUP,
            "participating_associations": COUNT,
            "unnamed_associations": COUNT,
            "lines": array(ref("NationalLine")),
            "associations": array(ref("NationalAssociation")),
        },
        "The national compilation of a year and respondent group, as on its page.",
    ),
}

PARAMETERS: dict[str, Schema] = {
    "group_path": {
        "name": "group",
        "in": "path",
        "required": True,
        "schema": GROUP,
    },
}
