"""The generated questionnaire: one form class per instrument version, and scale
questions written out by hand exactly as WTForms' own widgets would write them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.core.errors import DomainError
from portal.surveys import answering
from portal.surveys.forms import answer_form
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import Instrument
from portal.surveys.services import import_instrument
from tests.support.surveys import demo_text, enter, links, make_round
from tests.surveys.test_respond import form_data, save


@pytest.fixture
def link(client: Any, sworld: Any, db_session: Any) -> str:
    make_round(db_session, sworld)
    return enter(client, links(db_session)[sworld.emails["member"]])


def questions(db_session: Any, world: Any) -> list[Any]:
    return list(db_session.get(Instrument, world.instrument_id).questions)


def wtforms_options(field: Any) -> str:
    """The radios of a field as WTForms' widgets write them, in the template's list."""
    return "".join(f"<li>{option()} {option.label()}</li>" for option in field)


def fieldset(page: str, name: str) -> str:
    match = re.search(
        rf'<fieldset[^>]*>(?:(?!</fieldset>).)*?name="{name}".*?</fieldset>', page, re.S
    )
    assert match, name
    return match.group(0)


CASES = {
    # the answers posted, the button pressed, the status of the POST
    "draft": ({"A1": "6", "A2": "dk", "B1": "1"}, "save", 302),
    "rejected": ({"A1": "9", "A2": "5", "B1": "7"}, "save", 400),
    "missing": ({"A1": "6", "A2": "7"}, "review", 200),
}


@pytest.mark.parametrize("case", CASES)
def test_scale_questions_render_what_wtforms_would(client, link, sworld, db_session, case) -> None:
    answers, button, status = CASES[case]
    data = form_data(answers, db_session, sworld)
    response = save(client, link, data, button=button)
    assert response.status_code == status
    page = (client.get(link + "/answers") if status == 302 else response).get_data(as_text=True)
    # The same form filled and validated as the view does it, rendered by WTForms.
    qs = questions(db_session, sworld)
    if case == "draft":
        expected = answer_form(qs, meta={"csrf": False})
        expected.fill(answers)
    else:
        expected = answer_form(qs, formdata=MultiDict(data), meta={"csrf": False})
        expected.validate()
        for question in answering.missing(qs, expected.answers()) if case == "missing" else []:
            expected.add_answer_error(DomainError(_("Answer this question."), question.code))
    scale_names = list(expected.scale_choices)
    assert len(scale_names) == 7
    for name in scale_names:
        field = expected[name]
        html = fieldset(page, name)
        assert wtforms_options(field) in html, name
        if field.errors:
            assert html.startswith(
                f'<fieldset class="field has-error" aria-describedby="{name}-error">'
            )
            assert f'<p class="error" id="{name}-error">{field.errors[0]}' in html
        else:
            assert html.startswith('<fieldset class="field">')
            assert 'class="error"' not in html
    checked = re.findall(r'<input checked id="(q\d+-\d+)"', page)
    if case == "draft":
        assert checked == ["q1-5", "q2-7", "q3-0"]
    elif case == "rejected":
        assert checked == ["q2-4", "q3-6"]  # 9 is no option: nothing chosen for q1
        assert 'href="#q1-0"' in page  # the error summary reaches the first radio
    else:
        assert checked == ["q1-5", "q2-6"]
        assert page.count('class="error" id="q') == 5


def test_one_form_class_per_instrument_version(sworld, db_session) -> None:
    first = answer_form(questions(db_session, sworld), meta={"csrf": False})
    second = answer_form(questions(db_session, sworld), meta={"csrf": False})
    assert type(first) is type(second)
    assert first.questions == second.questions
    first.fill({"A1": "3"})
    assert first["q1"].data == "3"
    assert second["q1"].data is None  # instances share the class, never their data

    # Another version: same positions, other wording and scale. Its own class.
    text = demo_text().replace('"version": "2026.1"', '"version": "2026.2"')
    text = text.replace("Inte alls", "Inte alls (ny)")
    other, _outcome = import_instrument(None, parse_instrument(text))
    db_session.flush()
    third = answer_form(list(other.questions), meta={"csrf": False})
    assert type(third) is not type(first)
    assert third.scale_choices["q1"][0] == ("1", "1 – Inte alls (ny)")
    assert first.scale_choices["q1"][0] == ("1", "1 – Inte alls")


def test_kept_markup_is_shared_only_by_alike_questions(client, sworld, db_session) -> None:
    """The markup kept per worker follows the choice, the language and errors."""
    make_round(db_session, sworld)
    by_email = links(db_session)
    mine = enter(client, by_email[sworld.emails["member"]])
    theirs = enter(client, by_email[sworld.emails["region_member"]])

    def checked(link: str) -> list[str]:
        page = client.get(link + "/answers").get_data(as_text=True)
        return re.findall(r'<input checked id="(q\d+-\d+)"', page)

    blank = client.get(theirs + "/answers").get_data(as_text=True)
    assert "checked" not in blank
    assert save(client, mine, form_data({"A1": "6"}, db_session, sworld)).status_code == 302
    assert checked(mine) == ["q1-5"]
    assert checked(theirs) == []
    assert save(client, theirs, form_data({"A1": "2"}, db_session, sworld)).status_code == 302
    assert checked(theirs) == ["q1-1"]
    assert checked(mine) == ["q1-5"]

    # An error is written for that page only, never kept for the next.
    rejected = save(client, mine, form_data({"A1": "9"}, db_session, sworld))
    assert rejected.status_code == 400
    assert 'id="q1-error"' in rejected.get_data(as_text=True)
    assert 'id="q1-error"' not in client.get(theirs + "/answers").get_data(as_text=True)

    # Each language its own: the hint under a free-text box is translated.
    assert "Skriv inte namn" in blank
    with client.session_transaction() as session:
        session["locale"] = "en"
    english = client.get(theirs + "/answers").get_data(as_text=True)
    assert "Do not write names" in english
    assert "Skriv inte namn" not in english


def test_buttons_are_written_as_wtforms_would(client, link) -> None:
    page = client.get(link + "/answers").get_data(as_text=True)
    form = answer_form([], meta={"csrf": False})
    assert str(form.review(class_="button")) in page
    assert str(form.save(class_="button button-secondary")) in page
