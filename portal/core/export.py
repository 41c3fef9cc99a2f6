"""Tables for the spreadsheet and CSV downloads, shared by plans and board summaries.

One code path builds the rows; both formats write the same cells. Text that a
spreadsheet program would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Fixed document times keep the file the same from one download to the next.
EPOCH = dt.datetime(2000, 1, 1)  # noqa: DTZ001 - openpyxl writes naive times
SHEET_TITLE_MAX = 31
SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def safe(value: Any) -> Any:
    """A cell value that no spreadsheet program will run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Table:
    """A titled table: a header row and data rows (numbers stay numbers)."""

    title: str
    header: list[str]
    rows: list[list[Any]]


def _sheet_title(text: str, limit: int) -> str:
    """``text`` as a sheet name of at most ``limit`` characters: forbidden characters and
    runs of spaces become one space, and a long name ends at a word, not within one."""
    text = " ".join(text.translate(SHEET_FORBIDDEN).split()).strip("'")
    if len(text) > limit:
        cut = text[: limit + 1]
        text = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else text[:limit]
        words = text.split(" ")
        while len(words) > 2 and len(words[-1]) <= 3 and words[-1].islower():
            words.pop()  # "Grupper med plan och" reads better without its "och"
        text = " ".join(words)
    return text.rstrip(" –-,:;").strip("'") or "-"


def _sheet_titles(parts: list[Table]) -> list[str]:
    """Unique sheet names within Excel's 31 characters and without forbidden characters."""
    seen: set[str] = set()
    titles = []
    for part in parts:
        title, n = _sheet_title(part.title, SHEET_TITLE_MAX), 1
        while title.lower() in seen:
            n += 1
            suffix = f" ({n})"
            title = _sheet_title(part.title, SHEET_TITLE_MAX - len(suffix)) + suffix
        seen.add(title.lower())
        titles.append(title)
    return titles


def to_xlsx(title: str, parts: list[Table]) -> bytes:
    """An xlsx workbook with one sheet per table."""
    book = Workbook()
    book.remove(book.worksheets[0])  # the blank sheet a new workbook starts with
    book.properties.creator = "Samverkansportalen"
    book.properties.title = title
    book.properties.created = book.properties.modified = EPOCH
    for part, sheet_title in zip(parts, _sheet_titles(parts), strict=True):
        sheet = book.create_sheet(sheet_title)
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


def csv_value(value: Any) -> Any:
    """A cell as CSV text: dates in ISO form, decimals with a comma as Swedish Excel reads them."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return safe(value)


def to_csv(parts: list[Table]) -> str:
    """All tables in one CSV file (semicolon-separated, as Swedish Excel expects),
    each under its title, with a blank line between."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for index, part in enumerate(parts):
        if index:
            writer.writerow([])
        writer.writerow([safe(part.title)])
        writer.writerow([safe(h) for h in part.header])
        for row in part.rows:
            writer.writerow([csv_value(v) for v in row])
    return "\ufeff" + out.getvalue()
