"""The national reference: published national shares of clearly positive answers.

The platform administrator loads them from a CSV file (``docs/national-reference.md``
describes the format), from the command line or the platform admin page; both go
through :func:`import_national`. A file is checked as a whole and refused on any
error; re-importing replaces every year the file contains, in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.models import User
from portal.core.audit import record
from portal.core.numbers import parse_number
from portal.db import utcnow
from portal.extensions import Model, db
from portal.surveys.models import Question, QuestionKind

HEADER = ("year", "question_code", "share_positive", "respondents")
CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
YEAR_MIN, YEAR_MAX = 2000, 2100


class NationalReference(Model):
    """The national share of clearly positive answers to one question in one year.

    ``share`` is 0..1; ``respondents`` is the national number of answers behind it,
    where the publication gives one.
    """

    __tablename__ = "national_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    question_code: Mapped[str] = mapped_column(sa.String(32))
    share: Mapped[float] = mapped_column(sa.Float)
    respondents: Mapped[int | None]
    # How many associations the figure pools, where the file says (issue 22's export does).
    associations: Mapped[int | None]
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("year", "question_code"),
        sa.CheckConstraint("share >= 0 AND share <= 1", name="share_range"),
        sa.CheckConstraint("respondents IS NULL OR respondents >= 0", name="respondents_positive"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )


@dataclass(frozen=True)
class Problem:
    """An error or warning about one line of the file (line 1 is the header)."""

    line: int
    message: str


class NationalFileError(Exception):
    """The file was refused; ``problems`` lists every error with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} error(s)")
        self.problems = problems


@dataclass(frozen=True)
class NationalRow:
    """One checked line of the file."""

    line: int
    year: int
    question_code: str
    share: float
    respondents: int | None
    associations: int | None = None


@dataclass
class NationalImport:
    """What an import loaded (also the audit log's object)."""

    rows: list[NationalRow]
    warnings: list[Problem] = field(default_factory=list)
    replaced: int = 0
    id: None = None

    @property
    def years(self) -> list[int]:
        return sorted({row.year for row in self.rows})


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NationalFileError(
            [Problem(1, _("The file is not UTF-8 text (byte %(pos)d).", pos=error.start + 1))]
        ) from None


def _delimiter(header_line: str) -> str:
    return ";" if ";" in header_line else ","


def _year(raw: str) -> tuple[int | None, str | None]:
    if not raw.isdigit():
        return None, _("The year must be a number, not “%(value)s”.", value=raw)
    year = int(raw)
    if not YEAR_MIN <= year <= YEAR_MAX:
        return None, _("The year %(year)d is outside 2000–2100.", year=year)
    return year, None


def _share(raw: str) -> tuple[float | None, str | None]:
    number = parse_number(raw)  # the portal's one rule: "48,25", "48 %"; not "1e2" or "nan"
    if number is None:
        return None, _("The share must be a percentage 0–100, not “%(value)s”.", value=raw)
    if not 0 <= number <= 100:
        return None, _("The share %(value)s is outside 0–100.", value=raw)
    return round(float(number) / 100, 6), None


def _respondents(raw: str) -> tuple[int | None, str | None]:
    text = raw.replace(" ", "").replace("\u00a0", "")
    if not text:
        return None, None
    if not text.isdigit():
        return None, _(
            "The number of respondents must be a whole number, not “%(value)s”.", value=raw
        )
    return int(text), None


def _check_header(cells: list[str]) -> list[Problem]:
    names = tuple(c.strip().lower() for c in cells)
    # Further columns after the four are read past: the portal's own national
    # compilation (portal.national) writes its report's columns there.
    if names[:3] != HEADER[:3] or (len(names) > 3 and names[3:4] != HEADER[3:]):
        return [
            Problem(
                1,
                _(
                    "The first line must be the header %(header)s.",
                    header=";".join(HEADER),
                ),
            )
        ]
    return []


@dataclass(frozen=True)
class _Extras:
    """Further columns of the portal's own compilation (``portal.national``), by
    position, where the header has them: ``level`` (rows other than "question" are
    skipped: the reference is per question) and ``associations``."""

    level: int | None
    associations: int | None

    @classmethod
    def of(cls, header_line: str) -> _Extras:
        names = [c.strip().lower() for c in header_line.split(_delimiter(header_line))]
        extra = names[len(HEADER) :]
        return cls(
            names.index("level") if "level" in extra else None,
            names.index("associations") if "associations" in extra else None,
        )

    def skips(self, cells: list[str]) -> bool:
        return (
            self.level is not None
            and len(cells) > self.level
            and cells[self.level].strip() != "question"
        )

    def read(self, row: NationalRow | None, cells: list[str]) -> tuple[NationalRow | None, str]:
        """``row`` with its associations, or an error about them ("" when none)."""
        if self.associations is None or len(cells) <= self.associations:
            return row, ""
        raw = cells[self.associations].strip()
        count, error = _respondents(raw)
        if error:
            return None, _(
                "The number of associations must be a whole number, not “%(value)s”.", value=raw
            )
        return (replace(row, associations=count) if row is not None else None), ""


def _check_row(line: int, cells: list[str], columns: int) -> tuple[NationalRow | None, list[str]]:
    cells = [c.strip() for c in cells]
    if len(cells) != columns:
        return None, [
            _("Expected %(expected)d columns, found %(found)d.", expected=columns, found=len(cells))
        ]
    year, e_year = _year(cells[0])
    code = cells[1]
    e_code = (
        None if CODE_RE.match(code) else _("The question code “%(code)s” is not valid.", code=code)
    )
    share, e_share = _share(cells[2])
    respondents, e_resp = _respondents(cells[3]) if columns > 3 else (None, None)
    errors = [e for e in (e_year, e_code, e_share, e_resp) if e]
    if errors or year is None or share is None:
        return None, errors
    return NationalRow(line, year, code, share, respondents), []


def parse_national_csv(data: bytes | str, known_codes: Iterable[str] = ()) -> NationalImport:
    """Check a whole file; raise :class:`NationalFileError` listing every error."""
    text = _decode(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise NationalFileError([Problem(1, _("The file is empty."))])
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(lines[0]))
    problems = _check_header(next(reader))
    if problems:
        raise NationalFileError(problems)
    columns = len(lines[0].split(_delimiter(lines[0])))
    extras = _Extras.of(lines[0])
    known = set(known_codes)
    rows: list[NationalRow] = []
    warnings: list[Problem] = []
    seen: dict[tuple[int, str], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if extras.skips(cells):
            continue
        row, errors = _check_row(line, cells, columns)
        row, error = extras.read(row, cells)
        problems += [Problem(line, message) for message in [*errors, error] if message]
        if row is None:
            continue
        key = (row.year, row.question_code)
        if key in seen:
            problems.append(Problem(line, _duplicate(row, seen[key])))
            continue
        seen[key] = line
        rows.append(row)
        if known and row.question_code not in known:
            warnings.append(Problem(line, _unknown(row.question_code)))
    if not rows and not problems:
        problems.append(Problem(2, _("The file has a header but no figures.")))
    if problems:
        raise NationalFileError(problems)
    return NationalImport(rows=rows, warnings=warnings)


def _duplicate(row: NationalRow, first_line: int) -> str:
    return _(
        "%(code)s for %(year)d is already given on line %(line)d.",
        code=row.question_code,
        year=row.year,
        line=first_line,
    )


def _unknown(code: str) -> str:
    return _(
        "The question code %(code)s is in no survey instrument on this installation;"
        " it is loaded anyway.",
        code=code,
    )


def known_question_codes() -> set[str]:
    """Codes of scale questions in any instrument version on the installation."""
    return set(
        db.session.scalars(
            sa.select(Question.code).where(Question.kind == QuestionKind.SCALE).distinct()
        )
    )


def import_national(actor: User | None, data: bytes | str) -> NationalImport:
    """Check the file, then replace every year it contains (delete + insert); audit it."""
    loaded = parse_national_csv(data, known_question_codes())
    years = loaded.years
    loaded.replaced = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(NationalReference)
            .where(NationalReference.year.in_(years))
        )
        or 0
    )
    db.session.execute(sa.delete(NationalReference).where(NationalReference.year.in_(years)))
    now = utcnow()
    db.session.add_all(
        NationalReference(
            year=row.year,
            question_code=row.question_code,
            share=row.share,
            respondents=row.respondents,
            associations=row.associations,
            imported_at=now,
        )
        for row in loaded.rows
    )
    db.session.flush()
    record(
        actor=actor,
        action="national_reference.import",
        obj=loaded,
        association_id=None,
        summary=", ".join(str(y) for y in years),
        before={"years": years, "figures": loaded.replaced} if loaded.replaced else None,
        after={"years": years, "figures": len(loaded.rows)},
    )
    return loaded


def loaded_references() -> dict[int, list[NationalReference]]:
    """Year (newest first) → its figures ordered by question code."""
    rows = db.session.scalars(
        sa.select(NationalReference).order_by(
            NationalReference.year.desc(), NationalReference.question_code
        )
    ).all()
    out: dict[int, list[NationalReference]] = {}
    for row in rows:
        out.setdefault(row.year, []).append(row)
    return out
