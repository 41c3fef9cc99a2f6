"""A plan's result goals and activities as tables, for the spreadsheet and CSV downloads.

One code path builds the rows; both formats write the same cells. Text that a
spreadsheet program would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

from portal.plans.models import ActivityStatus, Plan

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Fixed document times keep the file the same from one download to the next.
EPOCH = dt.datetime(2000, 1, 1)  # noqa: DTZ001 - openpyxl writes naive times


def safe(value: Any) -> Any:
    """A cell value that no spreadsheet program will run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Table:
    """A titled table: a header row and data rows."""

    title: str
    header: list[str]
    rows: list[list[Any]]


def tables(plan: Plan, status_labels: dict[ActivityStatus, Any], people: bool) -> list[Table]:
    """The plan's goals and activities as two tables (names left out when ``people`` is off)."""
    goals = Table(
        _("Result goals"),
        [_("Goal area"), _("Result goal"), _("Indicator"), _("Baseline"), _("Target level"),
         _("Outcome")],
        [
            [g.goal_area.title if g.goal_area else "", g.title, g.indicator, g.baseline,
             g.target, g.outcome]
            for g in plan.goals
        ],
    )  # fmt: skip
    activities = Table(
        _("Activities"),
        [_("Activity"), _("Responsible"), _("Responsible agency"), _("Decision-maker"),
         _("Dependencies"), _("Due date"), _("Status"), _("Outcome")],
        [
            [a.what, a.responsible.name if people and a.responsible else "",
             a.agency.name if a.agency else "", a.decision_maker, a.dependencies, a.due_date,
             str(status_labels[a.status]), a.outcome]
            for a in plan.activities
        ],
    )  # fmt: skip
    return [goals, activities]


def to_xlsx(plan: Plan, parts: list[Table]) -> bytes:
    """An xlsx workbook with one sheet per table."""
    book = Workbook()
    book.remove(book.active)
    book.properties.creator = "Samverkansportalen"
    book.properties.title = f"{plan.group.name} {plan.year}"
    book.properties.created = book.properties.modified = EPOCH
    for part in parts:
        sheet = book.create_sheet(part.title[:31])
        sheet.append([safe(h) for h in part.header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in part.rows:
            sheet.append([safe(v) for v in row])
        for column, header in zip(sheet.columns, part.header, strict=True):
            width = max([len(header), *(len(str(c.value or "")) for c in column)])
            sheet.column_dimensions[column[0].column_letter].width = min(60, width + 2)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(parts: list[Table]) -> str:
    """Both tables in one CSV file (semicolon-separated, as Swedish Excel expects),
    each under its title, with a blank line between."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for index, part in enumerate(parts):
        if index:
            writer.writerow([])
        writer.writerow([safe(part.title)])
        writer.writerow([safe(h) for h in part.header])
        for row in part.rows:
            writer.writerow([safe(v.isoformat() if isinstance(v, dt.date) else v) for v in row])
    return "\ufeff" + out.getvalue()
