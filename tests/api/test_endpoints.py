"""Every endpoint answers with a body its OpenAPI schema describes; lists paginate."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate

from portal.api.openapi import openapi_document
from tests.api.conftest import ApiWorld
from tests.api.schema import DOCUMENT, assert_valid


def get(client: Any, aworld: ApiWorld, path: str, **kwargs: Any) -> Any:
    return client.get(aworld.base + path, headers=aworld.headers, **kwargs)


def test_the_document_is_valid_openapi_3_1(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document["servers"] == [{"url": "http://localhost/api/v1"}]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_document_describes_every_api_route(app: Any) -> None:
    documented = {
        "/api/v1" + path.replace("{", "<").replace("}", ">") for path in DOCUMENT["paths"]
    }
    routes = {
        rule.rule.replace("<int:", "<")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert routes == documented


A = "/associations/{association_id}"
NATIONAL_PATH = "/national/{year}/{group}"
# (documented path, concrete path after the association) for every token-guarded route
CASES = [
    (A, ""),
    (f"{A}/groups", "/groups"),
    (f"{A}/groups/{{group_id}}", "/groups/{group_id}"),
    (f"{A}/meetings/statistics", "/meetings/statistics?year=2025"),
    (f"{A}/meetings/statistics", "/meetings/statistics?year=2019"),
    (f"{A}/surveys/rounds", "/surveys/rounds"),
    (f"{A}/surveys/rounds/{{year}}/results", "/surveys/rounds/2026/results"),
    (f"{A}/surveys/rounds/{{year}}/results", "/surveys/rounds/2019/results"),
    (f"{A}/plans", "/plans?year=2026"),
    (f"{A}/plans", "/plans?year=2019"),
    (f"{A}/board-summary/{{year}}", "/board-summary/2026"),
    (f"{A}/board-summary/{{year}}", "/board-summary/2025?period=h1"),
    (f"{A}/board-summary/{{year}}", "/board-summary/2019?period=year"),
]


@pytest.mark.parametrize(("documented", "path"), CASES)
def test_every_endpoint_matches_its_schema(client, aworld, documented, path) -> None:
    response = get(client, aworld, path.format(group_id=aworld.world.group_id))
    assert response.status_code == 200, response.json
    assert response.mimetype == "application/json"
    assert_valid(documented, response.json)
    text = json.dumps(response.json, ensure_ascii=False)
    for name in aworld.people:
        assert name not in text, name


def test_every_token_guarded_operation_is_exercised() -> None:
    # The national compilation's path takes a national network token: tests/national.
    operations = {p for p in DOCUMENT["paths"] if p not in {"/openapi.json", NATIONAL_PATH}}
    assert {documented for documented, _path in CASES} == operations


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/groups/999999", "404"),
        ("/groups?page=0", "400"),
        ("/groups?per_page=201", "400"),
        ("/groups?page=x", "400"),
        ("/meetings/statistics?year=1999", "400"),
        ("/meetings/statistics?year=20x5", "400"),
        ("/surveys/rounds/1999/results", "400"),
        ("/plans?year=2101", "400"),
        ("/board-summary/2026?period=h2", "400"),
        ("/board-summary/1999", "400"),
    ],
)
def test_errors_are_json_as_documented(client, aworld, path, status) -> None:
    response = get(client, aworld, path)
    assert str(response.status_code) == status
    assert_valid("/associations/{association_id}/groups", response.json, status=status)
    assert response.json["error"]["status"] == int(status)


def test_groups_paginate_with_links(client, aworld) -> None:
    first = get(client, aworld, "/groups?per_page=1").json
    assert (first["page"], first["per_page"], first["total"]) == (1, 1, 2)
    assert first["links"]["prev"] is None
    assert first["links"]["next"].endswith("/groups?page=2&per_page=1")
    assert [g["name"] for g in first["items"]] == ["Mysam Gävle"]
    second = client.get(first["links"]["next"], headers=aworld.headers).json
    assert [g["name"] for g in second["items"]] == ["Mysam Ockelbo"]
    assert second["links"]["next"] is None
    assert second["links"]["prev"].endswith("/groups?page=1&per_page=1")
    beyond = get(client, aworld, "/groups?page=9").json
    assert beyond["items"] == []
    assert beyond["links"]["prev"].endswith("page=1&per_page=50")


def test_group_head_counts(client, aworld) -> None:
    body = get(client, aworld, f"/groups/{aworld.world.group_id}").json
    assert body["name"] == "Mysam Gävle"
    assert [m["name"] for m in body["municipalities"]] == ["Gävle kommun"]
    assert body["current_members"] == 4  # the former member is not counted
    assert body["agencies_represented"] == 3


def test_a_year_without_data_is_an_empty_answer_not_an_error(client, aworld) -> None:
    stats = get(client, aworld, "/meetings/statistics?year=2019").json
    assert stats["has_data"] is False
    assert stats["message"]
    assert all(item["meetings_planned"] == 0 for item in stats["items"])
    results = get(client, aworld, "/surveys/rounds/2019/results").json
    assert (results["status"], results["results"]) == ("none", None)
    assert results["message"]


def test_an_open_round_publishes_no_figures(client, aworld, db_session) -> None:
    from tests.support.surveys import make_round

    make_round(db_session, aworld.world, year=2027)
    body = get(client, aworld, "/surveys/rounds/2027/results").json
    assert (body["status"], body["results"]) == ("open", None)
    rounds = get(client, aworld, "/surveys/rounds").json
    assert [r["year"] for r in rounds["items"]] == [2027, 2026]


def test_rounds_list(client, aworld) -> None:
    body = get(client, aworld, "/surveys/rounds").json
    assert body["total"] == 1
    (item,) = body["items"]
    assert (item["year"], item["status"], item["min_answers"]) == (2026, "closed", 3)
    assert item["results_url"] == f"http://localhost{aworld.base}/surveys/rounds/2026/results"


def test_the_document_is_built_for_the_requesting_host(app) -> None:
    assert openapi_document("https://x.example/api/v1")["servers"][0]["url"].startswith("https://")


def test_plan_summaries(client, aworld) -> None:
    body = get(client, aworld, "/plans?year=2026").json
    assert body["has_data"] is True
    ours, other = body["items"]
    assert (ours["group"], ours["status"], ours["concretised"]) == ("Mysam Gävle", "draft", True)
    assert ours["goals"]["met"] == 1
    assert ours["activities"] == {"not_started": 0, "ongoing": 1, "done": 1, "cancelled": 0}
    assert (other["group"], other["plan_id"]) == ("Mysam Ockelbo", None)
    empty = get(client, aworld, "/plans?year=2019").json
    assert (empty["has_data"], bool(empty["message"])) == (False, True)


def test_board_summary_period(client, aworld) -> None:
    year = get(client, aworld, "/board-summary/2025").json
    assert year["period"] == {
        "year": 2025,
        "kind": "year",
        "start": "2025-01-01",
        "end": "2025-12-31",
    }
    assert year["meetings"]["held"] == 4
    half = get(client, aworld, "/board-summary/2025?period=h1").json
    assert half["period"]["end"] == "2025-06-30"
    assert half["meetings"]["held"] == 2
    nothing = get(client, aworld, "/board-summary/2019").json
    assert nothing["empty"] is True


@pytest.mark.parametrize(
    "path", ["/groups", "/meetings/statistics?year=2025", "/surveys/rounds/2026/results"]
)
def test_query_count_does_not_grow_with_the_groups(
    client, aworld, f, db_session, count_queries, path
) -> None:
    from portal.organisations.models import Association

    get(client, aworld, path)  # the first use of the token also records last_used_at
    with count_queries() as before:
        assert get(client, aworld, path).status_code == 200
    association = db_session.get(Association, aworld.association_id)
    for n in range(4):
        f.membership(f.group(association, name=f"Mysam Extra {n}"))
    db_session.commit()
    with count_queries() as after:
        assert get(client, aworld, path).status_code == 200
    assert after.count == before.count


def test_board_summary_has_the_analysis_texts_and_development_areas(
    client, aworld, db_session
) -> None:
    from portal.groups.models import Group
    from portal.reporting.services import development, texts

    texts.save_analysis(None, aworld.association_id, 2025, "year", "survey", "**Bra** år.", 0)
    texts.save_analysis(None, aworld.association_id, 2025, "h1", "survey", "Halvåret.", 0)
    area = development.add_area(
        None, aworld.association_id, 2025, development.AreaData("Fler möten", "Varannan vecka.")
    )
    gavle = db_session.get(Group, aworld.world.group_id)
    development.carry(None, area, [gavle], "activity")  # into the 2026 plan (aworld has one)
    db_session.commit()
    body = get(client, aworld, "/board-summary/2025").json
    assert_valid("/associations/{association_id}/board-summary/{year}", body)
    assert body["analyses"] == [{"section": "survey", "markdown": "**Bra** år."}]
    assert body["development_areas"] == [
        {
            "title": "Fler möten",
            "description": "Varannan vecka.",
            "carried_to": [
                {
                    "group_id": gavle.id,
                    "group": gavle.name,
                    "plan_year": 2026,
                    "kind": "activity",
                    "item": "Fler möten",
                }
            ],
        }
    ]
    half = get(client, aworld, "/board-summary/2025?period=h1").json
    assert half["analyses"] == [{"section": "survey", "markdown": "Halvåret."}]
    assert get(client, aworld, "/board-summary/2024").json["development_areas"] == []
