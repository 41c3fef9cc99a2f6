"""Participant codes in the Gävleborg demo: a closed participants' round of last year
with answers, and this year's open one with codes handed out and some answered.

Codes are shown once, when issued: the ``demo load`` that opens this year's round
prints three of its codes (as the API's demo token is printed once); a later load
says where to issue new ones.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets

import click
import sqlalchemy as sa
from flask import current_app

from portal.core.urls import absolute_url
from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.surveys import crypto, services
from portal.surveys.demo_rounds import close_past_round, draft_round
from portal.surveys.instrument import parse_instrument
from portal.surveys.models import (
    CodeBatch,
    Instrument,
    Invitation,
    RespondentGroup,
    SurveyRound,
)

PARTICIPANTS = RespondentGroup.PARTICIPANTS_ONGOING
CODE = "demo-deltagare"
TITLE = "Exempelenkät – deltagare i pågående insats"
NOTICE = (
    "Detta är ett exempel och inte det nationella frågeformuläret för deltagare: "
    "frågorna är desamma som i exempelenkäten för Mysam och visar bara hur koder fungerar."
)
GROUPS = 3  # the first groups by name run efforts with participants in the demo
CODES_PER_GROUP = 12
LAST_YEAR_CODES = 15


def _instrument() -> Instrument:
    """The demo questions as an example participants' instrument."""
    found = db.session.scalar(sa.select(Instrument).where(Instrument.code == CODE))
    if found is not None:
        return found
    path = current_app.root_path + "/surveys/data/demo-instrument.json"
    with open(path, encoding="utf-8") as handle:
        definition = json.load(handle)
    definition.update(code=CODE, title=TITLE, notice=NOTICE, example=True)
    instrument, _outcome = services.import_instrument(
        None, parse_instrument(json.dumps(definition))
    )
    instrument.respondent_group = PARTICIPANTS
    db.session.flush()
    return instrument


def _round_of(association: Association, year: int) -> SurveyRound | None:
    return db.session.scalar(
        sa.select(SurveyRound).where(
            SurveyRound.association_id == association.id,
            SurveyRound.year == year,
            SurveyRound.respondent_group == PARTICIPANTS,
        )
    )


def load_demo(association: Association) -> None:
    """Last year's closed participants' round and this year's open one (idempotent)."""
    from portal.groups.services import today

    groups = db.session.scalars(
        sa.select(Group).where(Group.association_id == association.id).order_by(Group.name)
    ).all()
    chosen = list(groups[:GROUPS])
    if not chosen:
        return
    instrument = _instrument()
    year = today().year
    if _round_of(association, year - 1) is None:
        _closed_round(association, instrument, chosen, year - 1)
    current = _round_of(association, year)
    if current is None:
        current = _open_round(association, instrument, chosen, year)
        codes = participant_codes(current)
        entry = absolute_url("surveys.respond_code")
        click.echo(f"Answer as a participant: type a code at {entry}, or open its address")
        click.echo("(shown this once: the portal keeps no code in clear):")
        for group, code, address in codes:
            click.echo(f"  {code} ({group}): {address}")
    else:
        click.echo(
            "Participant codes were shown when this year's participants' round opened; "
            "issue new ones on its page under Surveys."
        )


def _closed_round(
    association: Association, instrument: Instrument, groups: list[Group], year: int
) -> None:
    """Codes handed out per group, most used; the responses as a close writes them."""
    from portal.surveys.demo import _response

    survey_round = draft_round(
        association,
        instrument,
        year,
        groups=groups,
        respondent_group=PARTICIPANTS,
        opens_on=dt.date(year, 9, 1),
        closes_on=dt.date(year, 10, 15),
    )
    rng = random.Random(f"{association.slug}-participants-{year}")  # noqa: S311 - demo data
    issued_at = dt.datetime(year, 9, 1, 8, 0, tzinfo=dt.UTC)
    for group in groups:
        batch = CodeBatch(
            round_id=survey_round.id,
            group_id=group.id,
            issued=LAST_YEAR_CODES,
            issued_at=issued_at,
            request_key=secrets.token_urlsafe(24),
        )
        db.session.add(batch)
        db.session.flush()
        used = LAST_YEAR_CODES - rng.randint(3, 7)
        for index in range(LAST_YEAR_CODES):
            invitation = Invitation(
                round_id=survey_round.id,
                group_id=group.id,
                token_salt=crypto.new_salt(),
                token_hash=secrets.token_hex(32),  # a closed round's codes work no more
                code_batch_id=batch.id,
                answered=index < used,
                invited_at=issued_at,
            )
            db.session.add(invitation)
            if invitation.answered:
                _response(survey_round, instrument, invitation, rng, year)
    close_past_round(survey_round, opened_at=issued_at)


def _open_round(
    association: Association, instrument: Instrument, groups: list[Group], year: int
) -> SurveyRound:
    """Open until the end of the year, codes handed out per group, a third answered
    (sealed ballots until it closes)."""
    from portal.groups.services import today
    from portal.surveys import answering

    day = today()
    survey_round = draft_round(
        association,
        instrument,
        year,
        groups=groups,
        respondent_group=PARTICIPANTS,
        opens_on=max(dt.date(year, 1, 1), day - dt.timedelta(days=14)),
        closes_on=dt.date(year, 12, 31),
    )
    services.open_round(None, survey_round)
    keys = services.round_keys(survey_round.id)
    assert keys is not None
    rng = random.Random(f"{association.slug}-participants-{year}")  # noqa: S311 - demo data
    for group in groups:
        issued = services.issue_codes(
            None, survey_round, group.id, CODES_PER_GROUP, secrets.token_urlsafe(24)
        )
        for code in issued.codes[: CODES_PER_GROUP // 3]:
            access = answering.find(crypto.code_token(keys.link_secret, code))
            assert access is not None
            answers = {
                q.code: str(min(7, max(1, round(rng.gauss(5.1, 1.2)))))
                for q in access.questions
                if q.is_scale
            }
            answering.submit(access, answers)
    db.session.flush()
    return survey_round


def participant_codes(survey_round: SurveyRound, count: int = 3) -> list[tuple[str, str, str]]:
    """(group, code, QR address) of ``count`` codes issued now, one group each: to
    answer as a participant does."""
    out = []
    for index in range(count):
        group = survey_round.groups[index % len(survey_round.groups)]
        issued = services.issue_codes(None, survey_round, group.id, 1, secrets.token_urlsafe(24))
        printed = crypto.format_code(issued.codes[0])
        out.append((group.name, printed, absolute_url("surveys.respond_code_open", code=printed)))
    return out
