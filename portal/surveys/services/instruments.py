"""Instrument versions: import a checked file, list them, tell whether one is frozen."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import audit
from portal.core.errors import DomainError
from portal.db import utcnow
from portal.extensions import db
from portal.surveys.instrument import ParsedInstrument
from portal.surveys.models import (
    Instrument,
    Question,
    QuestionKind,
    RoundStatus,
    SurveyRound,
)


def is_frozen(instrument: Instrument) -> bool:
    """Whether a round using this version has opened (then it can never change)."""
    used = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyRound)
        .where(SurveyRound.instrument_id == instrument.id, SurveyRound.status != RoundStatus.DRAFT)
    )
    return bool(used)


def import_instrument(actor: User | None, parsed: ParsedInstrument) -> tuple[Instrument, str]:
    """Store a checked instrument version; returns it and "created", "replaced" or "unchanged".

    A version not yet used by an opened round may be imported again (corrections); a
    used one only when the file is identical.
    """
    instrument = db.session.scalar(
        sa.select(Instrument).where(
            Instrument.code == parsed.code, Instrument.version == parsed.version
        )
    )
    if instrument is not None and instrument.definition == parsed.definition:
        return instrument, "unchanged"
    if instrument is not None and is_frozen(instrument):
        raise DomainError(
            _(
                "Version %(version)s of %(code)s is used by a round that has opened and can "
                "no longer change. Give the corrected file a new version.",
                version=parsed.version,
                code=parsed.code,
            )
        )
    outcome = "replaced" if instrument is not None else "created"
    if instrument is None:
        instrument = Instrument(code=parsed.code, version=parsed.version)
        db.session.add(instrument)
    else:
        instrument.questions.clear()
        db.session.flush()
    instrument.title = parsed.title
    instrument.is_example = parsed.is_example
    instrument.notice = parsed.notice
    instrument.definition = parsed.definition
    instrument.imported_at = utcnow()
    for position, q in enumerate(parsed.questions, start=1):
        values = {**vars(q), "kind": QuestionKind(q.kind)}
        instrument.questions.append(Question(position=position, **values))
    db.session.flush()
    audit.record(
        actor=actor,
        action="survey_instrument.import",
        obj=instrument,
        association_id=None,
        summary=_("%(code)s %(version)s (replaced)", code=parsed.code, version=parsed.version)
        if outcome == "replaced"
        else _("%(code)s %(version)s (new)", code=parsed.code, version=parsed.version),
        after={"questions": len(parsed.questions), "example": parsed.is_example},
    )
    return instrument, outcome


def instruments() -> list[Instrument]:
    """Every instrument version, newest import first."""
    return list(
        db.session.scalars(
            sa.select(Instrument).order_by(Instrument.imported_at.desc(), Instrument.id.desc())
        )
    )
