"""Survey rounds as the association prepares them: create, change, delete, find."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from portal.accounts.models import User
from portal.core import audit
from portal.core.concurrency import bump, check_version
from portal.core.errors import DomainError
from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.surveys import schedule
from portal.surveys.models import (
    Instrument,
    RespondentGroup,
    RoundStatus,
    SurveyRound,
)

ROUND_FIELDS = (
    "year",
    "respondent_group",
    "instrument",
    "groups",
    "opens_on",
    "closes_on",
    "min_answers",
    "status",
)


@dataclass(frozen=True)
class RoundData:
    """What the round form submits."""

    year: int
    instrument_id: int
    group_ids: list[int]
    opens_on: dt.date
    closes_on: dt.date
    min_answers: int
    respondent_group: RespondentGroup = RespondentGroup.MANAGERS


def snapshot(survey_round: SurveyRound) -> dict[str, object]:
    return {
        "year": survey_round.year,
        "respondent_group": survey_round.respondent_group.value,
        "instrument": survey_round.instrument.label if survey_round.instrument else None,
        "groups": sorted(g.name for g in survey_round.groups),
        "opens_on": survey_round.opens_on.isoformat(),
        "closes_on": survey_round.closes_on.isoformat(),
        "min_answers": survey_round.min_answers,
        "status": survey_round.status.value,
    }


def _apply(association: Association, survey_round: SurveyRound, data: RoundData) -> None:
    schedule.check_dates(data.year, data.opens_on, data.closes_on)
    if data.min_answers < 1:
        raise DomainError(_("At least one answer is needed to show a figure."), "min_answers")
    instrument = db.session.get(Instrument, data.instrument_id)
    if instrument is None:
        raise DomainError(_("Choose an instrument version."), "instrument_id")
    if instrument.respondent_group != data.respondent_group:
        raise DomainError(
            _("Choose an instrument version for this round's respondent group."), "instrument_id"
        )
    clash = db.session.scalar(
        sa.select(SurveyRound.id).where(
            SurveyRound.association_id == association.id,
            SurveyRound.year == data.year,
            SurveyRound.respondent_group == data.respondent_group,
            SurveyRound.id != (survey_round.id or 0),
        )
    )
    if clash is not None:
        raise DomainError(
            _("The association already has a survey round for this respondent group this year."),
            "year",
        )
    if not data.group_ids:
        raise DomainError(_("Choose at least one group."), "group_ids")
    groups = list(
        db.session.scalars(
            sa.select(Group).where(
                Group.association_id == association.id, Group.id.in_(data.group_ids)
            )
        )
    )
    if len(groups) != len(set(data.group_ids)):
        raise DomainError(_("Choose groups of this association."), "group_ids")
    survey_round.year = data.year
    survey_round.respondent_group = data.respondent_group
    survey_round.instrument = instrument
    survey_round.groups = groups
    survey_round.opens_on = data.opens_on
    survey_round.closes_on = data.closes_on
    survey_round.min_answers = data.min_answers


def create_round(actor: User, association: Association, data: RoundData) -> SurveyRound:
    """Prepare a round (a draft: nothing is sent until it opens)."""
    survey_round = SurveyRound(association_id=association.id, status=RoundStatus.DRAFT)
    _apply(association, survey_round, data)
    db.session.add(survey_round)
    db.session.flush()
    audit.record(
        actor=actor,
        action="survey_round.create",
        obj=survey_round,
        association_id=association.id,
        summary=str(survey_round.year),
        after=snapshot(survey_round),
    )
    return survey_round


def update_round(
    actor: User,
    association: Association,
    survey_round: SurveyRound,
    data: RoundData,
    lock_version: int | None,
) -> None:
    """Change a round that has not opened yet, unless someone saved it (or opened it)
    since the form was opened."""
    check_version(survey_round, lock_version)
    if not survey_round.is_draft:
        raise DomainError(_("The round has opened; its settings can no longer change."))
    before = snapshot(survey_round)
    _apply(association, survey_round, data)
    bump(survey_round)
    db.session.flush()
    after = snapshot(survey_round)
    if audit.changed(before, after):
        audit.record(
            actor=actor,
            action="survey_round.update",
            obj=survey_round,
            association_id=association.id,
            summary=str(survey_round.year),
            before=before,
            after=after,
        )


def delete_round(actor: User, survey_round: SurveyRound) -> None:
    """Remove a round that never opened."""
    if not survey_round.is_draft:
        raise DomainError(_("Only a round that has not opened can be deleted."))
    audit.record(
        actor=actor,
        action="survey_round.delete",
        obj=survey_round,
        association_id=survey_round.association_id,
        summary=str(survey_round.year),
        before=snapshot(survey_round),
    )
    db.session.delete(survey_round)
    db.session.flush()


def rounds_of(association: Association) -> list[SurveyRound]:
    """The association's rounds, newest year first."""
    return list(
        db.session.scalars(
            sa.select(SurveyRound)
            .where(SurveyRound.association_id == association.id)
            .options(selectinload(SurveyRound.instrument), selectinload(SurveyRound.groups))
            .order_by(SurveyRound.year.desc())
        )
    )


def load_round(
    association: Association, round_id: int, *options: ExecutableOption
) -> SurveyRound | None:
    """A round of this association (with the eager ``options`` given), or None."""
    return db.session.scalar(
        sa.select(SurveyRound)
        .where(SurveyRound.id == round_id, SurveyRound.association_id == association.id)
        .options(*options)
    )
