"""The board summary page, print layout, downloads and JSON agree, leak nothing below k,
and are read only by the people who may; the group summary likewise."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from portal.groups.models import Group
from portal.organisations.models import Association
from portal.reporting.services.serialize import board_json
from portal.reporting.services.summary import Period, board_summary
from portal.reporting.services.tables import board_tables
from tests.support.reporting import _meeting
from tests.support.sessions import sign_in

URL = "/a/{slug}/reports/{year}"


def group_url(world: Any, group: str, year: int = 2025) -> str:
    return f"/a/{world.slug}/groups/{world.group_ids[group]}/summary/{year}"


def url(rworld: Any, year: int = 2025, suffix: str = "", **query: str) -> str:
    path = URL.format(slug=rworld.slug, year=year) + suffix
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("board", 200),
        ("admin", 200),
        ("leader", 200),
        ("m1", 404),
        ("registered", 404),
        ("other_admin", 404),
        ("other_board", 404),
        ("platform_admin", 404),
    ],
)
def test_who_reads_the_board_summary(client, rworld, role, status):
    sign_in(client, rworld, role)
    for suffix in ("", "/print", "/export.xlsx", "/export.csv"):
        assert client.get(url(rworld, suffix=suffix)).status_code == status, suffix


def test_anonymous_visitors_are_sent_to_sign_in(client, rworld):
    assert client.get(url(rworld)).status_code == 302


@pytest.mark.parametrize(
    ("role", "group", "status"),
    [
        ("m1", "Mysam Alfa", 200),
        ("leader", "Mysam Alfa", 200),
        ("board", "Mysam Alfa", 200),
        ("admin", "Mysam Beta", 200),
        ("n1", "Mysam Alfa", 404),
        ("former", "Mysam Alfa", 404),
        ("registered", "Mysam Alfa", 404),
        ("other_admin", "Mysam Alfa", 404),
    ],
)
def test_who_reads_the_group_summary(client, rworld, role, group, status):
    sign_in(client, rworld, role)
    gid = rworld.group_ids[group]
    for suffix in ("", "/export.xlsx", "/export.csv"):
        response = client.get(f"/a/{rworld.slug}/groups/{gid}/summary/2025{suffix}")
        assert response.status_code == status, suffix


def test_unknown_association_group_and_year_are_404(client, rworld):
    sign_in(client, rworld, "admin")
    assert client.get(URL.format(slug="no-such-association", year=2025)).status_code == 404
    assert client.get(url(rworld, 1999)).status_code == 404
    assert client.get(f"/a/{rworld.slug}/groups/999999/summary/2025").status_code == 404


def test_picker_goes_to_the_chosen_period(client, rworld):
    sign_in(client, rworld, "board")
    response = client.get(f"/a/{rworld.slug}/reports?year=2026&period=h1")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url(rworld, 2026, period="h1"))


def test_empty_year_explains_itself(client, rworld):
    sign_in(client, rworld, "board")
    response = client.get(url(rworld, 2019))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Inget registrerat för perioden ännu" in page
    assert "Måluppfyllelse per målområde" not in page


def test_board_sees_no_personal_names(client, rworld):
    sign_in(client, rworld, "board")
    pages = [
        client.get(url(rworld)).get_data(as_text=True),
        client.get(url(rworld, suffix="/export.csv")).get_data(as_text=True),
        client.get(group_url(rworld, "Mysam Alfa")).get_data(as_text=True),
    ]
    for name in ("Lena Ledare", "Fredrik Förre", "Bo Beta", "Medlem m1", "Anna Admin"):
        assert all(name not in page for page in pages), name
    assert "Stig Styrelse" in pages[0]  # the signed-in person's own name in the header only


def _page_cells(page: str, code: str) -> list[str]:
    row = re.search(rf'<tr data-code="{code}">(.*?)</tr>', page, re.S)
    assert row, code
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in cells]


def test_page_xlsx_csv_and_json_agree(client, rworld, db_session):
    sign_in(client, rworld, "board")
    page = client.get(url(rworld)).get_data(as_text=True)
    book = load_workbook(io.BytesIO(client.get(url(rworld, suffix="/export.xlsx")).get_data()))
    text = client.get(url(rworld, suffix="/export.csv")).get_data(as_text=True)
    summary = board_summary(db_session.get(Association, rworld.association_id), Period(2025))
    data = json.loads(json.dumps(board_json(summary)))
    tables = board_tables(summary)
    # Every table is a sheet, cell for cell, numbers as numbers.
    assert len(book.sheetnames) == len(tables)
    for sheet_name, table in zip(book.sheetnames, tables, strict=True):
        rows = [[c.value for c in row] for row in book[sheet_name].iter_rows()]
        assert rows[0] == table.header
        assert rows[1:] == [[None if v == "" else v for v in r] for r in table.rows], sheet_name
    # The CSV holds the same tables under their titles.
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    for table in tables:
        start = parsed.index([table.title])
        assert parsed[start + 1] == table.header
        assert (
            parsed[start + 2][: len(table.rows[0])]
            == ["" if v is None else str(v) for v in table.rows[0]]
            if table.rows
            else True
        )
    questions = book["Enkät 2025 – frågor"]
    header = [c.value for c in questions[1]]
    for row in questions.iter_rows(min_row=2, values_only=True):
        code, share, previous, change = row[0], row[3], row[4], row[5]
        cells = _page_cells(page, code)
        assert cells[3] == f"{share} %"
        assert cells[4] == f"{previous} %"
        assert cells[5] == (f"{change:+d}" if change else "±0")
        item = next(q for q in data["survey"]["questions"] if q["code"] == code)
        assert item["association"]["percent"] == share
        assert item["association"]["previous"]["percent"] == previous
        assert item["association"]["change_pp"] == change
        csv_row = next(r for r in parsed if r[:1] == [code] and len(r) == len(header))
        assert csv_row[3:6] == [str(share), str(previous), str(change)]
    a1 = next(q for q in data["survey"]["questions"] if q["code"] == "A1")
    assert a1["association"]["share"] == pytest.approx(5 / 9)
    assert "56 %" in _page_cells(page, "A1")[3]


def test_nothing_below_k_leaks(client, rworld, db_session):
    sign_in(client, rworld, "board")
    page = client.get(url(rworld)).get_data(as_text=True)
    book = load_workbook(io.BytesIO(client.get(url(rworld, suffix="/export.xlsx")).get_data()))
    text = client.get(url(rworld, suffix="/export.csv")).get_data(as_text=True)
    summary = board_summary(db_session.get(Association, rworld.association_id), Period(2025))
    data = board_json(summary)
    hidden = {rworld.group_ids["Mysam Beta"], rworld.group_ids["Mysam Gamma"]}
    for kind in ("questions", "indicators"):
        for row in data["survey"][kind]:
            for cell in row["groups"]:
                if cell["group_id"] in hidden:
                    assert cell["share"] is None
                    assert cell["percent"] is None
                    assert cell["change_pp"] is None
                    assert cell["suppressed"] in ("few", "secondary")
    for sheet in ("Enkät 2025 – grupp × fråga", "Enkät 2025 – grupp × indikator"):
        for row in book[sheet].iter_rows(min_row=2, values_only=True):
            if row[0] in ("Mysam Beta", "Mysam Gamma"):
                assert (row[4], row[6]) == (None, None)  # last year was shown then
                assert row[7].startswith("Visas inte")
    checked = 0
    codes = [[c] for c in ("A", "B", "C", "A1", "A2", "B1", "B2", "B3", "C1", "C2")]
    for fields in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"):
        if fields[:1] in (["Mysam Beta"], ["Mysam Gamma"]) and fields[1:2] in codes:
            assert (fields[4], fields[6]) == ("", "")
            assert fields[7].startswith("Visas inte")
            checked += 1
    assert checked == 2 * (7 + 3)
    matrix = re.findall(r'<tr data-group="(\d+)">(.*?)</tr>', page, re.S)
    for gid, row in matrix:
        if int(gid) in hidden:
            assert "%" not in row.replace("(", "")
    # Withheld and unreviewed free text appears nowhere; Gamma's is not attributed.
    for output in (page, text, json.dumps(data, ensure_ascii=False)):
        assert "Per på kommunen" not in output
        assert "Ännu inte granskad" not in output
    assert "Bra stöd från förbundet. <span" not in page


def test_summary_query_count_does_not_grow_with_the_data(
    client, rworld, db_session, f, count_queries
):
    sign_in(client, rworld, "board")
    client.get(url(rworld))  # warm-up: caches of the first request are not what we measure
    with count_queries() as small:
        assert client.get(url(rworld)).status_code == 200
    association = db_session.get(Association, rworld.association_id)
    for n in range(4):
        group = f.group(association, name=f"Mysam Extra {n}")
        for _ in range(3):
            f.membership(group)
        db_session.refresh(group)
        for month in (2, 4, 9):
            _meeting(group, dt.date(2025, month, 10), {})
    alfa = db_session.get(Group, rworld.group_ids["Mysam Alfa"])
    for month in (1, 11, 12):
        _meeting(alfa, dt.date(2025, month, 3), {})
    db_session.commit()
    with count_queries() as large:
        assert client.get(url(rworld)).status_code == 200
    assert large.count == small.count
    assert small.count <= 15  # issue 7: every main page at most 15 statements


def _doubled(page: str) -> list[str]:
    """Captions that repeat the heading just above them, and headings repeated at once."""
    doubled, last = [], None
    for tag, text in re.findall(r"<(h[1-6]|caption)\b[^>]*>(.*?)</\1>", page, re.S):
        words = " ".join(re.sub(r"<[^>]+>", "", text).split())
        if words == last:
            doubled.append(f"{tag}: {words}")
        last = words
    return doubled


def test_no_caption_or_heading_repeats_the_heading_above_it(client, rworld):
    sign_in(client, rworld, "admin")
    for path in (
        url(rworld),
        url(rworld, suffix="/print"),
        group_url(rworld, "Mysam Alfa"),
    ):
        page = client.get(path).get_data(as_text=True)
        assert _doubled(page) == [], path
