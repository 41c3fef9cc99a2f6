"""National reference figures: the CSV file, the import command and the admin page."""

from __future__ import annotations

import io
from typing import Any

import pytest
import sqlalchemy as sa

from portal import PROJECT_ROOT
from portal.core.audit import AuditEvent
from portal.surveys.national import (
    NationalFileError,
    NationalReference,
    import_national,
    parse_national_csv,
)
from tests.support.sessions import sign_in

EXAMPLE = PROJECT_ROOT / "docs" / "examples" / "national-reference.csv"
HEADER = "year;question_code;share_positive;respondents\n"


def figures(db_session: Any) -> dict[tuple[int, str], tuple[float, int | None]]:
    rows = db_session.scalars(sa.select(NationalReference))
    return {(r.year, r.question_code): (r.share, r.respondents) for r in rows}


def problems_of(text: str | bytes) -> list[tuple[int, str]]:
    with pytest.raises(NationalFileError) as caught:
        parse_national_csv(text)
    return [(p.line, p.message) for p in caught.value.problems]


def test_semicolon_file_with_decimal_comma(db_session):
    parsed = parse_national_csv(HEADER + "2025;A1;61,5;4020\n2025;A2;55;\n")
    assert [(r.line, r.year, r.question_code, r.share, r.respondents) for r in parsed.rows] == [
        (2, 2025, "A1", 0.615, 4020),
        (3, 2025, "A2", 0.55, None),
    ]


def test_comma_file_with_decimal_point_and_bom(db_session):
    text = "\ufeffyear,question_code,share_positive,respondents\n2024,B1,48.25,1 200\n"
    parsed = parse_national_csv(text.encode("utf-8"))
    assert [(r.year, r.question_code, r.share, r.respondents) for r in parsed.rows] == [
        (2024, "B1", 0.4825, 1200)
    ]


def test_respondents_column_may_be_left_out(db_session):
    parsed = parse_national_csv("year;question_code;share_positive\n2024;B1;48 %\n")
    assert parsed.rows[0].share == 0.48
    assert parsed.rows[0].respondents is None


@pytest.mark.parametrize("share", ["1e1", "nan", "inf", "1_0", "5,5,5"])
def test_a_share_is_read_by_the_portals_one_number_rule(db_session, share):
    [(line, message)] = problems_of(HEADER + f"2025;A1;{share};10\n")
    assert line == 2
    assert "måste vara en procentsats" in message


def test_every_error_is_reported_with_its_line(db_session):
    text = HEADER + (
        "2025;A1;61,5;4020\n"  # 2: fine
        "20x5;A2;55;10\n"  # 3: year
        "2025;A 3;55;10\n"  # 4: code
        "2025;B1;101;10\n"  # 5: share out of range
        "2025;B2;lots;10\n"  # 6: share not a number
        "2025;B3;40;-4\n"  # 7: respondents
        "2025;C1;40\n"  # 8: too few columns
        "\n"  # 9: blank lines are skipped
        "2025;A1;62;4020\n"  # 10: duplicate of line 2
        "1999;C2;40;1\n"  # 11: year out of range
    )
    problems = problems_of(text)
    assert [line for line, _message in problems] == [3, 4, 5, 6, 7, 8, 10, 11]
    messages = dict(problems)
    assert "20x5" in messages[3]
    assert "A 3" in messages[4]
    assert "101" in messages[5]
    assert "lots" in messages[6]
    assert "-4" in messages[7]
    assert "3" in messages[8]
    assert "rad 2" in messages[10]
    assert "1999" in messages[11]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("", 1, "tom"),
        ("year;code;share\n2025;A1;50\n", 1, "rubrikraden"),
        (HEADER, 2, "inga värden"),
        (b"year;question_code;share_positive\n2025;A1;5\xff\n", 1, "UTF-8"),
    ],
)
def test_bad_files_are_refused_as_a_whole(db_session, text, line, fragment):
    problems = problems_of(text)
    assert problems[0][0] == line
    assert fragment in problems[0][1]


def test_unknown_codes_are_loaded_with_a_warning(db_session):
    parsed = parse_national_csv(HEADER + "2025;A1;50;1\n2025;X9;40;1\n", known_codes={"A1"})
    assert len(parsed.rows) == 2
    assert [(w.line, "X9" in w.message) for w in parsed.warnings] == [(3, True)]


def test_reimport_replaces_the_years_in_the_file_only(db_session, sworld):
    import_national(None, HEADER + "2024;A1;40;1\n2024;A2;41;1\n2025;A1;50;1\n")
    loaded = import_national(None, HEADER + "2025;A1;55;2\n2025;B1;45;2\n")
    assert loaded.replaced == 1
    assert figures(db_session) == {
        (2024, "A1"): (0.4, 1),
        (2024, "A2"): (0.41, 1),
        (2025, "A1"): (0.55, 2),
        (2025, "B1"): (0.45, 2),
    }
    event = db_session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "national_reference.import")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.association_id is None
    assert event.before == {"years": [2025], "figures": 1}
    assert event.after == {"years": [2025], "figures": 2}


def test_a_refused_file_changes_nothing(db_session, sworld):
    import_national(None, HEADER + "2025;A1;50;1\n")
    with pytest.raises(NationalFileError):
        import_national(None, HEADER + "2025;A1;60;1\n2025;A2;x;1\n")
    assert figures(db_session) == {(2025, "A1"): (0.5, 1)}


# --- the command --------------------------------------------------------------------


def test_the_command_loads_the_example_file(app, db_session, sworld):
    result = app.test_cli_runner().invoke(args=["survey", "import-national", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "2023: 7 figures (A1, A2, B1, B2, B3, C1, C2)" in result.output
    assert "loaded 21 figures for 3 year(s); replaced 0" in result.output
    assert len(figures(db_session)) == 21
    assert figures(db_session)[(2023, "A1")] == (0.61, 3710)


def test_the_command_refuses_a_bad_file_and_lists_the_errors(app, db_session, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "2025;A1;50;1\n2025;A2;150;1\nxx;A3;1;1\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["survey", "import-national", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: " in result.output
    assert f"{path}:4: " in result.output
    assert "2 error(s); nothing was imported" in result.output
    assert figures(db_session) == {}


# --- the admin page -----------------------------------------------------------------


def _upload(client: Any, text: str) -> Any:
    from tests.conftest import csrf_token

    token = csrf_token(client, "/platform/national")
    return client.post(
        "/platform/national",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode("utf-8")), "national.csv")},
        content_type="multipart/form-data",
    )


def test_platform_admin_uploads_and_sees_the_figures(client, db_session, sworld):
    sign_in(client, sworld, "platform_admin")
    response = _upload(client, HEADER + "2025;A1;61,5;4020\n2025;Z1;40;1\n")
    assert response.status_code == 302
    page = client.get("/platform/national").get_data(as_text=True)
    assert "Nationell referens 2025" in page
    assert "61,5 %" in page
    assert "4\u00a0020" in page
    assert "Rad 3:" in page  # the unknown code's warning
    assert figures(db_session)[(2025, "A1")] == (0.615, 4020)


def test_upload_errors_are_shown_with_their_lines(client, db_session, sworld):
    sign_in(client, sworld, "platform_admin")
    response = _upload(client, HEADER + "2025;A1;61,5;4020\n2025;A2;;1\n")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Rad 3:" in page
    assert figures(db_session) == {}


@pytest.mark.parametrize("role", ["admin", "board", "anonymous"])
def test_only_platform_admins_reach_the_page(client, sworld, role):
    sign_in(client, sworld, role)
    assert client.get("/platform/national").status_code in {404, 302}
