"""The generated questionnaire: one form class per instrument version."""

from __future__ import annotations

from typing import Any

from portal.surveys.forms import answer_form
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import Instrument
from portal.surveys.services import import_instrument
from tests.surveys.conftest import demo_text


def questions(db_session: Any, world: Any) -> list[Any]:
    return list(db_session.get(Instrument, world.instrument_id).questions)


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
