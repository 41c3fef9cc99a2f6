"""The API's figures are the pages' figures: captured from the rendered page, value by value."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import template_rendered

from portal.api.serialize import cell_json
from portal.reporting.services.serialize import board_json, texts_json
from portal.surveys.models import SurveyRound
from tests.api.conftest import ApiWorld
from tests.conftest import put_session


@contextmanager
def captured(app: Any) -> Iterator[list[dict[str, Any]]]:
    """The context of every template rendered meanwhile."""
    contexts: list[dict[str, Any]] = []

    def record(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        contexts.append(context)

    template_rendered.connect(record, app)
    try:
        yield contexts
    finally:
        template_rendered.disconnect(record, app)


def sign_in_admin(client: Any, aworld: ApiWorld) -> None:
    put_session(client, aworld.world.user_ids["admin"])


def test_meeting_statistics_equal_the_statistics_page(app, client, aworld) -> None:
    sign_in_admin(client, aworld)
    with captured(app) as contexts:
        page = client.get(f"/a/{aworld.world.slug}/statistics?year=2025")
    assert page.status_code == 200
    context = contexts[0]
    api = client.get(f"{aworld.base}/meetings/statistics?year=2025", headers=aworld.headers).json
    assert [i["group_id"] for i in api["items"]] == [g.id for g in context["groups"]]
    compared = 0
    for item in api["items"]:
        gid = item["group_id"]
        figures = context["figures"][gid]
        assert (item["meetings_planned"], item["meetings_held"]) == (figures.planned, figures.held)
        assert (item["present_seats"], item["recorded_seats"]) == (
            figures.present_seats,
            figures.recorded_seats,
        )
        assert item["attendance_rate"] == figures.rate
        agencies = context["agencies"][gid]
        assert [
            (a["agency_id"], a["invited"], a["represented"], a["flagged"]) for a in item["agencies"]
        ] == [(a.agency_id, a.invited, a.represented, a.flagged) for a in agencies]
        turnover = context["turnover"][gid]
        assert item["turnover"] == {
            "at_start": turnover.at_start,
            "joined": turnover.joined,
            "left": turnover.left,
            "rate": turnover.rate,
        }
        compared += 1
    assert compared == 2
    ours = next(i for i in api["items"] if i["group_id"] == aworld.world.group_id)
    # hand-checked: 4 meetings, 8 of 12 recorded seats present, the region flagged
    assert (ours["meetings_held"], ours["present_seats"], ours["recorded_seats"]) == (4, 8, 12)
    assert [a["name"] for a in ours["agencies"] if a["flagged"]] == ["Region Gävleborg"]


def test_survey_results_equal_the_results_page(app, client, aworld, db_session) -> None:
    survey_round = db_session.query(SurveyRound).filter_by(year=2026).one()
    sign_in_admin(client, aworld)
    with captured(app) as contexts:
        page = client.get(f"/a/{aworld.world.slug}/surveys/{survey_round.id}/results")
    assert page.status_code == 200
    figures = contexts[0]["figures"]
    api = client.get(f"{aworld.base}/surveys/rounds/2026/results", headers=aworld.headers).json
    results = api["results"]
    assert (results["k"], results["responses"]) == (figures.k, figures.responses)
    assert {r["group_id"]: r["responses"] for r in results["responses_by_group"]} == {
        g.id: figures.responses_by_group.get(g.id, 0) for g in survey_round.groups
    }
    assert [q["code"] for q in results["questions"]] == [r.question.code for r in figures.questions]
    hidden = shown = 0
    for question, result in zip(results["questions"], figures.questions, strict=True):
        points = result.question.points
        assert question["overall"] == cell_json(result.overall, points)
        for group_cell in question["groups"]:
            cell = result.groups[group_cell["group_id"]]
            expected = cell_json(cell, points)
            assert {
                k: v for k, v in group_cell.items() if k not in {"group_id", "group_name"}
            } == expected
            if cell.hidden:
                hidden += 1
                assert set(group_cell) == {"group_id", "group_name", "hidden", "reason"}
            else:
                shown += 1
                assert group_cell["share_positive"] == cell.share_positive
                assert group_cell["mean"] == cell.mean
        assert "agency_kinds" not in question
    # Ockelbo has one response: hidden as "few", Gävle then as "secondary"
    assert hidden > 0
    assert shown == 0
    a1 = next(q for q in results["questions"] if q["code"] == "A1")
    assert {c["reason"] for c in a1["groups"]} == {"few", "secondary"}
    assert a1["overall"]["share_positive"] == 0.5  # hand-computed: 7, 6 of 7, 2, 1


def test_board_summary_equals_the_summary_page(app, client, aworld) -> None:
    sign_in_admin(client, aworld)
    for year, period in ((2026, "year"), (2025, "h1")):
        with captured(app) as contexts:
            page = client.get(f"/a/{aworld.world.slug}/reports/{year}?period={period}")
        assert page.status_code == 200
        context = contexts[0]
        expected = {
            **board_json(context["summary"]),
            **texts_json(context["analyses"], context["areas"]),  # the words beside the figures
        }
        api = client.get(
            f"{aworld.base}/board-summary/{year}?period={period}", headers=aworld.headers
        ).json
        assert api == expected
    assert api["meetings"]["held"] == 2  # 11 February and 13 May 2025
    assert api["period"]["kind"] == "h1"


def test_plan_summaries_equal_the_reporting_function(client, aworld, db_session) -> None:
    from portal.organisations.models import Association
    from portal.reporting.services.summary import plan_summaries

    association = db_session.get(Association, aworld.association_id)
    expected = [p.as_json() for p in plan_summaries(association, 2026)]
    api = client.get(f"{aworld.base}/plans?year=2026", headers=aworld.headers).json
    assert api["items"] == expected
