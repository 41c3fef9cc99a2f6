"""The API accepts exactly the parameter values its OpenAPI document allows.

Issue 19, item 6: an empty enum value was accepted (read as the default) and ``page``
had a maximum the document did not mention. For every operation and every documented
parameter, the values at and just past each documented bound are tried.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.schema import DOCUMENT

A = "/associations/{association_id}"


def _parameters(operation: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for given in operation.get("parameters", []):
        if "$ref" in given:
            yield DOCUMENT["components"]["parameters"][given["$ref"].rsplit("/", 1)[1]]
        else:
            yield given


def _probes(schema: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    """(value, allowed) pairs at the edges of ``schema``."""
    if "enum" in schema:
        yield from ((str(value), True) for value in schema["enum"] if value is not None)
        yield "", False
        yield "not-a-choice", False
    elif schema.get("type") == "integer":
        low = schema.get("minimum")
        high = schema.get("maximum")
        if low is not None:
            yield str(low), True
            yield str(low - 1), False
        # Without a documented maximum any size must do.
        yield (str(high), True) if high is not None else (str(10**12), True)
        if high is not None:
            yield str(high + 1), False
        yield "", False
        yield "1.5", False


def _cases() -> Iterator[Any]:
    for path, item in DOCUMENT["paths"].items():
        if not path.startswith(A):
            continue
        operation = item["get"]
        for parameter in _parameters(operation):
            if parameter["in"] == "path" and parameter["name"] != "year":
                continue  # ids: a number past the last row is 404, not a bad request
            for value, allowed in _probes(parameter["schema"]):
                yield pytest.param(
                    path, parameter, value, allowed, id=f"{path}:{parameter['name']}={value!r}"
                )


def _url(aworld: Any, path: str, parameter: dict[str, Any], value: str) -> str:
    concrete = path.replace(A, aworld.base).replace("{group_id}", str(aworld.world.group_id))
    if parameter["in"] == "path":
        return concrete.replace("{" + parameter["name"] + "}", value)
    concrete = concrete.replace("{year}", "2026")
    return f"{concrete}?{parameter['name']}={value}"


@pytest.mark.parametrize(("path", "parameter", "value", "allowed"), list(_cases()))
def test_each_parameter_is_checked_as_documented(client, aworld, path, parameter, value, allowed):
    if parameter["in"] == "path" and value == "":
        pytest.skip("an empty path segment is another route")
    response = client.get(_url(aworld, path, parameter, value), headers=aworld.headers)
    if allowed:
        assert response.status_code != 400, response.json
    else:
        assert response.status_code in {400, 404}, (response.status_code, response.json)
        if parameter["in"] == "query":
            assert response.status_code == 400
