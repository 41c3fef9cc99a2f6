"""Building blocks of the OpenAPI document's JSON Schemas (2020-12)."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

INTEGER: Schema = {"type": "integer"}
COUNT: Schema = {"type": "integer", "minimum": 0}
STRING: Schema = {"type": "string"}
BOOLEAN: Schema = {"type": "boolean"}
URL: Schema = {"type": "string", "format": "uri"}
RATE: Schema = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], description: str = "") -> Schema:
    """An object with exactly these properties, all required."""
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def page_of(item: str) -> Schema:
    return obj(
        {
            "items": array(ref(item)),
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
            "total": COUNT,
            "links": ref("PageLinks"),
        },
        f"A page of {item} items.",
    )


def cell(extra: dict[str, Schema] | None = None) -> Schema:
    """A result cell: figures when shown; only the reason when hidden (no count)."""
    extra = extra or {}
    shown = obj(
        {
            **extra,
            "answers": COUNT,
            "hidden": {"const": False},
            "base": COUNT,
            "dont_know": COUNT,
            "positive": COUNT,
            "share_positive": RATE,
            "mean": {"type": ["number", "null"]},
            "distribution": array(
                obj({"value": {"type": "integer", "minimum": 1}, "count": COUNT})
            ),
        },
        "At least k answers on the scale stand behind this cell.",
    )
    hidden = obj(
        {
            **extra,
            "hidden": {"const": True},
            "reason": {
                "enum": ["few", "secondary"],
                "description": "few: fewer than k answers on the scale; secondary: would "
                "reveal a smaller hidden cell by subtraction (counted in respondents, "
                'so "don\'t know" and unanswered questions are covered too).',
            },
        },
        "Not shown: only why. No count is given, as the count too could be subtracted.",
    )
    return {"oneOf": [shown, hidden]}
