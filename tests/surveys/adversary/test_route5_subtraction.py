"""Route 5 of issue 15: subtraction across the published tables of one round.

The round (k = 3) has three groups. Mysam Gävle: five respondents, three of them from
the region (the only region agency in the association), two whose kind closing forgot
(a (group, kind) below k). Mysam Ockelbo: four, three municipal and one state agency
whose kind closing forgot. Mysam Sandviken: one respondent, who answered "don't know"
to A1. The responses are written as main's ``close_round`` leaves them, so the
figures are those main published; the submit and close paths are not what is tried.

Against main (commit 69b627a) both attacks worked, on the results page and the API:

1. Agency kind. The region row belongs to Gävle alone: Gävle's A1 distribution
   {1: 1, 2: 1, 6: 1, 7: 2} minus the region row's {6: 1, 7: 2} gave the two other
   Gävle respondents' answers, 1 and 2; Ockelbo {3: 1, 4: 1, 5: 2} minus the
   municipality row {4: 1, 5: 2} gave the single state respondent's answer, 3.
2. "Don't know". Sandviken (base 0) was hidden, but secondary suppression counted only
   answers on the scale, so nothing else was: the association's "don't know" count 1
   minus Gävle's 0 and Ockelbo's 0 said Sandviken's one respondent answered "don't
   know" (the hidden cell even showed its count of answers, 1).

Now the tests below try the same on every output and run the independent auditor over
the API's figures: no set of fewer than k respondents can be worked out.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from portal.accounts.models import User
from portal.api import services as api_services
from portal.organisations.models import AgencyKind, Association
from portal.surveys import disclosure, results
from portal.surveys.models import Answer, RoundStatus, SurveyResponse
from tests.request_context import request_context  # noqa: F401 - autouse here
from tests.support.sessions import sign_in
from tests.support.surveys import make_round
from tests.surveys.adversary.auditor import audit, audit_results, published_forms

K = 3
REGION, MUNICIPALITY = AgencyKind.REGION, AgencyKind.MUNICIPALITY
# group → (agency kind as main's close left it, A1 answer; None = "don't know")
PLAN: dict[str, list[tuple[AgencyKind | None, int | None]]] = {
    "gavle": [(REGION, 7), (REGION, 7), (REGION, 6), (None, 1), (None, 2)],
    "ockelbo": [(MUNICIPALITY, 5), (MUNICIPALITY, 5), (MUNICIPALITY, 4), (None, 3)],
    "sandviken": [(None, None)],
}
KIND_LABELS = ("Statlig myndighet", "Kommun", "Region")  # Swedish, the default locale
NAMES = {"gavle": "Mysam Gävle", "ockelbo": "Mysam Ockelbo", "sandviken": "Mysam Sandviken"}


@dataclass
class Route5:
    slug: str
    association_id: int
    round_id: int
    year: int
    groups: dict[str, int]
    headers: dict[str, str]
    world: Any


@pytest.fixture
def r5(sworld, db_session, f) -> Route5:
    association = db_session.get(Association, sworld.association_id)
    third = f.group(association, name=NAMES["sandviken"])
    db_session.commit()
    groups = {"gavle": sworld.group_id, "ockelbo": sworld.other_group_id, "sandviken": third.id}
    survey_round = make_round(db_session, sworld, k=K, group_ids=list(groups.values()))
    a1 = next(q for q in survey_round.instrument.questions if q.code == "A1")
    has_kind = hasattr(SurveyResponse, "agency_kind")  # until the column is dropped
    for key, answers in PLAN.items():
        for kind, value in answers:
            response = SurveyResponse(round_id=survey_round.id, group_id=groups[key])
            if has_kind:
                response.agency_kind = kind
            response.answers.append(Answer(question=a1, value=value, dont_know=value is None))
            db_session.add(response)
    db_session.flush()
    survey_round.status = RoundStatus.CLOSED  # as close_round ends, with its rollup
    db_session.flush()
    db_session.execute(results.totals_insert([survey_round.id]))
    admin = db_session.get(User, sworld.user_ids["admin"])
    _token, secret = api_services.create_token(admin, association, "BI")
    db_session.commit()
    return Route5(
        sworld.slug,
        sworld.association_id,
        survey_round.id,
        survey_round.year,
        groups,
        {"Authorization": f"Bearer {secret}"},
        sworld,
    )


def _api(client: Any, r5: Route5) -> dict[str, Any]:
    url = f"/api/v1/associations/{r5.association_id}/surveys/rounds/{r5.year}/results"
    response = client.get(url, headers=r5.headers)
    assert response.status_code == 200
    return response.get_json()["results"]


def _a1(figures: dict[str, Any]) -> dict[str, Any]:
    return next(q for q in figures["questions"] if q["code"] == "A1")


def _distribution(cell: dict[str, Any]) -> dict[int, int]:
    return {d["value"]: d["count"] for d in cell["distribution"] if d["count"]}


def kind_attack(figures: dict[str, Any]) -> list[dict[int, int]]:
    """Route 5, first finding: a group's cell minus a kind row no other group has."""
    a1 = _a1(figures)
    found = []
    for kind_cell in a1.get("agency_kinds", []):
        if kind_cell["hidden"]:
            continue
        for group_cell in a1["groups"]:
            if group_cell["hidden"]:
                continue
            group, kind = _distribution(group_cell), _distribution(kind_cell)
            rest = {v: group.get(v, 0) - kind.get(v, 0) for v in group}
            if all(n >= 0 for n in rest.values()) and 0 < sum(rest.values()) < K:
                found.append({v: n for v, n in rest.items() if n})
    return found


def dont_know_attack(figures: dict[str, Any]) -> int | None:
    """Route 5, second finding: the association's "don't know" minus the shown groups',
    when the hidden groups hold fewer than k respondents."""
    a1 = _a1(figures)
    if a1["overall"]["hidden"]:
        return None
    responses = {g["group_id"]: g["responses"] for g in figures["responses_by_group"]}
    hidden = [g for g in a1["groups"] if g["hidden"]]
    behind = sum(responses[g["group_id"]] for g in hidden)
    if not 0 < behind < K:
        return None
    shown = sum(g["dont_know"] for g in a1["groups"] if not g["hidden"])
    return int(a1["overall"]["dont_know"] - shown)


def test_the_api_gives_neither_attack_and_the_auditor_finds_no_leak(client, r5) -> None:
    figures = _api(client, r5)
    assert kind_attack(figures) == []
    assert dont_know_attack(figures) is None
    a1 = _a1(figures)
    assert "agency_kinds" not in a1
    by_name = {g["group_name"]: g for g in a1["groups"]}
    assert by_name["Mysam Sandviken"] == {
        "group_id": r5.groups["sandviken"],
        "group_name": "Mysam Sandviken",
        "hidden": True,
        "reason": "few",
    }
    # Counted in respondents: Sandviken's one person makes Ockelbo (the smallest
    # shown group) hidden too, so the association minus Gävle covers five people.
    assert by_name["Mysam Ockelbo"]["reason"] == "secondary"
    assert not by_name["Mysam Gävle"]["hidden"]
    assert not a1["overall"]["hidden"]
    assert all(leaks == [] for leaks in audit_results(figures, K).values())


def test_the_auditor_would_have_caught_main(client, r5) -> None:
    """The auditor is not blind: the figures main published (the hidden groups with
    their counts, nothing else hidden) leak Sandviken."""
    figures = _api(client, r5)
    responses, categories, _forms = published_forms(figures)
    cats = [c for c in categories if c[0] == "A1"]
    points = [c for c in cats if isinstance(c[1], int)]
    everyone = list(responses)
    full = [{c: 1} for c in cats]
    main_forms = [{(a, c): w for a in everyone for c, w in s.items()} for s in full]
    main_forms += [
        {(r5.groups[g], c): w for c, w in s.items()} for g in ("gavle", "ockelbo") for s in full
    ]
    main_forms.append({(r5.groups["sandviken"], c): 1 for c in cats if c[1] != "skip"})
    leaks = audit(responses, cats, main_forms, K)
    assert [set(leak.atoms) for leak in leaks] == [{r5.groups["sandviken"]}]
    assert points  # the scale was there to be audited


def test_the_results_page_shows_no_kind_and_no_count_where_hidden(client, r5) -> None:
    sign_in(client, r5.world, "board")
    page = client.get(f"/a/{r5.slug}/surveys/{r5.round_id}/results").get_data(as_text=True)
    for name in ("Mysam Sandviken", "Mysam Ockelbo"):
        row = page.split(f'<th scope="row">{name}</th>', 1)[1].split("</tr>", 1)[0]
        assert row.strip().startswith("<td colspan"), row  # the reason, no count before it
    gavle = page.split('<th scope="row">Mysam Gävle</th>', 1)[1].split("</tr>", 1)[0]
    assert "<td>5</td>" in gavle
    tables = page.split("<main", 1)[-1]
    for label in KIND_LABELS:
        assert f'<th scope="row">Hela förbundet, {label.lower()}' not in tables
        assert f">{label}<" not in tables
        assert f"{label.lower()}</th>" not in tables
    assert "Hela förbundet, " not in tables
    show = client.get(f"/a/{r5.slug}/surveys/{r5.round_id}").get_data(as_text=True)
    assert "per typ av organisation" not in show.lower()  # no response rate per kind


def _group_rows(rows: list[list[Any]]) -> dict[str, list[Any]]:
    return {row[0]: row for row in rows if len(row) > 4 and row[1] == "A1"}


def test_the_exports_hide_the_same_cells_with_no_count(client, r5) -> None:
    sign_in(client, r5.world, "board")
    base = f"/a/{r5.slug}/reports/{r5.year}"
    text = client.get(f"{base}/export.csv?period=year").get_data(as_text=True)
    rows = _group_rows(list(csv.reader(io.StringIO(text), delimiter=";")))
    data = client.get(f"{base}/export.xlsx?period=year").get_data()
    book = load_workbook(io.BytesIO(data))
    sheet_rows: list[list[Any]] = []
    for sheet in book.worksheets:
        sheet_rows += [[c.value for c in row] for row in sheet.iter_rows()]
    for found in (rows, _group_rows(sheet_rows)):
        for name in ("Mysam Sandviken", "Mysam Ockelbo"):
            answers, share = found[name][3], found[name][4]
            assert answers in ("", None), found[name]
            assert share in ("", None), found[name]
            assert "Visas inte" in str(found[name][-1])
        assert found["Mysam Gävle"][3] in ("5", 5)
    for label in KIND_LABELS:
        assert label.lower() not in text.lower(), label


def test_the_board_summary_and_its_json_hide_the_same(client, r5, db_session) -> None:
    from portal.reporting.services.period import Period
    from portal.reporting.services.survey_figures import survey_figures

    survey = survey_figures(r5.association_id, Period(r5.year))
    assert survey is not None
    row = next(q for q in survey.questions if q.code == "A1")
    for key in ("sandviken", "ockelbo"):
        share = row.groups[r5.groups[key]].current
        assert share.hidden is not None
        assert share.answers is None
        assert share.value is None
    assert row.groups[r5.groups["gavle"]].current.answers == 5
    assert row.overall.current.hidden is None
    sign_in(client, r5.world, "board")
    page = client.get(f"/a/{r5.slug}/reports/{r5.year}")
    assert page.status_code == 200
    body = page.get_data(as_text=True).split("<main", 1)[-1]
    for label in KIND_LABELS:
        assert f"{label.lower()}</th>" not in body.lower(), label  # no row per kind


def test_every_output_goes_through_the_one_check(client, r5, monkeypatch) -> None:
    """The page, the API, the summary page and its exports, the group summary: each
    asks ``disclosure.decide`` (a spy counts the calls)."""
    calls: list[int] = []
    real = disclosure.decide

    def spy(*args: Any, **kwargs: Any) -> disclosure.Decision:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(disclosure, "decide", spy)
    sign_in(client, r5.world, "admin")
    base = f"/a/{r5.slug}/reports/{r5.year}"
    urls = [
        f"/a/{r5.slug}/surveys/{r5.round_id}/results",
        base,
        f"{base}/print",
        f"{base}/export.csv?period=year",
        f"{base}/export.xlsx?period=year",
        f"/a/{r5.slug}/groups/{r5.groups['gavle']}/summary/{r5.year}",
        f"/a/{r5.slug}/groups/{r5.groups['gavle']}/summary/{r5.year}/export.csv",
    ]
    for url in urls:
        calls.clear()
        assert client.get(url).status_code == 200, url
        assert calls, url
    calls.clear()
    _api(client, r5)
    assert calls


def test_a_round_without_responses_in_small_groups_is_unchanged(db_session) -> None:
    """The rule changes nothing where nothing is small: every group shown."""
    decision = disclosure.decide(3, {1: 4, 2: 5}, {10: {1: 4, 2: 3}}, [1, 2])
    assert decision.groups[10] == {}
    assert decision.overall[10] is None
    assert decision.text_groups == {1, 2}
