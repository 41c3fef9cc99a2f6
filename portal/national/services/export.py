"""The compilation as a file in the shape of the published national report: one row
per indicator and question with the share clearly positive, the number of
associations and of answers behind it, and the change from last year.

The CSV begins with the columns the national reference importer reads
(``year;question_code;share_positive;respondents``, see docs/national-reference.md),
so a compilation can be loaded as the reference of another installation; the further
columns are the report's, and the importer skips the indicator rows (``level``).
The xlsx holds the same rows, and a sheet of the named associations.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask_babel import gettext as _

from portal.core.export import Table, safe, to_xlsx
from portal.national.services.compilation import Compilation, Line
from portal.surveys.models import RESPONDENT_GROUP_LABELS

HEADER = (
    "year",
    "question_code",
    "share_positive",
    "respondents",
    "associations",
    "change_points",
    "respondent_group",
    "level",
    "title",
)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def _row(compilation: Compilation, line: Line) -> list[Any]:
    figure = line.figure
    return [
        compilation.year,
        line.code,
        _percent(figure.share * 100 if figure else None),
        figure.base if figure else "",
        figure.associations if figure else "",
        _percent(line.change),
        compilation.respondent_group.value,
        line.level,
        line.title,
    ]


def rows(compilation: Compilation) -> list[list[Any]]:
    """The report's rows: lines without a figure (too few associations) are left out,
    as the published report leaves them out."""
    return [_row(compilation, line) for line in compilation.lines if line.figure is not None]


def to_csv(compilation: Compilation) -> str:
    """The report as semicolon-separated UTF-8 with a byte-order mark (Swedish Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows(compilation):
        writer.writerow([safe(v) for v in row])
    return "\ufeff" + out.getvalue()


def to_workbook(compilation: Compilation) -> bytes:
    """The report and the named associations' figures as an xlsx workbook."""
    group = str(RESPONDENT_GROUP_LABELS[compilation.respondent_group])
    report = Table(
        title=_("National compilation"),
        header=list(HEADER),
        rows=[
            [*row[:2], _number(row[2]), *row[3:5], _number(row[5]), *row[6:]]
            for row in rows(compilation)
        ],
    )
    codes = [line.code for line in compilation.lines]
    named = Table(
        title=_("Associations"),
        header=[_("Association"), *codes],
        rows=[[n.name, *(_share(n.shares.get(code)) for code in codes)] for n in compilation.named],
    )
    return to_xlsx(f"{_('National compilation')} {compilation.year} {group}", [report, named])


def _number(text: str) -> float | str:
    return float(text.replace(",", ".")) if text else ""


def _share(share: float | None) -> float | str:
    return "" if share is None else round(share * 100, 1)


def to_json(compilation: Compilation) -> dict[str, Any]:
    """The compilation for the API: the same figures as the page and the files."""
    return {
        "year": compilation.year,
        "respondent_group": compilation.respondent_group.value,
        "participating_associations": compilation.participating,
        "unnamed_associations": compilation.unnamed,
        "lines": [
            {
                "level": line.level,
                "code": line.code,
                "title": line.title,
                "share": line.figure.share if line.figure else None,
                "associations": line.figure.associations if line.figure else None,
                "answers": line.figure.base if line.figure else None,
                "previous_share": line.previous.share if line.previous else None,
                "change_pp": round(line.change, 1) if line.change is not None else None,
            }
            for line in compilation.lines
        ],
        "associations": [
            {"name": named.name, "shares": dict(sorted(named.shares.items()))}
            for named in compilation.named
        ],
    }
