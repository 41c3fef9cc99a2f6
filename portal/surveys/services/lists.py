"""Respondents outside the Mysam groups: the association's board, and the list of names
and addresses an admin uploads for a round (staff in the efforts, referrers).

A list is plain text: ``name;e-mail`` a line, or CSV (``;``, ``,`` or tab separated)
whose first line names the columns. It is kept only until the round closes
(``lifecycle.close_round`` deletes it).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import audit
from portal.core.concurrency import StaleEditError, bump, check_version
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import AssociationRole, AssociationRoleName
from portal.surveys.models import (
    LIST_EMAIL_MAX,
    LIST_NAME_MAX,
    ListEntry,
    RespondentSource,
    SurveyRound,
)

LIST_MAX_LINES = 5000
NAME_HEADERS = frozenset({"name", "namn", "full name", "fullständigt namn"})
EMAIL_HEADERS = frozenset({"e-mail", "email", "e-post", "epost", "mail", "e-mail address"})
MAX_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class ListLine:
    """A respondent as read from the upload, with the line it stood on."""

    line: int
    name: str
    email: str


class ListError(DomainError):
    """The list was refused; ``problems`` are the messages, each naming its line."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_ERRORS_SHOWN]
        if len(problems) > len(shown):
            shown.append(_("… and %(count)s more.", count=len(problems) - len(shown)))
        super().__init__(" ".join(shown), "respondents")
        self.problems = shown


def _delimiter(line: str) -> str:
    for candidate in (";", "\t", ","):
        if candidate in line:
            return candidate
    return ";"


def parse_list(text: str) -> list[ListLine]:
    """The respondents of an uploaded list, or ``ListError`` naming every bad line.

    Blank lines are skipped. Addresses are compared without regard to case: one address
    on two lines is refused (one person, one answer).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise ListError([_("The list is empty.")])
    if len(numbered) > LIST_MAX_LINES + 1:
        raise ListError([_("A list can have at most %(count)s lines.", count=LIST_MAX_LINES)])
    delimiter = _delimiter(numbered[0][1])
    rows = [
        (number, [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))])
        for number, line in numbered
    ]
    name_at, email_at, rows = _columns(rows)
    problems: list[str] = []
    seen: dict[str, int] = {}
    read: list[ListLine] = []
    for number, cells in rows:
        if len(cells) <= max(name_at, email_at):
            problems.append(
                _(
                    "Line %(line)s: give a name and an e-mail address, separated by “%(sep)s”.",
                    line=number,
                    sep=delimiter,
                )
            )
            continue
        line, problem = _read(number, cells[name_at], cells[email_at], seen)
        if problem:
            problems.append(problem)
        elif line is not None:
            read.append(line)
    if problems:
        raise ListError(problems)
    if not read:
        raise ListError([_("The list has a header but no respondents.")])
    return read


def _columns(rows: list[tuple[int, list[str]]]) -> tuple[int, int, list[tuple[int, list[str]]]]:
    """(name column, e-mail column, the rows of respondents): from the header if the
    first line names an e-mail column, else name then e-mail."""
    header = [cell.lower() for cell in rows[0][1]]
    if not any(cell in EMAIL_HEADERS for cell in header):
        return 0, 1, rows
    names = [i for i, cell in enumerate(header) if cell in NAME_HEADERS]
    if not names:
        raise ListError([_("Line %(line)s: the header has no name column.", line=rows[0][0])])
    email_at = next(i for i, cell in enumerate(header) if cell in EMAIL_HEADERS)
    return names[0], email_at, rows[1:]


def _read(
    number: int, name: str, address: str, seen: dict[str, int]
) -> tuple[ListLine | None, str | None]:
    """One line as a respondent, or the problem with it (naming the line)."""
    if not name:
        return None, _("Line %(line)s: the name is missing.", line=number)
    if len(name) > LIST_NAME_MAX:
        return None, _(
            "Line %(line)s: the name is longer than %(max)s characters.",
            line=number,
            max=LIST_NAME_MAX,
        )
    try:
        email = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None, _(
            "Line %(line)s: “%(address)s” is not a valid e-mail address.",
            line=number,
            address=address[:LIST_EMAIL_MAX],
        )
    if len(email) > LIST_EMAIL_MAX:
        return None, _("Line %(line)s: the e-mail address is too long.", line=number)
    key = email.lower()
    if key in seen:
        return None, _(
            "Line %(line)s: %(address)s is already on line %(first)s.",
            line=number,
            address=email,
            first=seen[key],
        )
    seen[key] = number
    return ListLine(number, name, email), None


def upload_list(actor: User, survey_round: SurveyRound, text: str, lock_version: int | None) -> int:
    """Replace the round's list by the one uploaded (only before the round opens), if
    the round is still at ``lock_version``, the version the form was opened on.
    Returns the number of respondents.

    An upload counts the round's version on, so that a list or settings form opened
    before it is refused (``StaleEditError``), never taken as the last word. A stale
    upload of exactly the list stored now (a double click, or two people uploading the
    same file) changes nothing and is not refused: nothing would be lost.
    """
    if survey_round.source != RespondentSource.LIST:
        raise DomainError(_("This round's respondents do not come from a list."))
    read = parse_list(text)
    try:
        check_version(survey_round, lock_version)
    except StaleEditError:
        if survey_round.is_draft and _stored_lines(survey_round) == _lines(read):
            return len(read)
        raise
    if not survey_round.is_draft:
        raise DomainError(_("The round has opened; its list can no longer change."))
    db.session.execute(sa.delete(ListEntry).where(ListEntry.round_id == survey_round.id))
    db.session.execute(
        sa.insert(ListEntry),
        [
            {"round_id": survey_round.id, "line": r.line, "name": r.name, "email": r.email}
            for r in read
        ],
    )
    bump(survey_round)
    db.session.flush()
    audit.record(
        actor=actor,
        action="survey_round.list",
        obj=survey_round,
        association_id=survey_round.association_id,
        summary=str(survey_round.year),
        after={"respondents": len(read)},  # how many, never who
    )
    return len(read)


def _lines(read: list[ListLine]) -> list[tuple[int, str, str]]:
    return [(r.line, r.name, r.email) for r in read]


def _stored_lines(survey_round: SurveyRound) -> list[tuple[int, str, str]]:
    return [(e.line, e.name, e.email) for e in list_entries(survey_round)]


def list_entries(survey_round: SurveyRound) -> list[ListEntry]:
    """The round's uploaded respondents, in the order of the upload (none once closed)."""
    return list(
        db.session.scalars(
            sa.select(ListEntry)
            .where(ListEntry.round_id == survey_round.id)
            .order_by(ListEntry.line)
        )
    )


def list_size(survey_round: SurveyRound) -> int:
    return int(
        db.session.scalar(sa.select(sa.func.count()).where(ListEntry.round_id == survey_round.id))
        or 0
    )


def board_members(association_id: int) -> list[User]:
    """The association's current board: active accounts holding the board role now."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(AssociationRole, AssociationRole.user_id == User.id)
            .where(
                AssociationRole.association_id == association_id,
                AssociationRole.role == AssociationRoleName.BOARD,
                User.active.is_(True),
            )
            .distinct()
            .order_by(User.id)
        )
    )
