"""Validate API responses against the schemas in the API's own OpenAPI document."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from portal.api.openapi import openapi_document

DOCUMENT = openapi_document("http://portal.test/api/v1")


def response_schema(path: str, status: str = "200") -> dict[str, Any]:
    """The schema of a GET response; component references resolve within the document."""
    response = DOCUMENT["paths"][path]["get"]["responses"][status]
    if "$ref" in response:
        response = DOCUMENT["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    return {**schema, "components": DOCUMENT["components"]}


def assert_valid(path: str, body: Any, status: str = "200") -> None:
    """Raise with every difference between ``body`` and the documented schema."""
    validator = Draft202012Validator(
        response_schema(path, status), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
