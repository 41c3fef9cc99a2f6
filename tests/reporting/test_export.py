"""What leaves the app: the board summary's xlsx and CSV (golden files), with text a
spreadsheet would run as a formula neutralised, numbers kept as numbers."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from portal.core.export import Table, to_csv, to_xlsx
from portal.plans.models import ResultGoal
from tests.support.sessions import sign_in

GOLDEN = Path(__file__).parent / "golden"
PARTS = [
    "xl/workbook.xml",
    "xl/worksheets/sheet1.xml",  # goal fulfilment per goal area
    "xl/worksheets/sheet2.xml",  # result goals (the neutralised formula)
    "xl/worksheets/sheet9.xml",  # survey questions
]


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(actual.encode("utf-8"))
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{name} differs from the golden file (UPDATE_GOLDEN=1 rewrites)"


def _formula_goal(db_session) -> None:
    goal = db_session.scalar(sa.select(ResultGoal).where(ResultGoal.title == "Samsyn"))
    goal.outcome = '=HYPERLINK("http://x")'
    db_session.commit()


def test_summary_xlsx_matches_the_golden_file(client, rworld, db_session):
    _formula_goal(db_session)
    sign_in(client, rworld, "board")
    response = client.get(f"/a/{rworld.slug}/reports/2025/export.xlsx")
    assert response.status_code == 200
    assert re.fullmatch(
        r'attachment; filename="sammanstallning-forbund-\d+-2025\.xlsx"; '
        r"filename\*=UTF-8''sammanst%C3%A4llning-f%C3%B6rbund-\d+-2025\.xlsx",
        response.headers["Content-Disposition"],
    )
    data = response.get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in PARTS:
            _golden("summary_" + part.replace("/", "_"), archive.read(part).decode("utf-8"))
    book = load_workbook(io.BytesIO(data))
    goals = [[c.value for c in row] for row in book["Resultatmål"].iter_rows(min_row=2)]
    samsyn = next(g for g in goals if g[1:3] == ["Mysam Beta", "Samsyn"])
    assert samsyn[6] == '\'=HYPERLINK("http://x")'
    assert isinstance(book["Möten per grupp"]["B2"].value, int)


def test_summary_csv_matches_the_golden_file(client, rworld, db_session):
    _formula_goal(db_session)
    sign_in(client, rworld, "admin")
    response = client.get(f"/a/{rworld.slug}/reports/2025/export.csv?period=year")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    _golden("summary.csv", response.get_data(as_text=True))


def test_group_summary_csv_matches_the_golden_file(client, rworld):
    sign_in(client, rworld, "m1")
    alfa = rworld.group_ids["Mysam Alfa"]
    response = client.get(f"/a/{rworld.slug}/groups/{alfa}/summary/2025/export.csv")
    assert response.status_code == 200
    _golden("group_summary.csv", response.get_data(as_text=True))


def test_exports_are_in_swedish_whatever_the_page_language(client, rworld):
    sign_in(client, rworld, "board")
    with client.session_transaction() as session:
        session["locale"] = "en"
    text = client.get(f"/a/{rworld.slug}/reports/2025/export.csv").get_data(as_text=True)
    assert "Måluppfyllelse per målområde" in text
    assert "Goal fulfilment" not in text


def test_sheet_names_are_unique_and_short(app):
    parts = [Table("x" * 40, ["a"], []), Table("x" * 40, ["a"], []), Table("a:b/c", ["a"], [])]
    parts += [
        Table("Indikator A: andel klart positiva – Samverkan", ["a"], []),
        Table("Åtgärder / status", ["a"], []),
        Table("'citat'", ["a"], []),
    ]
    book = load_workbook(io.BytesIO(to_xlsx("t", parts)))
    assert book.sheetnames == [
        "x" * 31,
        "x" * 27 + " (2)",
        "a b c",
        "Indikator A andel klart",  # one space where ":" was, cut at a word
        "Åtgärder status",
        "citat",
    ]
    assert not [n for n in book.sheetnames if "  " in n or n != n.strip()]
    assert to_csv([Table("T", ["h"], [[1.5], ["=1"]])]).endswith("1,5\r\n'=1\r\n")
