"""The admins' analysis texts beside the figures of a board summary.

One text per association, year, period and section. Saving checks the version the
form was opened on (optimistic locking, as in the plans): a stale save raises
:class:`StaleAnalysisError` carrying what is stored, so the view can show both.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal.accounts.models import User
from portal.core import audit
from portal.core.concurrency import MissingVersionError, StaleEditError, check_version, first_row
from portal.core.errors import DomainError
from portal.core.markdown import render
from portal.extensions import db
from portal.reporting.models import SECTION_KEY_MAX, TEXT_MAX, ReportAnalysis, ReportPeriod

# The sections of a summary that have an analysis text, by key, as the page names them.
SECTIONS = {
    "plans": _l("Plans and goals"),
    "meetings": _l("Meetings and attendance"),
    "survey": _l("Survey results"),
    "summary": _l("Overall assessment"),
}
SECTION_RE = re.compile(rf"^[a-z][a-z0-9_-]{{0,{SECTION_KEY_MAX - 1}}}$")


# A stale save of an analysis text is the portal's one kind of edit conflict.
StaleAnalysisError = StaleEditError


def check_key(year: int, period: str, section: str) -> None:
    """Refuse a period or section key the summary cannot have."""
    if period not in {p.value for p in ReportPeriod}:
        raise DomainError(_("Unknown period."))
    if not SECTION_RE.match(section) or not 2000 <= year <= 2100:
        raise DomainError(_("Unknown section."))


def _summary(year: int, period: str, section: str) -> str:
    """The audit log's line in words: "2026, full year: Survey results"."""
    half = _("first half-year") if period == ReportPeriod.H1 else _("full year")
    return f"{year}, {half}: {SECTIONS.get(section, section)}"


def analyses(association_id: int, year: int, period: str) -> dict[str, ReportAnalysis]:
    """Section key → its analysis text, for one summary (one query)."""
    rows = db.session.scalars(
        sa.select(ReportAnalysis).where(
            ReportAnalysis.association_id == association_id,
            ReportAnalysis.year == year,
            ReportAnalysis.period == period,
        )
    )
    return {row.section: row for row in rows}


def analysis(association_id: int, year: int, period: str, section: str) -> ReportAnalysis | None:
    """One section's text, or None if nobody has written it yet."""
    return db.session.scalar(
        sa.select(ReportAnalysis).where(
            ReportAnalysis.association_id == association_id,
            ReportAnalysis.year == year,
            ReportAnalysis.period == period,
            ReportAnalysis.section == section,
        )
    )


def save_analysis(
    actor: User | None,
    association_id: int,
    year: int,
    period: str,
    section: str,
    body: str,
    lock_version: int | None,
) -> ReportAnalysis:
    """Create or replace a section's text, unless someone saved it since the form opened.

    ``lock_version`` is the version the form showed, 0 when the section had no text
    then; a form that does not say is refused. Two first saves at the same moment
    race through a savepoint: the second one finds the first's text and is a conflict.
    """
    check_key(year, period, section)
    body = body.strip()
    if len(body) > TEXT_MAX:
        raise DomainError(
            _("The text is too long (at most %(max)d characters).", max=TEXT_MAX), "body"
        )
    if lock_version is None:
        raise MissingVersionError()
    text = analysis(association_id, year, period, section)
    if text is None:
        first, created = first_row(
            lambda: _insert(actor, association_id, year, period, section, body),
            lambda: analysis(association_id, year, period, section),
        )
        if created:
            _record(actor, first, None, body)
            return first
        text = first
    check_version(text, lock_version)
    if text.body == body:
        return text
    before = {"body": text.body}
    text.body = body
    text.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    _record(actor, text, before, body)
    return text


def _insert(
    actor: User | None, association_id: int, year: int, period: str, section: str, body: str
) -> ReportAnalysis:
    text = ReportAnalysis(
        association_id=association_id,
        year=year,
        period=period,
        section=section,
        body=body,
        updated_by_id=actor.id if actor is not None else None,
    )
    db.session.add(text)
    db.session.flush()
    return text


def _record(
    actor: User | None, text: ReportAnalysis, before: dict[str, str] | None, body: str
) -> None:
    audit.record(
        actor=actor,
        action="report_analysis.save",
        obj=text,
        association_id=text.association_id,
        summary=_summary(text.year, text.period, text.section),
        before=before,
        after={"body": body},
    )


def rendered(text: ReportAnalysis | None) -> Markup:
    """The text as sanitized HTML (empty when there is none)."""
    return render(text.body) if text is not None else Markup("")
