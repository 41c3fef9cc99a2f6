"""The survey API with a round per respondent group in a year (issue 22): the list says
whom each round asked, results are asked for by respondent group (the managers' by
default), and an association-level round's results have no groups."""

from __future__ import annotations

from typing import Any

from portal.surveys.models import RespondentGroup
from tests.api.schema import assert_valid
from tests.api.test_endpoints import get
from tests.reporting.test_respondent_groups import _instrument, association_round

RESULTS = "/associations/{association_id}/surveys/rounds/{year}/results"


def _board_round(db_session: Any, aworld: Any) -> None:
    board = _instrument(RespondentGroup.BOARD)
    association_round(aworld.association_id, board, RespondentGroup.BOARD, 2026, [7, 6, 2], 4)
    db_session.commit()


def test_results_per_respondent_group(client, aworld, db_session) -> None:
    _board_round(db_session, aworld)
    rounds = get(client, aworld, "/surveys/rounds").json["items"]
    assert sorted(r["respondent_group"] for r in rounds) == ["board", "managers"]
    board = next(r for r in rounds if r["respondent_group"] == "board")
    assert board["groups"] == []
    assert board["results_url"].endswith("/surveys/rounds/2026/results?respondent_group=board")
    assert_valid(
        "/associations/{association_id}/surveys/rounds", get(client, aworld, "/surveys/rounds").json
    )
    managers = get(client, aworld, "/surveys/rounds/2026/results").json
    assert managers["respondent_group"] == "managers"
    assert managers["results"]["responses"] == 4
    response = get(client, aworld, "/surveys/rounds/2026/results?respondent_group=board")
    assert response.status_code == 200
    assert_valid(RESULTS, response.json)
    results = response.json["results"]
    assert response.json["respondent_group"] == "board"
    assert results["responses"] == 3
    assert results["responses_by_group"] == []
    a1 = next(q for q in results["questions"] if q["code"] == "A1")
    assert a1["groups"] == []
    assert (a1["overall"]["answers"], a1["overall"]["positive"]) == (3, 2)
    staff = get(client, aworld, "/surveys/rounds/2026/results?respondent_group=staff").json
    assert (staff["status"], staff["results"]) == ("none", None)
    refused = get(client, aworld, "/surveys/rounds/2026/results?respondent_group=styrelse")
    assert refused.status_code == 400


def test_another_associations_token_does_not_reach_the_board_round(
    client, aworld, db_session
) -> None:
    _board_round(db_session, aworld)
    response = client.get(
        f"/api/v1/associations/{aworld.association_id}/surveys/rounds/2026/results"
        "?respondent_group=board",
        headers={"Authorization": f"Bearer {aworld.other_secret}"},
    )
    assert response.status_code in (403, 404)
