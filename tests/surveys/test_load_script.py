"""The load script's pure helpers (the load itself is run by hand, not in the suite)."""

from __future__ import annotations

import importlib.util
import math
import random
import sys
from types import ModuleType
from typing import Any

import pytest

from portal import PROJECT_ROOT
from tests.support.surveys import enter, links, make_round


def _load_script() -> ModuleType:
    name = "survey_load_script"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "scripts" / "survey_load.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


load = _load_script()

PAGE = """
<form method="post" action="/language"><input type="hidden" name="csrf_token" value="lang">
  <button type="submit" name="locale" value="en">English</button></form>
<a href="/survey/abc/answers">Start</a>
<form method="post" action="/survey/abc/answers" novalidate hx-post="/survey/abc/autosave">
  <input type="hidden" name="csrf_token" value="tok&amp;en">
  <fieldset><legend>Q1</legend>
    <input id="q1-0" name="q1" type="radio" value="1"> <input id="q1-1" name="q1" type="radio"
    value="2" checked> <input id="q1-2" name="q1" type="radio" value="dk">
  </fieldset>
  <fieldset><legend>Q2</legend><input name="q2" type="radio" value="1">
    <input name="q2" type="radio" value="2"></fieldset>
  <textarea id="q3" name="q3">earlier &lt;text&gt;</textarea>
  <input type="submit" name="review" value="Granska mina svar">
  <input type="submit" name="save" value="Spara och fortsätt senare">
</form>
"""


def test_parse_page_reads_forms_fields_and_links() -> None:
    forms, hrefs = load.parse_page(PAGE)
    assert hrefs == ["/survey/abc/answers"]
    assert [f.action for f in forms] == ["/language", "/survey/abc/answers"]
    form = load.find_form(forms, "/answers")
    assert load.csrf_token(form) == "tok&en"
    assert form.radios == {"q1": ["1", "2", "dk"], "q2": ["1", "2"]}
    assert form.checked == {"q1": "2"}
    assert form.textareas == {"q3": "earlier <text>"}
    assert form.buttons == [("review", "Granska mina svar"), ("save", "Spara och fortsätt senare")]


def test_fill_answers_answers_everything_and_presses_one_button() -> None:
    form = load.find_form(load.parse_page(PAGE)[0], "/answers")
    data = load.fill_answers(form, random.Random(1), button="review")
    assert data["csrf_token"] == "tok&en"
    assert data["q1"] in {"1", "2", "dk"}
    assert data["q2"] in {"1", "2"}
    assert data["q3"] in load.FREE_TEXTS
    assert data["review"] == "Granska mina svar"
    assert "save" not in data
    with pytest.raises(LookupError):
        load.fill_answers(form, random.Random(1), button="publish")


def test_missing_form_or_token_is_an_error() -> None:
    forms, _hrefs = load.parse_page(PAGE)
    with pytest.raises(LookupError):
        load.find_form(forms, "/submit")
    bare = load.parse_page('<form method="post" action="/survey/x/submit"></form>')[0][0]
    with pytest.raises(LookupError):
        load.csrf_token(bare)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert load.percentile(values, 50) == 50
    assert load.percentile(values, 95) == 95
    assert load.percentile(values, 99) == 99
    assert load.percentile(values, 100) == 100
    assert load.percentile(values, 0) == 1
    assert load.percentile([0.2], 95) == 0.2
    assert load.percentile([1.0, 2.0, 3.0], 95) == 3.0
    assert math.isnan(load.percentile([], 95))
    with pytest.raises(ValueError, match="between 0 and 100"):
        load.percentile(values, 101)


def test_only_loopback_is_accepted() -> None:
    load.check_loopback_url("http://127.0.0.1:8000/survey/x")
    load.check_loopback_url("postgresql+psycopg://postgres@localhost:5432/survey_load")
    with pytest.raises(SystemExit):
        load.check_loopback_url("http://example.org/survey/x")


def test_markdown_table() -> None:
    table = load.markdown_table([("Respondents", "200"), ("Errors", "0")])
    assert table.splitlines() == [
        "| Measure | Value |",
        "|---|---|",
        "| Respondents | 200 |",
        "| Errors | 0 |",
    ]


def test_the_parser_understands_the_real_respondent_pages(
    client: Any, sworld: Any, db_session: Any
) -> None:
    """Guards the script against template changes: the real pages, parsed as it parses them."""
    make_round(db_session, sworld)
    link = enter(client, links(db_session)[sworld.emails["member"]])
    _forms, hrefs = load.parse_page(client.get(link).get_data(as_text=True))
    assert link + "/answers" in hrefs
    page = client.get(link + "/answers").get_data(as_text=True)
    form = load.find_form(load.parse_page(page)[0], "/answers")
    assert len(form.radios) == 7
    assert all(len(values) == 8 for values in form.radios.values())
    assert len(form.textareas) == 2
    data = load.fill_answers(form, random.Random(3), button="review")
    response = client.post(form.action, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(link + "/review")
    review = client.get(link + "/review").get_data(as_text=True)
    confirm = load.find_form(load.parse_page(review)[0], "/submit")
    response = client.post(confirm.action, data={"csrf_token": load.csrf_token(confirm)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(link + "/receipt")
