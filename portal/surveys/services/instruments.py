"""Instrument versions: import a checked file, publish it, list them, tell whether one is
frozen.

A version is stored as a draft (the platform admin's upload page) or published at once
(the command line, the demo). A draft is seen only by the platform admin and may be
replaced; publishing offers it to every association at once and fixes its content.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.core import audit
from portal.core.concurrency import bump, check_version, lock_row
from portal.core.errors import DomainError
from portal.db import utcnow
from portal.extensions import db
from portal.surveys.instrument import ParsedInstrument
from portal.surveys.models import (
    Instrument,
    Question,
    QuestionKind,
    RespondentGroup,
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


def _existing(parsed: ParsedInstrument) -> Instrument | None:
    """The stored version with the file's code and version, locked until the transaction
    ends: a publish or another upload of it made at the same moment waits."""
    instrument = db.session.scalar(
        sa.select(Instrument).where(
            Instrument.code == parsed.code, Instrument.version == parsed.version
        )
    )
    if instrument is not None:
        lock_row(instrument)
    return instrument


def _refuse_change(instrument: Instrument, parsed: ParsedInstrument) -> None:
    if is_frozen(instrument):
        raise DomainError(
            _(
                "Version %(version)s of %(code)s is used by a round that has opened and can "
                "no longer change. Give the corrected file a new version.",
                version=parsed.version,
                code=parsed.code,
            )
        )
    if instrument.is_published:
        raise DomainError(
            _(
                "Version %(version)s of %(code)s is published: every association is offered "
                "it as it is. Give the corrected file a new version.",
                version=parsed.version,
                code=parsed.code,
            )
        )


def import_instrument(
    actor: User | None, parsed: ParsedInstrument, *, publish: bool = True
) -> tuple[Instrument, str]:
    """Store a checked instrument version; returns it and "created", "replaced" or
    "unchanged". With ``publish`` (the command line) it is offered to every association
    at once; without (the upload page) it stays a draft until ``publish_instrument``.

    A draft may be imported again (corrections); a published version only when the file
    and its respondent group are identical, which changes nothing (a double submit).
    """
    instrument = _existing(parsed)
    if (
        instrument is not None
        and instrument.definition == parsed.definition
        and instrument.respondent_group == parsed.respondent_group
    ):
        if publish and not instrument.is_published:
            publish_instrument(actor, instrument, instrument.lock_version)
        return instrument, "unchanged"
    if instrument is not None:
        _refuse_change(instrument, parsed)
    outcome = "replaced" if instrument is not None else "created"
    if instrument is None:
        instrument = Instrument(code=parsed.code, version=parsed.version)
        db.session.add(instrument)
    else:
        instrument.questions.clear()
        bump(instrument)
        db.session.flush()
    instrument.title = parsed.title
    instrument.is_example = parsed.is_example
    instrument.respondent_group = parsed.respondent_group
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
        after={
            "questions": len(parsed.questions),
            "example": parsed.is_example,
            "respondent_group": parsed.respondent_group.value,
        },
    )
    if publish:
        publish_instrument(actor, instrument, instrument.lock_version)
    return instrument, outcome


def publish_instrument(
    actor: User | None, instrument: Instrument, lock_version: int | None
) -> bool:
    """Offer a draft version to every association at once; False if it already was
    published (a second click, or another admin's), which changes nothing.

    ``lock_version`` is the version the admin saw: a re-upload since then is a conflict
    (``StaleEditError``), not the publishing of wording nobody checked.
    """
    lock_row(instrument)
    if instrument.is_published:
        return False
    check_version(instrument, lock_version)
    instrument.published_at = utcnow()
    db.session.flush()
    audit.record(
        actor=actor,
        action="survey_instrument.publish",
        obj=instrument,
        association_id=None,
        summary=_("%(code)s %(version)s", code=instrument.code, version=instrument.version),
        after={"published": True, "respondent_group": instrument.respondent_group.value},
    )
    return True


def instruments() -> list[Instrument]:
    """Every instrument version, drafts included, newest import first (the platform's
    list)."""
    return list(
        db.session.scalars(
            sa.select(Instrument).order_by(Instrument.imported_at.desc(), Instrument.id.desc())
        )
    )


def published_instruments(respondent_group: RespondentGroup | None = None) -> list[Instrument]:
    """The versions offered to every association (of one respondent group, if given),
    newest import first."""
    query = sa.select(Instrument).where(Instrument.published_at.is_not(None))
    if respondent_group is not None:
        query = query.where(Instrument.respondent_group == respondent_group)
    return list(
        db.session.scalars(query.order_by(Instrument.imported_at.desc(), Instrument.id.desc()))
    )


def load_published(instrument_id: int) -> Instrument | None:
    """A version the associations may see, or None (drafts look absent)."""
    return db.session.scalar(
        sa.select(Instrument).where(
            Instrument.id == instrument_id, Instrument.published_at.is_not(None)
        )
    )


@dataclass(frozen=True)
class InstrumentUse:
    """How many rounds use a version, and how many of them have opened."""

    rounds: int = 0
    opened: int = 0


def instrument_uses() -> dict[int, InstrumentUse]:
    """Instrument id → its rounds, for the platform's list (one query)."""
    rows = db.session.execute(
        sa.select(
            SurveyRound.instrument_id,
            sa.func.count(),
            sa.func.count().filter(SurveyRound.status != RoundStatus.DRAFT),
        ).group_by(SurveyRound.instrument_id)
    ).all()
    return {row[0]: InstrumentUse(row[1], row[2]) for row in rows}
