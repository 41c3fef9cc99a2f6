"""The instrument file: its format, every error with its place, import, and immutability."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from portal.core.errors import DomainError
from portal.surveys import services
from portal.surveys.instrument import InstrumentError, parse_instrument
from portal.surveys.models import Instrument, Question
from tests.support.surveys import DEMO_FILE, demo_text, make_round

QUOTED = [
    "Tas erfarenheter, kunskaper och synpunkter från brukarorganisationer systematiskt tillvara?",
    (
        "Har ni rutiner för att samarbeta med näringsliv/civilsamhälle/ideella organisationer i "
        "arbetet när det gäller insatser för deltagarna?"
    ),
    (
        "Har ni strukturer för att initiera, upprätthålla och underhålla relationer mellan "
        "inblandade aktörer?"
    ),
    "Har erfarenheter från er samverkan lett till att förebyggande insatser utvecklats?",
]


def demo() -> dict[str, Any]:
    return json.loads(demo_text())


def problems_of(doc: dict[str, Any] | str) -> list[Any]:
    text = doc if isinstance(doc, str) else json.dumps(doc, indent=2, ensure_ascii=False)
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text)
    return caught.value.problems


def test_the_demo_instrument_is_valid_and_quotes_the_review_verbatim() -> None:
    parsed = parse_instrument(demo_text())
    texts = [q.text for q in parsed.questions]
    for quoted in QUOTED:
        assert quoted in texts
    quoted_questions = [q for q in parsed.questions if q.text in QUOTED]
    assert not any(q.is_example for q in quoted_questions)
    others = [q for q in parsed.questions if q.text not in QUOTED]
    assert others
    assert all(q.is_example for q in others)
    assert parsed.is_example
    assert "inte det officiella" in parsed.notice
    scale = next(q for q in parsed.questions if q.kind == "scale")
    assert (scale.points, scale.positive_from) == (7, 6)
    assert scale.dont_know_label == "Vet ej / ej aktuellt"
    assert [q.kind for q in parsed.questions].count("text") == 2


def test_a_duplicate_code_is_reported_with_pointer_and_line() -> None:
    doc = demo()
    doc["indicators"][1]["questions"][0]["code"] = "A1"
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    [problem] = problems_of(text)
    assert problem.pointer == "/indicators/1/questions/0/code"
    line = text.splitlines()[problem.line - 1]
    assert '"code": "A1"' in line
    assert "A1" in problem.message
    assert "/indicators/0/questions/0/code" in problem.message


def test_a_scale_without_labels_reports_both_labels() -> None:
    doc = demo()
    del doc["scales"]["exempel-1-7"]["low_label"]
    doc["scales"]["exempel-1-7"]["high_label"] = ""
    found = problems_of(doc)
    pointers = sorted(p.pointer for p in found)
    assert pointers == ["/scales/exempel-1-7", "/scales/exempel-1-7/high_label"]
    assert all(p.line for p in found)


def test_every_error_is_reported_not_only_the_first() -> None:
    doc = demo()
    doc["format"] = "something else"
    doc["scales"]["exempel-1-7"]["points"] = 1
    doc["scales"]["exempel-1-7"]["clearly_positive_from"] = "6"
    doc["indicators"][0]["questions"][1]["scale"] = "missing"
    doc["indicators"][2]["questions"][0]["type"] = "slider"
    del doc["indicators"][3]["questions"][0]["text"]
    doc["indicators"][3]["questions"][1]["required"] = "yes"
    doc["notice"] = ""
    pointers = {p.pointer for p in problems_of(doc)}
    assert {
        "/format",
        "/scales/exempel-1-7/points",
        "/scales/exempel-1-7/clearly_positive_from",
        "/indicators/0/questions/1/scale",
        "/indicators/2/questions/0/type",
        "/indicators/3/questions/0",
        "/indicators/3/questions/1/required",
        "/notice",
    } <= pointers


def test_broken_json_names_the_line() -> None:
    [problem] = problems_of('{\n  "code": "x",\n  "version": \n}')
    assert problem.line == 4
    assert "JSON" in problem.message


def test_not_an_object_and_empty_lists() -> None:
    assert problems_of("[1, 2]")[0].pointer == ""
    doc = demo()
    doc["indicators"] = []
    assert "/indicators" in {p.pointer for p in problems_of(doc)}


def test_cli_imports_and_reports_errors(app: Any, db_session: Any, tmp_path: Any) -> None:
    ok = app.test_cli_runner().invoke(args=["survey", "import-instrument", str(DEMO_FILE)])
    assert ok.exit_code == 0, ok.output
    assert "demo-indikatorer 2026.1: created, 9 questions (example instrument)" in ok.output
    again = app.test_cli_runner().invoke(args=["survey", "import-instrument", str(DEMO_FILE)])
    assert "unchanged" in again.output
    doc = demo()
    doc["version"] = "2026.2"
    doc["indicators"][0]["questions"][1]["code"] = "A1"
    del doc["scales"]["exempel-1-7"]["high_label"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["survey", "import-instrument", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:" in result.output
    assert "/indicators/0/questions/1/code" in result.output
    assert "/scales/exempel-1-7" in result.output
    # Swedish, the installation's language.
    assert "används två gånger" in result.output or "used twice" in result.output
    assert "2 error(s); nothing was imported" in result.output
    versions = db_session.scalars(sa.select(Instrument.version)).all()
    assert "2026.2" not in versions


def test_a_draft_version_can_be_corrected(sworld: Any, db_session: Any) -> None:
    doc = demo()
    doc["version"] = "2027.1"
    draft, outcome = services.import_instrument(
        None, parse_instrument(json.dumps(doc)), publish=False
    )
    assert (outcome, draft.is_published) == ("created", False)
    doc["indicators"][0]["title"] = "Rättad titel (exempelindikator)"
    instrument, outcome = services.import_instrument(
        None, parse_instrument(json.dumps(doc)), publish=False
    )
    assert outcome == "replaced"
    assert instrument.id == draft.id
    assert instrument.questions[0].indicator_title == "Rättad titel (exempelindikator)"
    assert not instrument.is_published


def test_a_published_version_cannot_change_even_unused(sworld: Any, db_session: Any) -> None:
    doc = demo()
    doc["indicators"][0]["title"] = "Rättad titel (exempelindikator)"
    with pytest.raises(DomainError, match="publicerad"):
        services.import_instrument(None, parse_instrument(json.dumps(doc)), publish=False)
    same, outcome = services.import_instrument(None, parse_instrument(demo_text()))
    assert (same.id, outcome) == (sworld.instrument_id, "unchanged")


def test_a_used_version_cannot_change_in_the_app(sworld: Any, db_session: Any) -> None:
    make_round(db_session, sworld)
    doc = demo()
    doc["indicators"][0]["questions"][0]["text"] = "Omformulerad fråga?"
    with pytest.raises(DomainError, match="ny version"):
        services.import_instrument(None, parse_instrument(json.dumps(doc)))
    same, outcome = services.import_instrument(None, parse_instrument(demo_text()))
    assert outcome == "unchanged"
    assert services.is_frozen(same)


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(Question).values(text="Omformulerad"),
        sa.update(Instrument).values(title="Ny titel"),
        sa.delete(Question),
    ],
    ids=["reword question", "retitle instrument", "delete question"],
)
def test_a_used_version_cannot_change_in_the_database(
    sworld: Any, db_session: Any, statement: Any
) -> None:
    make_round(db_session, sworld)
    savepoint = db_session.begin_nested()
    with pytest.raises(sa.exc.DBAPIError, match="cannot change"):
        db_session.execute(statement)
    savepoint.rollback()


def test_a_question_cannot_be_added_to_a_used_version(sworld: Any, db_session: Any) -> None:
    make_round(db_session, sworld)
    savepoint = db_session.begin_nested()
    with pytest.raises(sa.exc.DBAPIError, match="cannot change"):
        db_session.execute(
            sa.insert(Question).values(
                instrument_id=sworld.instrument_id, position=99, code="Z9",
                indicator_code="Z", indicator_title="Z", kind="text", text="Ny?",
                required=False, is_example=True,
            )
        )  # fmt: skip
    savepoint.rollback()


def test_an_unused_version_can_change_in_the_database(sworld: Any, db_session: Any) -> None:
    make_round(db_session, sworld, open_it=False)  # a draft round does not freeze it
    db_session.execute(
        sa.update(Question)
        .where(Question.instrument_id == sworld.instrument_id)
        .values(indicator_title="X")
    )
    titles = db_session.scalars(
        sa.select(Question.indicator_title).where(Question.instrument_id == sworld.instrument_id)
    ).all()
    assert set(titles) == {"X"}
