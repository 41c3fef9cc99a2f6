"""What leaves the app: the xlsx and CSV of a plan's goals and activities (golden files),
safe against formula injection."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portal.groups.models import Group
from portal.plans.models import ActivityStatus
from portal.plans.services import items, plans
from portal.plans.services.export import safe
from tests.support.plans import YEAR, due
from tests.support.sessions import sign_in

GOLDEN = Path(__file__).parent / "golden"
# The sheets (openpyxl writes strings inline) and the workbook with the sheet names.
PARTS = ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/workbook.xml"]


@pytest.fixture
def plan(pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    made = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    items.add_goal(
        None,
        made,
        items.GoalData(pworld.area_ids[0], "Fler parter på mötena", "Andel närvarande", True,
                       "60", "80", "=HYPERLINK(\"http://x\")"),
    )  # fmt: skip
    items.add_activity(
        None,
        made,
        items.ActivityData(
            "+Gemensam utbildning",
            pworld.user_ids["member"],
            pworld.fk_id,
            "Styrgruppen",
            "-Budget",
            due(9, 30),
            ActivityStatus.ONGOING,
            "@SUM(A1)",
        ),
    )
    db_session.commit()
    return made


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(actual.encode("utf-8"))
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{name} differs from the golden file (UPDATE_GOLDEN=1 rewrites)"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\t=1"])
def test_formulas_are_neutralised(value):
    assert safe(value).startswith("'")
    assert safe("ok =1") == "ok =1"
    assert safe(5) == 5


def test_xlsx_matches_the_golden_file(client, plan, pworld):
    sign_in(client, pworld, "process_leader")
    response = client.get(f"/a/{pworld.slug}/plans/{plan.id}/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    disposition = response.headers["Content-Disposition"]
    assert f'filename="handlingsplan-mysam-hudiksvall-{YEAR}.xlsx"' in disposition
    assert f"filename*=UTF-8''handlingsplan-mysam-hudiksvall-{YEAR}.xlsx" in disposition
    data = response.get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in PARTS:
            _golden("plan_" + part.replace("/", "_"), archive.read(part).decode("utf-8"))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Resultatmål", "Åtgärder"]
    activity = [c.value for c in book["Åtgärder"][2]]
    assert activity[0] == "'+Gemensam utbildning"
    assert activity[1] == "Maja Medlem"
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for v in activity)


def test_csv_matches_the_golden_file(client, plan, pworld):
    sign_in(client, pworld, "process_leader")
    response = client.get(f"/a/{pworld.slug}/plans/{plan.id}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    _golden("plan.csv", response.get_data(as_text=True))
